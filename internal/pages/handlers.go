package pages

import (
	"crypto/rand"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// home is sign-in, or the person's landing page when they are signed in already.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if a, ok := auth.ActorFrom(r.Context()); ok {
		if next == "" {
			next = landing(a)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "signin", signInView{Page: h.page(w, r, "signin.title"), Next: next})
}

func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "body", "表单无法读取"))
		return
	}
	next := localPath(r.PostForm.Get("next"))
	login := r.PostForm.Get("login")
	a, err := h.Auth.SignIn(r.Context(), login, r.PostForm.Get("password"), h.Auth.ClientAddress(r))
	if err != nil {
		status := apperr.Report(w, r, err)
		v := signInView{Page: h.page(w, r, "signin.title"), Next: next, Login: login}
		v.Errors, v.Message = formErrors(err)
		h.render(w, r, status, "signin", v)
		return
	}
	if next == "" {
		next = landing(a)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.SignOut(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// todoStates are the states a to-do list counts, in lifecycle order.
var todoStates = []itemmsg.State{itemmsg.Issued, itemmsg.Acknowledged, itemmsg.InProgress, itemmsg.CloseRequested}

// todo is 我的待办: what the person's unit must act on next, red first, filtered by state.
func (h *handler) todo(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	list, err := h.Rectification.MyItems(r.Context(), a, rectification.MyItemsInput{View: "todo"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := todoView{Page: h.page(w, r, "todo.title")}
	c := v.c
	want := r.URL.Query().Get("state")
	if !slices.Contains(todoStates, itemmsg.State(want)) {
		want = ""
	}
	counts := map[string]int{}
	for _, row := range list.Items {
		counts[row.State]++
	}
	v.Filters = append(v.Filters, stateFilter{URL: "/todo", Label: c.T("todo.all"), N: len(list.Items), Current: want == ""})
	for _, st := range todoStates {
		v.Filters = append(v.Filters, stateFilter{URL: "/todo?state=" + string(st), Label: c.State(string(st)),
			N: counts[string(st)], Current: want == string(st)})
	}
	rows := list.Items
	byUrgency(rows)
	for _, row := range rows {
		if want != "" && row.State != want {
			continue
		}
		v.Cards = append(v.Cards, h.card(c, a, row, rand.Text()))
	}
	h.render(w, r, http.StatusOK, "todo", v)
}

// card is a row with the one action that moves it on from a list. Its key is its own, and
// its 签收 sends the key the item page would send, so that a refusal shown on the item page
// keeps it (see keyAfter).
func (h *handler) card(c *catalog, a auth.Actor, row items.Row, key string) card {
	can := rectification.Offered(a, row)
	return card{Row: row, Deadline: deadline(c, row), Key: key,
		Acknowledge:  slices.Contains(can, itemmsg.Acknowledge),
		RequestClose: slices.Contains(can, itemmsg.RequestClose),
		Review:       slices.Contains(can, itemmsg.Close)}
}

// item is one item's page.
func (h *handler) item(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.itemView(w, r, a, r.PathValue("id"), rand.Text())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if open := strings.ReplaceAll(r.URL.Query().Get("open"), "-", "_"); v.Can[open] {
		v.Open = open
	}
	h.render(w, r, http.StatusOK, "item", v)
}

// itemView builds the item page; key is the base of its forms' idempotency keys, each form
// adding its action's suffix.
func (h *handler) itemView(w http.ResponseWriter, r *http.Request, a auth.Actor, id, key string) (itemView, error) {
	d, err := h.Rectification.GetItem(r.Context(), a, id)
	if err != nil {
		return itemView{}, err
	}
	v := itemView{Page: h.page(w, r, "item.title"), Item: d.Item, Timeline: d.Timeline, Returned: lastReturn(d.Timeline),
		Can: map[string]bool{}, Chosen: map[int64]bool{}, Key: key}
	v.Evidence, v.Deadline = evidenceLinks(v.c, d.Evidence, d.EvidenceReuse), deadline(v.c, d.Item)
	for _, act := range rectification.Offered(a, d.Item) {
		v.Can[string(act)] = true
	}
	// The close-out form starts from what is stored: the last progress report as its note,
	// and every piece of evidence ticked.
	v.Note = d.Item.LastProgress
	for _, e := range d.Evidence {
		v.Chosen[e.ID] = true
	}
	// By the service's clock, which the workflow's check of the date also goes by.
	v.MinExtend = h.Rectification.Now().In(order.Shanghai).AddDate(0, 0, 1).Format("2006-01-02")
	if v.PassDown, err = h.Rectification.PassDownChoices(r.Context(), a, id); err != nil {
		return itemView{}, err
	}
	v.Can["assign"], v.Can["split"], v.Can["look_back"] = v.PassDown.Assign, v.PassDown.Split, v.PassDown.LookBack
	v.SplitRows, v.LookBacks = splitRows(v.PassDown, d.Item), d.LookBacks
	for _, c := range d.Children {
		v.Children = append(v.Children, childRow{Row: c, Deadline: deadline(v.c, c)})
	}
	return v, nil
}

// actionPaths are the actions a form may post, by the last segment of its path (as the
// API names them).
var actionPaths = map[string]itemmsg.Action{
	"acknowledge": itemmsg.Acknowledge, "progress": itemmsg.Progress, "request-close": itemmsg.RequestClose,
	"close": itemmsg.Close, "return": itemmsg.Return, "request-extension": itemmsg.RequestExtension,
	"approve-extension": itemmsg.ApproveExtension, "refuse-extension": itemmsg.RefuseExtension,
}

// errNoPledge refuses a close-out request without the truthfulness pledge, a statement the
// page asks for (the API's callers sign for their data otherwise).
var errNoPledge = apperr.New(apperr.Invalid, "pledge", "请勾选“本人承诺所报整改情况真实”后再提交")

// act performs an action posted from the item page or the review queue, then goes back
// there; a refusal shows the form again with the reason beside its cause.
func (h *handler) act(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id := r.PathValue("id")
	action, ok := actionPaths[r.PathValue("action")]
	if !ok {
		h.fail(w, r, apperr.New(apperr.NotFound, "action", "不支持的操作"))
		return
	}
	in := rectification.ActInput{ItemID: id, Action: action}
	var form formValues
	err := h.readForm(w, r, &form)
	if err == nil {
		in.Note, in.ExtendTo, in.Key, in.EvidenceIDs = form.note, form.extendTo, form.key, form.evidence
		if action == itemmsg.RequestClose {
			err = h.attach(r, a, &in, form)
		}
	}
	if err == nil {
		_, err = h.Rectification.Act(r.Context(), a, in)
	}
	back := localPath(form.back)
	if err != nil {
		h.refused(w, r, a, id, action, form, back, err)
		return
	}
	if back == "" {
		back = "/items/" + url.PathEscape(id)
	}
	http.Redirect(w, r, back+sep(back)+"done="+string(action), http.StatusSeeOther)
}

// attach checks the pledge and stores the files sent with a close-out request as evidence,
// adding them to the ones ticked.
func (h *handler) attach(r *http.Request, a auth.Actor, in *rectification.ActInput, form formValues) error {
	if !form.pledge {
		return errNoPledge
	}
	ids, err := h.upload(r, a, in.ItemID, form.files)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(in.EvidenceIDs, id) {
			in.EvidenceIDs = append(in.EvidenceIDs, id)
		}
	}
	return nil
}

// keyAfter is the key base of a form shown again after a refusal. After Unavailable the
// action may have been handed over and may still take effect, so the form keeps the base of
// the key it sent: sent again, it cannot act twice. After any other refusal nothing was
// done, and the form gets a fresh key, so that a changed form is not refused as a reuse.
func keyAfter(err error, posted string) string {
	if apperr.KindOf(err) == apperr.Unavailable {
		if base, _, _ := strings.Cut(posted, "-"); base != "" {
			return base
		}
	}
	return rand.Text()
}

// refused shows the form that was sent again, with the refusal beside its cause.
func (h *handler) refused(w http.ResponseWriter, r *http.Request, a auth.Actor, id string, action itemmsg.Action, form formValues,
	back string, err error) {
	fe, msg := formErrors(err)
	key := keyAfter(err, form.key)
	if back == "/review" {
		v, verr := h.reviewView(w, r, a, key)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		v.ErrItem, v.ErrForm, v.Errors, v.Message = id, string(action), fe, unconfirmed(v.c, err, msg)
		h.render(w, r, apperr.Report(w, r, err), "review", v)
		return
	}
	v, verr := h.itemView(w, r, a, id, key)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.Open, v.Errors, v.Message = string(action), fe, unconfirmed(v.c, err, msg)
	v.Note, v.ExtendTo = form.note, form.extendTo
	if action == itemmsg.RequestClose {
		// Keep what was ticked, and tick what was uploaded before the refusal.
		clear(v.Chosen)
		for _, e := range form.evidence {
			v.Chosen[e] = true
		}
		for _, e := range v.Evidence {
			if !slices.Contains(form.known, e.ID) {
				v.Chosen[e.ID] = true
			}
		}
	}
	h.render(w, r, apperr.Report(w, r, err), "item", v)
}

// unconfirmed is the form's message: msg, or after Unavailable the page's own text. The
// service's text there speaks to API callers of the Idempotency-Key header; a person is told
// what the kept key means for them.
func unconfirmed(c *catalog, err error, msg string) string {
	if apperr.KindOf(err) != apperr.Unavailable {
		return msg
	}
	return c.T("act.unconfirmed")
}

// formValues is what an action's form sends.
type formValues struct {
	note, extendTo, key, back string
	pledge                    bool
	// evidence are the ids ticked; known every id the form listed; files the uploads.
	evidence, known []int64
	files           []*multipart.FileHeader
}

// readForm reads an action's form: multipart with files (at most one evidence file's size
// and a little more in all), or URL-encoded.
func (h *handler) readForm(w http.ResponseWriter, r *http.Request, f *formValues) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, evidence.MaxSize+1<<20)
		err = r.ParseMultipartForm(8 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		err = r.ParseForm()
	}
	if err != nil {
		if tooLarge(err) {
			return apperr.Newf(apperr.Invalid, "file", "文件超过%dMB上限", evidence.MaxSize>>20)
		}
		return apperr.New(apperr.Invalid, "body", "表单无法读取，请重试")
	}
	get := r.PostFormValue
	f.note, f.extendTo, f.key, f.back = get("note"), strings.TrimSpace(get("extend_to")), get("key"), get("back")
	f.pledge = get("pledge") == "yes"
	ids := func(name string) []int64 {
		var out []int64
		for _, s := range r.PostForm[name] {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	f.evidence, f.known = ids("evidence"), ids("listed")
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["file"] {
			if fh.Filename != "" && fh.Size > 0 {
				f.files = append(f.files, fh)
			}
		}
	}
	return nil
}

// review is 待审核.
func (h *handler) review(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.reviewView(w, r, a, rand.Text())
	h.show(w, r, "review", v, err)
}

// reviewView builds the review queue; key is the base of its forms' idempotency keys, each
// form adding its action's and item's suffix.
func (h *handler) reviewView(w http.ResponseWriter, r *http.Request, a auth.Actor, key string) (reviewView, error) {
	q, err := h.Rectification.ReviewQueue(r.Context(), a)
	if err != nil {
		return reviewView{}, err
	}
	v := reviewView{Page: h.page(w, r, "review.title"), Key: key}
	for _, x := range q.CloseOuts {
		v.CloseOuts = append(v.CloseOuts, reviewCard{Item: x.Item, Deadline: deadline(v.c, x.Item), Request: x.Request,
			Evidence: evidenceLinks(v.c, x.Evidence, x.EvidenceReuse)})
	}
	for _, x := range q.Extensions {
		v.Extensions = append(v.Extensions, reviewCard{Item: x.Item, Deadline: deadline(v.c, x.Item), Request: x.Request})
	}
	return v, nil
}

// evidence sends a piece of evidence: a picture inline (so that a reviewer sees it on the
// page), anything else as a download. The picture's type is judged from its bytes, not
// from what the uploader's browser claimed.
func (h *handler) evidence(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, err := pathID(r, "evidence_id", "佐证材料不存在或无权查看")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.Rectification.EvidenceFile(r.Context(), a, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c, ok := d.Body.(io.Closer); ok {
		defer c.Close()
	}
	var head [512]byte
	n, _ := io.ReadFull(d.Body, head[:])
	if _, err := d.Body.Seek(0, io.SeekStart); err != nil {
		h.fail(w, r, err)
		return
	}
	ct := http.DetectContentType(head[:n])
	disposition := "attachment"
	if inlineImage(ct) {
		disposition = "inline"
	} else {
		ct = "application/octet-stream"
	}
	d.ContentType = ct
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	send(w, r, d, disposition, "private, max-age=3600")
}

// download sends a spreadsheet made for this request, or the error that kept it from being
// made; nothing of it is kept by the browser's cache.
func (h *handler) download(w http.ResponseWriter, r *http.Request, d rectification.Download, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	send(w, r, d, "attachment", "private, no-store")
}

// pathID is the record a path names by its {id}: a number that is not a positive whole one
// names nothing, so it is refused as not found (field, message), like a record the actor
// may not see.
func pathID(r *http.Request, field, message string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, field, message)
	}
	return id, nil
}

// send writes a file with its type, its name as the browser saves or shows it, and caching.
func send(w http.ResponseWriter, r *http.Request, d rectification.Download, disposition, cache string) {
	hd := w.Header()
	hd.Set("Content-Type", d.ContentType)
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": d.Name}))
	hd.Set("Cache-Control", cache)
	http.ServeContent(w, r, "", d.ModTime, d.Body)
}

// sep is what joins a query parameter to path.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}
