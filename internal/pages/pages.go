// Package pages serves the staff pages — Chinese first, phone first — on the same handler
// and address as the JSON API, which keeps /api/ and /healthz. A page handler does three
// things: read the request, call the service the API calls (rectification.Service), and
// render one typed view struct; no domain rule lives in a handler or a template.
//
// Templates are html/template files embedded in the binary, one per view beside a layout:
// the standard library escapes by context, so a template cannot produce unsafe HTML; there
// is no generator step to run or generated code to keep in step (as templ would need); and a
// test parses and executes every view with sample data in both languages. Texts come from
// one message catalogue per language (messages/zh.json, the default, and en.json, chosen
// with ?lang=en and remembered in a cookie).
//
// Every page works without JavaScript: links and form posts, answered by a redirect (303)
// after a change. htmx 2.0.11 (vendored from the npm registry with its licence, embedded,
// served gzip-compressed and cached for a year like our one stylesheet) only makes the to-do
// filters swap the list in place. ECharts 6.1.0, vendored and served the same way, draws the
// leader's dashboard charts and is loaded on that page only, by our own script, from figures
// embedded in the page as JSON. Unsafe requests pass the same cross-origin protection as
// the API's, and sign-in goes through the same throttled auth.Service.SignIn.
package pages

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/httpguard"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/internal/telemetry"
	"rectify/internal/weakbranch"
	"rectify/workflows/item/itemmsg"
)

// Deps is what the pages need. It holds what api.Deps holds, but the pages do not depend on
// the JSON API: both are adapters over the same services.
type Deps struct {
	Auth          *auth.Service
	Rectification *rectification.Service
	// Weak gives the dashboard its weak-branch campaign figures.
	Weak *weakbranch.Service
	// Timeout bounds each request's work, Temporal calls included (as the API's does).
	Timeout time.Duration
	// PublicURL is where people reach the system; forms from its origin are trusted even
	// when a proxy changes the Host header.
	PublicURL string
}

type handler struct {
	Deps
	assets   assets
	catalogs map[string]*catalog
	// views are the parsed templates by language and then by view name.
	views map[string]map[string]*template.Template
}

// New builds the pages' handler. It serves "/" and every path that is not the API's.
func New(d Deps) (http.Handler, error) {
	h := &handler{Deps: d}
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.catalogs, err = loadCatalogs(); err != nil {
		return nil, err
	}
	if h.views, err = parseViews(h.assets, h.catalogs); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", h.assets)
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("POST /signin", h.signIn)
	mux.HandleFunc("POST /signout", h.signOut)
	// The leader's first page was a list here; its address leads to the dashboard.
	mux.Handle("GET /overview", http.RedirectHandler("/dashboard", http.StatusMovedPermanently))
	// Every other page is for those signed in, listed here in one table as the API lists its
	// routes in api.New.
	h.signedInRoutes(mux, map[string]signedInPage{
		// An item's life: the to-do list, the item and its actions, the review queue, the
		// dashboard (of the reader's unit or one below it), and evidence.
		"GET /todo": h.todo, "GET /items/{id}": h.item, "POST /items/{id}/{action}": h.act,
		"GET /review": h.review, "GET /dashboard": h.dashboard, "GET /dashboard/{unit}": h.dashboard,
		"GET /evidence/{id}": h.evidence,
		// The county's order pages: the list, the new-order form, the import of a problem
		// list, one order with its reminder plan, and 下发.
		"GET /orders": h.orders, "GET /orders/{id}": h.order, "POST /orders/{id}/issue": h.issue,
		"GET /orders/new": h.newOrder, "POST /orders/new": h.postOrder,
		"GET /orders/import": h.importPage, "POST /orders/import": h.importSheet,
		// The issuers' supervision pages: 督办看板, 通报 and 设置.
		"GET /board": h.board, "GET /bulletins": h.bulletins, "POST /bulletins/publish": h.publishBulletin,
		"GET /bulletins/{id}/xlsx": h.bulletinSheet, "GET /settings": h.settings, "POST /settings/policy": h.postPolicy,
		// What a signed-in person does for themselves: 修改密码, and 进度表, the Excel round
		// trip of their unit's open items on one page (download the progress sheet, upload it
		// filled, see what each row would do, confirm).
		"GET /account/password": h.passwordPage, "POST /account/password": h.changePassword,
		"GET /progress": h.progressPage, "GET /progress/sheet": h.progressSheet,
		"POST /progress": h.previewProgress, "POST /progress/{id}/apply": h.applyProgress,
		// The rectification of weak and lax branches (整顿): the campaign with its proposals,
		// determinations and cases, one case, and the ledger.
		"GET /weak": h.weak, "POST /weak/campaigns/{id}/proposals": h.propose,
		"POST /weak/proposals/{id}/{decision}": h.decide, "GET /weak/campaigns/{id}/ledger": h.weakLedger,
		"GET /weak/cases/{id}": h.weakCase, "POST /weak/cases/{id}/{kind}": h.weakAct,
		// Passing an item down and checking it after 销号: 分办 and 转办 on the item, 回头看
		// (the rounds that have come, and the form on the item), and 抽查复核 (draws, one
		// draw with its re-inspections).
		"POST /items/{id}/assign": h.assign, "POST /items/{id}/split": h.split, "POST /items/{id}/look-back": h.lookBack,
		"GET /look-backs": h.lookBacks, "GET /samples": h.samples, "POST /samples": h.drawSample,
		"GET /samples/{id}": h.sample, "POST /samples/{id}/items/{item}": h.reinspect,
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, apperr.New(apperr.NotFound, "path", "页面不存在"))
	})
	root := telemetry.MuxRoute(mux)
	root = d.Auth.Middleware(httpguard.Timeout(d.Timeout)(root))
	// A page elsewhere cannot sign in, act or sign out with a person's session cookie.
	root = httpguard.CrossOrigin(httpguard.CrossOriginOptions{PublicURL: d.PublicURL, Deny: h.fail})(root)
	return securityHeaders(root), nil
}

