package pages

import (
	"embed"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// One typed struct per view; templates read nothing else.

//go:embed templates/*.html
var templatesFS embed.FS

// Page is what every view shares: language, title, who is signed in, the tabs, a message
// after a change, and the link to the other language.
type Page struct {
	Lang        string
	Title       string
	Actor       *auth.Actor
	Nav         []NavLink
	Flash       string
	SwitchURL   string
	SwitchLabel string
	c           *catalog
}

func (p Page) lang() string { return p.Lang }

// NavLink is one tab.
type NavLink struct {
	URL, Label string
	Current    bool
}

// fieldErrors are refusals by form input (note, file, extend_to, pledge, login, password).
type fieldErrors map[string]string

type errorView struct {
	Page
	Status  int
	Message string
}

type signInView struct {
	Page
	Next, Login string
	Errors      fieldErrors
	Message     string
}

// todoView is 我的待办: cards red first, and the counts by state that filter them.
type todoView struct {
	Page
	Filters []stateFilter
	Cards   []card
}

type stateFilter struct {
	URL, Label string
	N          int
	Current    bool
}

// card is one item on a list, with the one action that moves it on from there.
type card struct {
	Row      items.Row
	Deadline string
	// Acknowledge: 签收 right on the card; RequestClose: a link that opens the close-out
	// form; Review: a link to the item for its reviewer.
	Acknowledge, RequestClose, Review bool
	Key                               string
}

// itemView is one item: its four lists, the reason it was returned, its actions, evidence
// and timeline.
type itemView struct {
	Page
	Item     items.Row
	Deadline string
	// Returned is the last 退回 while it stands (no close-out requested since).
	Returned *items.Event
	Timeline []items.Event
	Evidence []evidenceLink
	// Can holds the actions offered, by action value (request_close).
	Can map[string]bool
	// Open is the form shown open (an action value); Errors and Message are its refusals.
	Open    string
	Errors  fieldErrors
	Message string
	Note    string
	// ExtendTo is the date asked for; MinExtend the first date that can be asked for.
	ExtendTo, MinExtend string
	// Chosen are the evidence ids ticked in the close-out form.
	Chosen map[int64]bool
	Key    string
	// PassDown is what may be done to pass the item down or re-check it, with whom; Children
	// its sub-items and LookBacks its re-check rounds after 销号.
	PassDown  rectification.PassDownOffer
	Children  []childRow
	LookBacks []items.LookBackRound
	// AssignTo is the handler chosen in the 分办 form; SplitRows the 转办 form's rows;
	// Outcome and RecheckDue what the 回头看 form holds.
	AssignTo            string
	SplitRows           []splitRow
	Outcome, RecheckDue string
}

// evidenceLink is a piece of evidence as a link, with a thumbnail for a picture.
type evidenceLink struct {
	ID         int64
	URL, Name  string
	Size       string
	Image      bool
	UploadedAt string
	// Reused are the warnings that the same file was given for other items (佐证重复).
	Reused []string
}

// reviewView is 待审核: close-out and extension requests, each with its decision forms.
type reviewView struct {
	Page
	CloseOuts  []reviewCard
	Extensions []reviewCard
	// ErrItem and ErrForm say which card and form a refusal belongs to.
	ErrItem, ErrForm string
	Errors           fieldErrors
	Message          string
	Key              string
}

type reviewCard struct {
	Item     items.Row
	Deadline string
	Request  items.Event
	Evidence []evidenceLink
}

// byUrgency orders rows red, yellow, green, then the rest, keeping the store's order
// (soonest deadline first) within a light.
func byUrgency(rows []items.Row) {
	slices.SortStableFunc(rows, func(a, b items.Row) int { return a.Light.Rank() - b.Light.Rank() })
}

// deadline is an item's deadline as people read it: an approved extension, the due date, or
// the moment it falls due.
func deadline(c *catalog, r items.Row) string {
	switch {
	case r.ExtendedTo != "":
		return c.T("deadline.extended", r.ExtendedTo)
	case r.Due != "":
		return r.Due
	case r.DueAt != nil:
		return c.When(*r.DueAt)
	}
	return c.T("deadline.none")
}

// lastReturn is the last 退回 of a timeline unless a close-out was requested after it.
func lastReturn(tl []items.Event) *items.Event {
	for i := len(tl) - 1; i >= 0; i-- {
		switch itemmsg.Action(tl[i].Action) {
		case itemmsg.RequestClose:
			return nil
		case itemmsg.Return:
			e := tl[i]
			return &e
		}
	}
	return nil
}

// evidenceLinks are files as links, each with a warning per other item that used it.
func evidenceLinks(c *catalog, files []evidence.File, reuses []evidence.Reuse) []evidenceLink {
	out := make([]evidenceLink, 0, len(files))
	for _, f := range files {
		l := evidenceLink{ID: f.ID, URL: "/evidence/" + strconv.FormatInt(f.ID, 10), Name: f.Filename,
			Size: size(f.Size), Image: inlineImage(f.ContentType), UploadedAt: c.When(f.UploadedAt)}
		for _, r := range reuses {
			switch {
			case r.EvidenceID != f.ID:
			case r.ItemID == "":
				l.Reused = append(l.Reused, c.T("evidence.reused_elsewhere"))
			default:
				l.Reused = append(l.Reused, c.T("evidence.reused", r.ItemID, r.Unit))
			}
		}
		out = append(out, l)
	}
	return out
}

// inlineImage reports whether a content type is a picture a page may show inline.
func inlineImage(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	switch strings.TrimSpace(strings.ToLower(ct)) {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// Err is the refusal of a field of form (an action value), when that form was the one sent.
func (v itemView) Err(form, field string) string {
	if v.Open != form {
		return ""
	}
	return v.Errors[field]
}

// Msg is the refusal of form as a whole, when that form was the one sent.
func (v itemView) Msg(form string) string {
	if v.Open != form {
		return ""
	}
	return v.Message
}

// Err is the refusal of a field of one card's form, when that form was the one sent.
func (v reviewView) Err(itemID, form, field string) string {
	if v.ErrItem != itemID || v.ErrForm != form {
		return ""
	}
	return v.Errors[field]
}

// Msg is the refusal of one card's form as a whole, when that form was the one sent.
func (v reviewView) Msg(itemID, form string) string {
	if v.ErrItem != itemID || v.ErrForm != form {
		return ""
	}
	return v.Message
}

// Kept is what was typed into form's note, when that form was the one sent.
func (v itemView) Kept(form string) string {
	if v.Open != form {
		return ""
	}
	return v.Note
}
