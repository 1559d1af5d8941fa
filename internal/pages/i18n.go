package pages

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// The message catalogue: one JSON file per language under messages/, keys to texts (with
// fmt verbs where a text takes values). Chinese is the default; English is for reviewers
// and visitors. Texts that come from the domain — refusals, light sentences, state and
// action labels in Chinese — are the domain's own; the English catalogue translates the
// labels, and a refusal stays in Chinese as the service wrote it.

//go:embed messages/*.json
var messagesFS embed.FS

// Languages the pages speak; the first is the default.
var languages = []string{"zh", "en"}

// langCookie remembers a choice made with ?lang=.
const langCookie = "rectify_lang"

// catalog is one language's texts.
type catalog struct {
	lang  string
	texts map[string]string
}

func loadCatalogs() (map[string]*catalog, error) {
	out := map[string]*catalog{}
	for _, lang := range languages {
		b, err := messagesFS.ReadFile("messages/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("pages: catalogue %s: %w", lang, err)
		}
		c := &catalog{lang: lang}
		if err := json.Unmarshal(b, &c.texts); err != nil {
			return nil, fmt.Errorf("pages: catalogue %s: %w", lang, err)
		}
		out[lang] = c
	}
	return out, nil
}

// missing marks a key the catalogue lacks, so that a test finds it in the rendered page.
const missing = "‽"

// T is the text of key, formatted with args when it has verbs.
func (c *catalog) T(key string, args ...any) string {
	s, ok := c.texts[key]
	if !ok {
		return missing + key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// State is an item state as this language reads it.
func (c *catalog) State(s string) string {
	if c.lang == "zh" {
		return itemmsg.State(s).Label()
	}
	return c.T("state." + s)
}

// Action is an item action as this language reads it.
func (c *catalog) Action(a string) string {
	if c.lang == "zh" {
		return itemmsg.Action(a).Label()
	}
	return c.T("action." + a)
}

// Light is a light said in words (红灯), never by colour alone.
func (c *catalog) Light(l light.Light) string {
	if !l.Lit() {
		return c.T("light.none")
	}
	if c.lang == "zh" {
		return l.Label()
	}
	return l.English() + " light"
}

// DeadlineKind is a deadline kind (立行立改, 限期整改, 长期坚持).
func (c *catalog) DeadlineKind(kind string) string {
	if c.lang == "zh" {
		return order.DeadlineLabel(kind)
	}
	return c.T("deadline." + kind)
}

// When is a moment as people in the county read it: Shanghai time, to the minute.
func (c *catalog) When(t time.Time) string {
	return t.In(order.Shanghai).Format("2006-01-02 15:04")
}

// Day is the date of a moment as people in the county read it.
func (c *catalog) Day(t time.Time) string {
	return t.In(order.Shanghai).Format("2006-01-02")
}

// language picks the request's language: ?lang= (remembered in a cookie for a year), else
// the cookie, else Chinese.
func language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); known(q) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && known(c.Value) {
		return c.Value
	}
	return languages[0]
}

func known(lang string) bool { return slices.Contains(languages, lang) }