// parseViews parses the layout and the shared pieces (templates/_*.html) with each view,
// once per language, with that language's catalogue bound as the template functions.
func parseViews(as assets, cats map[string]*catalog) (map[string]map[string]*template.Template, error) {
	names, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*template.Template{}
	for lang, c := range cats {
		base, err := template.New("").Funcs(funcs(as, c)).ParseFS(templatesFS, "templates/layout.html", "templates/_*.html")
		if err != nil {
			return nil, fmt.Errorf("pages: layout: %w", err)
		}
		out[lang] = map[string]*template.Template{}
		for _, n := range names {
			view := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if view == "layout" || strings.HasPrefix(view, "_") {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(templatesFS, n)
			if err != nil {
				return nil, fmt.Errorf("pages: view %s: %w", view, err)
			}
			out[lang][view] = t
		}
	}
	return out, nil
}

func funcs(as assets, c *catalog) template.FuncMap {
	return template.FuncMap{
		"t": c.T, "state": c.State, "action": c.Action, "light": c.Light, "kind": c.DeadlineKind, "when": c.When,
		"asset": as.URL, "args": args, "day": c.Day,
	}
}

// args names the values a shared template takes: {{template "entry" args "id" "ret-1" "rows" 2}}.
func args(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("args: a name without a value")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("args: name %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// securityHeaders: our own scripts and styles only, no framing, no sniffing, and no page
// with personal data kept in a shared cache.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// signedInPage handles a page for a signed-in person, the actor.
type signedInPage func(http.ResponseWriter, *http.Request, auth.Actor)

// signedInRoutes serves each page of routes, by its pattern, to those signed in.
func (h *handler) signedInRoutes(mux *http.ServeMux, routes map[string]signedInPage) {
	for pattern, p := range routes {
		mux.HandleFunc(pattern, h.signedIn(p))
	}
}

// signedIn runs next with the signed-in person; anyone else goes to sign-in, which brings
// them back to the page they asked for (a link from a reminder, say).
func (h *handler) signedIn(next signedInPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := auth.ActorFrom(r.Context())
		if !ok {
			target := "/"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next(w, r, a)
	}
}

// landing is where a person starts: those who act on items at their to-do list, reviewers
// at their queue, leaders (who only read) at the dashboard.
func landing(a auth.Actor) string {
	switch {
	case a.Has(role.TownshipOfficial) || a.Has(role.BranchSecretary):
		return "/todo"
	case a.Has(role.OrgStaff):
		return "/review"
	}
	return "/dashboard"
}

// localPath is p when it is a path on this site (so that ?next= cannot send anyone
// elsewhere), else "".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}

// page fills the parts every view shares.
func (h *handler) page(w http.ResponseWriter, r *http.Request, titleKey string) Page {
	lang := language(w, r)
	c := h.catalogs[lang]
	p := Page{Lang: lang, Title: c.T(titleKey), c: c}
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	q := r.URL.Query()
	q.Set("lang", other)
	p.SwitchURL = r.URL.Path + "?" + q.Encode()
	p.SwitchLabel = h.catalogs[other].T("lang.self")
	if a, ok := auth.ActorFrom(r.Context()); ok {
		p.Actor = &a
		p.Nav = h.nav(c, a, r.URL.Path)
	}
	// Only an action's own name is echoed back, never other text from the address.
	if done := itemmsg.Action(q.Get("done")); slices.Contains(itemmsg.Actions, done) || slices.Contains(passDownActions, done) {
		p.Flash = c.T("done", c.Action(string(done)))
	}
	return p
}

func (h *handler) nav(c *catalog, a auth.Actor, current string) []NavLink {
	var links []NavLink
	add := func(path, key string) {
		links = append(links, NavLink{URL: path, Label: c.T(key), Current: current == path || strings.HasPrefix(current, path+"/")})
	}
	if !role.ReadsOnly(a.Roles) {
		add("/todo", "nav.todo")
	}
	if a.CanIssue() {
		add("/review", "nav.review")
	}
	if a.CanIssue() {
		add("/orders", "nav.orders")
	}
	if a.CanIssue() {
		add("/board", "nav.board")
		add("/look-backs", "nav.lookbacks")
		add("/samples", "nav.samples")
	}
	add("/dashboard", "nav.dashboard")
	add("/weak", "nav.weak")
	return links
}

// render executes a view into a buffer (so that a template error is a clean 500, not half a
// page) and sends it, gzip-compressed when the browser takes it and it is worth it.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, view string, data any) {
	lang := languages[0]
	if p, ok := data.(interface{ lang() string }); ok {
		lang = p.lang()
	}
	var buf bytes.Buffer
	if err := h.views[lang][view].ExecuteTemplate(&buf, "layout", data); err != nil {
		slog.ErrorContext(r.Context(), "pages: render", "view", view, "err", err)
		http.Error(w, "服务器内部错误，请稍后重试", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Accept-Encoding, Cookie")
	body := buf.Bytes()
	if acceptsGzip(r) && len(body) > 1024 {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(body)
		_ = zw.Close()
		hd.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail answers a request that could not be served with a page saying why, in Chinese as the
// service said it; a request without a session goes to sign-in instead.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.KindOf(err) == apperr.Unauthenticated {
		http.Redirect(w, r, "/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status := apperr.Report(w, r, err)
	_, body := apperr.ToBody(err)
	v := errorView{Page: h.page(w, r, "error.title"), Status: status, Message: body.Error.Message}
	h.render(w, r, status, "error", v)
}

// show renders a view, or the refusal that kept it from being made.
func (h *handler) show(w http.ResponseWriter, r *http.Request, view string, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, view, v)
}

// formErrors spreads an error over the fields of a form: each field problem next to its
// field, anything else as the form's own message. Fields are named as the service names
// them (note, evidence_ids[0], extend_to); fieldOf maps them to the form's inputs.
func formErrors(err error) (fieldErrors, string) {
	_, body := apperr.ToBody(err)
	fe := fieldErrors{}
	list := body.Error.Fields
	if len(list) == 0 && body.Error.Field != "" {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	for _, f := range list {
		if in := fieldOf(f.Field); in != "" {
			if _, dup := fe[in]; !dup {
				fe[in] = f.Message
			}
		}
	}
	if len(fe) == 0 {
		return fe, body.Error.Message
	}
	return fe, ""
}

// fieldOf is the form input a service's field name points at, or "" for the form itself.
func fieldOf(field string) string {
	name, _, _ := strings.Cut(field, "[")
	switch name {
	case "note", "extend_to", "pledge", "login", "password":
		return name
	case "evidence_ids", "file":
		return "file"
	}
	return ""
}

// tooLarge reports whether err is the refusal of a body over its bound.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
