package pages

import (
	"crypto/rand"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// passDownActions are the actions of passing down and re-checking that a page's done= may
// name (they are not among itemmsg.Actions, which take a note only).
var passDownActions = []itemmsg.Action{itemmsg.Assign, itemmsg.Split, itemmsg.LookBackHolds, itemmsg.LookBackRelapse,
	itemmsg.ReinspectPass, itemmsg.ReinspectFail}

// assign is 分办 from the item page: the unit names who handles the item.
func (h *handler) assign(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id := r.PathValue("id")
	var form formValues
	var to string
	err := h.readForm(w, r, &form)
	if err == nil {
		to = r.PostFormValue("handler")
		_, err = h.Rectification.Assign(r.Context(), a, rectification.AssignInput{ItemID: id, Handler: to, Note: form.note, Key: form.key})
	}
	if err != nil {
		h.passDownRefused(w, r, a, id, "assign", form, err, passDownField, func(v *itemView) { v.AssignTo = to })
		return
	}
	doneOn(w, r, id, itemmsg.Assign)
}

// split is 转办 from the item page: one sub-item for each unit ticked, as its row says.
func (h *handler) split(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id := r.PathValue("id")
	var form formValues
	var picked []string
	rows := map[string]splitRow{}
	err := h.readForm(w, r, &form)
	if err == nil {
		in := rectification.SplitInput{ItemID: id, Note: form.note, Key: form.key}
		for _, code := range r.PostForm["pick"] {
			if code == "" || slices.Contains(picked, code) {
				continue
			}
			picked = append(picked, code)
		}
		for k := range r.PostForm {
			if code, ok := strings.CutPrefix(k, "due-"); ok {
				rows[code] = splitRow{Picked: slices.Contains(picked, code), Content: r.PostFormValue("content-" + code),
					Criterion: r.PostFormValue("criterion-" + code), Handler: r.PostFormValue("handler-" + code), Due: r.PostFormValue(k)}
			}
		}
		for _, code := range picked {
			row := rows[code]
			in.SubItems = append(in.SubItems, rectification.SubItem{Unit: code, Content: row.Content, Criterion: row.Criterion,
				Handler: row.Handler, Due: strings.TrimSpace(row.Due)})
		}
		_, err = h.Rectification.Split(r.Context(), a, in)
	}
	if err != nil {
		h.passDownRefused(w, r, a, id, "split", form, err, subItemField(picked), func(v *itemView) {
			for i, row := range v.SplitRows {
				if sent, ok := rows[row.Code]; ok {
					sent.Code, sent.Name, sent.People = row.Code, row.Name, row.People
					v.SplitRows[i] = sent
				}
			}
		})
		return
	}
	doneOn(w, r, id, itemmsg.Split)
}

// lookBack is 回头看 from a closed item's page: 巩固, or 反弹 with a new deadline, and the
// issuer's own evidence when it brings some.
func (h *handler) lookBack(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id := r.PathValue("id")
	var form formValues
	in := rectification.RecheckInput{ItemID: id}
	err := h.readForm(w, r, &form)
	if err == nil {
		in.Outcome, in.Due, in.Note, in.Key = r.PostFormValue("outcome"), strings.TrimSpace(r.PostFormValue("due")), form.note, form.key
		in.EvidenceIDs, err = h.upload(r, a, id, form.files)
	}
	if err == nil {
		_, err = h.Rectification.LookBack(r.Context(), a, in)
	}
	if err != nil {
		h.passDownRefused(w, r, a, id, "look_back", form, err, passDownField, func(v *itemView) {
			v.Outcome, v.RecheckDue = in.Outcome, in.Due
		})
		return
	}
	act := itemmsg.LookBackHolds
	if in.Outcome == "relapse" {
		act = itemmsg.LookBackRelapse
	}
	doneOn(w, r, id, act)
}

// passDownRefused shows the item page again with the form that was sent open, what was typed
// kept (keep), and each refusal beside the input field names.
func (h *handler) passDownRefused(w http.ResponseWriter, r *http.Request, a auth.Actor, id, form string, sent formValues, err error,
	field func(string) string, keep func(*itemView)) {
	fe, msg := passDownErrors(err, field)
	v, verr := h.itemView(w, r, a, id, keyAfter(err, sent.key))
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.Open, v.Errors, v.Message, v.Note = form, fe, unconfirmed(v.c, err, msg), sent.note
	keep(&v)
	h.render(w, r, apperr.Report(w, r, err), "item", v)
}

// doneOn goes back to the item after an action, saying it was done.
func doneOn(w http.ResponseWriter, r *http.Request, id string, act itemmsg.Action) {
	http.Redirect(w, r, "/items/"+url.PathEscape(id)+"?done="+string(act), http.StatusSeeOther)
}

// upload stores the files sent with a form as evidence of the item and returns their ids.
func (h *handler) upload(r *http.Request, a auth.Actor, itemID string, files []*multipart.FileHeader) ([]int64, error) {
	var ids []int64
	for _, fh := range files {
		var body multipart.File
		f, err := h.Rectification.UploadEvidence(r.Context(), a, rectification.EvidenceInput{ItemID: itemID,
			File: func() (rectification.Upload, error) {
				var err error
				if body, err = fh.Open(); err != nil {
					return rectification.Upload{}, apperr.New(apperr.Invalid, "file", "上传内容无法读取")
				}
				return rectification.Upload{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Body: body}, nil
			}})
		if body != nil {
			_ = body.Close()
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	return ids, nil
}

// passDownField is the input of a pass-down or re-check form a service field names.
func passDownField(field string) string {
	switch field {
	case "handler", "due", "outcome", "share", "order_id":
		return field
	}
	return fieldOf(field)
}

var subItemPath = regexp.MustCompile(`^sub_items\[(\d+)\]\.(\w+)`)

// subItemField names the 转办 form's inputs: the service's sub_items[i].due is the due date
// of the i-th unit ticked, "sub:V11.due" here.
func subItemField(picked []string) func(string) string {
	return func(field string) string {
		if m := subItemPath.FindStringSubmatch(field); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && i < len(picked) {
				return "sub:" + picked[i] + "." + m[2]
			}
			return ""
		}
		return fieldOf(field)
	}
}

// passDownErrors spreads an error over a form's fields as formErrors does, with field
// naming the inputs; a field problem no input shows is the form's own message, so that
// none is lost.
func passDownErrors(err error, field func(string) string) (fieldErrors, string) {
	_, body := apperr.ToBody(err)
	fe := fieldErrors{}
	list := body.Error.Fields
	if len(list) == 0 && body.Error.Field != "" {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	var rest []string
	for _, f := range list {
		in := field(f.Field)
		if in == "" {
			rest = append(rest, f.Message)
			continue
		}
		if _, dup := fe[in]; !dup {
			fe[in] = f.Message
		}
	}
	switch {
	case len(fe) == 0:
		return fe, body.Error.Message
	case len(rest) > 0:
		return fe, strings.Join(rest, "；")
	}
	return fe, ""
}

// lookBacks is 回头看: the issuer's closed items whose re-check round has come.
func (h *handler) lookBacks(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	list, err := h.Rectification.LookBacksDue(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := lookBacksView{Page: h.page(w, r, "lookbacks.title")}
	now := h.Rectification.Now()
	for _, x := range list.Items {
		c := lookBackCard{Item: x.Row, Days: x.Days, DueOn: x.DueOn}
		if x.ClosedAt != nil {
			c.ClosedAgo = int(now.Sub(*x.ClosedAt).Hours() / 24)
		}
		v.Items = append(v.Items, c)
	}
	h.render(w, r, http.StatusOK, "look_backs", v)
}

// samples is 抽查复核: the draw form and the unit's draws.
func (h *handler) samples(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.samplesView(w, r, a)
	h.show(w, r, "samples", v, err)
}

func (h *handler) samplesView(w http.ResponseWriter, r *http.Request, a auth.Actor) (samplesView, error) {
	list, err := h.Rectification.Samples(r.Context(), a)
	if err != nil {
		return samplesView{}, err
	}
	orders, err := h.Rectification.ListOrders(r.Context(), a, "issued")
	if err != nil {
		return samplesView{}, err
	}
	v := samplesView{Page: h.page(w, r, "samples.title"), Samples: list.Samples, Share: "10"}
	for _, o := range orders.Orders {
		// A draw is of the unit's own closed items: the orders it issued.
		if o.IssuerUnitID == a.UnitID {
			v.Orders = append(v.Orders, orderChoice{ID: o.ID, Title: o.Title})
		}
	}
	return v, nil
}

// drawSample draws a share (in %) of the unit's closed items, of one order or all, and shows
// the draw.
func (h *handler) drawSample(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var in rectification.SampleInput
	var share, orderText string
	err := r.ParseForm()
	if err != nil {
		err = apperr.New(apperr.Invalid, "body", "表单无法读取，请重试")
	} else {
		share, orderText = strings.TrimSpace(r.PostFormValue("share")), strings.TrimSpace(r.PostFormValue("order"))
		pct, perr := strconv.ParseFloat(strings.TrimSuffix(share, "%"), 64)
		switch {
		case perr != nil:
			err = apperr.Newf(apperr.Invalid, "share", "抽查比例“%s”不是数字", share)
		case orderText != "":
			if in.OrderID, perr = strconv.ParseInt(orderText, 10, 64); perr != nil {
				err = apperr.New(apperr.Invalid, "order_id", "请从列表中选择整改通知")
			}
		}
		in.Share = pct / 100
	}
	var sm items.Sample
	if err == nil {
		sm, err = h.Rectification.DrawSample(r.Context(), a, in)
	}
	if err != nil {
		v, verr := h.samplesView(w, r, a)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		v.Share, v.OrderID = share, in.OrderID
		v.Errors, v.Message = passDownErrors(err, passDownField)
		h.render(w, r, apperr.Report(w, r, err), "samples", v)
		return
	}
	http.Redirect(w, r, "/samples/"+strconv.FormatInt(sm.ID, 10)+"?drawn=1", http.StatusSeeOther)
}

// sample is one draw with its re-inspections.
func (h *handler) sample(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, err := pathID(r, "sample_id", "抽查记录不存在或不是本单位的")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.sampleView(w, r, a, id, rand.Text())
	if err == nil && r.URL.Query().Get("drawn") == "1" {
		v.Flash = v.c.T("samples.drawn", len(v.Sample.ItemIDs))
	}
	h.show(w, r, "sample", v, err)
}

func (h *handler) sampleView(w http.ResponseWriter, r *http.Request, a auth.Actor, id int64, key string) (sampleView, error) {
	sm, err := h.Rectification.Sample(r.Context(), a, id)
	if err != nil {
		return sampleView{}, err
	}
	v := sampleView{Page: h.page(w, r, "sample.title"), Sample: sm, Key: key,
		MinDue: h.Rectification.Now().In(order.Shanghai).AddDate(0, 0, 1).Format("2006-01-02")}
	return v, nil
}

// reinspect records a drawn item's re-inspection: pass, or fail with a new deadline.
func (h *handler) reinspect(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, err := pathID(r, "sample_id", "抽查记录不存在或不是本单位的")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	itemID := r.PathValue("item")
	var form formValues
	in := rectification.RecheckInput{ItemID: itemID}
	err = h.readForm(w, r, &form)
	if err == nil {
		in.Outcome, in.Due, in.Note, in.Key = r.PostFormValue("outcome"), strings.TrimSpace(r.PostFormValue("due")), form.note, form.key
		_, err = h.Rectification.Reinspect(r.Context(), a, id, in)
	}
	if err != nil {
		v, verr := h.sampleView(w, r, a, id, keyAfter(err, form.key))
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		var msg string
		v.ErrItem, v.ErrForm, v.Note, v.Due = itemID, in.Outcome, in.Note, in.Due
		v.Errors, msg = passDownErrors(err, passDownField)
		v.Message = unconfirmed(v.c, err, msg)
		h.render(w, r, apperr.Report(w, r, err), "sample", v)
		return
	}
	act := itemmsg.ReinspectPass
	if in.Outcome == "fail" {
		act = itemmsg.ReinspectFail
	}
	http.Redirect(w, r, "/samples/"+strconv.FormatInt(id, 10)+"?done="+string(act)+"#s-"+url.PathEscape(itemID), http.StatusSeeOther)
}
