package pages

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/imports"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/problemlist"
	"rectify/internal/rectification"
)

// orderStatuses are the statuses an order list counts, in the order an order goes through.
var orderStatuses = []string{"draft", "issuing", "issued"}

// orders is 整改通知: the orders the person sees, with counts by status as filters, and
// their items by state with 销号率.
func (h *handler) orders(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	list, err := h.Rectification.ListOrders(r.Context(), a, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := ordersView{Page: h.page(w, r, "orders.title"), CanIssue: a.CanIssue()}
	c := v.c
	want := r.URL.Query().Get("status")
	if !slices.Contains(orderStatuses, want) {
		want = ""
	}
	byStatus := map[string]int{}
	items := map[string]int{}
	for _, o := range list.Orders {
		byStatus[o.Status]++
		if want != "" && o.Status != want {
			continue
		}
		for s, n := range o.Counts {
			items[s] += n
		}
		v.Orders = append(v.Orders, orderCard{Order: o, Status: c.OrderStatus(o.Status), Date: orderDate(c, o),
			Rate: rateOf(o.Counts), Counts: stateCounts(c, o.Counts)})
	}
	v.Filters = append(v.Filters, stateFilter{URL: "/orders", Label: c.T("todo.all"), N: len(list.Orders), Current: want == ""})
	for _, s := range orderStatuses {
		v.Filters = append(v.Filters, stateFilter{URL: "/orders?status=" + s, Label: c.OrderStatus(s), N: byStatus[s], Current: want == s})
	}
	v.Counts, v.Rate = stateCounts(c, items), rateOf(items)
	h.render(w, r, http.StatusOK, "orders", v)
}

// orderDate is when an order was issued, or for a draft when it was made.
func orderDate(c *catalog, o order.Order) string {
	if o.IssuedAt != nil {
		return c.T("orders.issued_at", c.When(*o.IssuedAt))
	}
	return c.T("orders.created_at", c.When(o.CreatedAt))
}

// order is one order: its four lists, and its items' states at each unit once issued; a
// draft shows the reminder plan its items would follow and 下发.
func (h *handler) order(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.orderView(w, r, a)
	h.show(w, r, "order", v, err)
}

// orderFlashes are the changes an order page may confirm after a redirect.
var orderFlashes = []string{"saved", "imported", "issuing"}

func (h *handler) orderView(w http.ResponseWriter, r *http.Request, a auth.Actor) (orderView, error) {
	id, err := pathID(r, "order_id", "整改通知不存在或无权查看")
	if err != nil {
		return orderView{}, err
	}
	ctx := r.Context()
	o, err := h.Rectification.GetOrder(ctx, a, id)
	if err != nil {
		return orderView{}, err
	}
	v := orderView{Page: h.page(w, r, "order.title"), Order: o, CanIssue: rectification.MayIssueOrder(a, o)}
	c := v.c
	v.Title = o.Title
	if done := r.URL.Query().Get("done"); slices.Contains(orderFlashes, done) {
		v.Flash = c.T("order.done." + done)
	}
	v.Status, v.Created = c.OrderStatus(o.Status), c.When(o.CreatedAt)
	if o.IssuedAt != nil {
		v.Issued = c.When(*o.IssuedAt)
	}
	v.Counts, v.Rate = stateCounts(c, o.Counts), rateOf(o.Counts)

	// Names for the people a responsibility names by login, from the issuer's own units.
	names := map[string]string{}
	if o.IssuerUnitID == a.UnitID && a.CanIssue() {
		ch, err := h.Rectification.DraftChoices(ctx, a)
		if err != nil {
			return orderView{}, err
		}
		for _, u := range ch.Units {
			for _, p := range u.People {
				names[p.Login] = p.Name
			}
		}
	}
	byID := map[string]items.Row{}
	if o.Status != "draft" {
		list, err := h.Rectification.ListItems(ctx, a, items.Filter{OrderID: id, Limit: 1000})
		if err != nil {
			return orderView{}, err
		}
		for _, row := range list.Items {
			byID[row.ID] = row
		}
	}
	for _, p := range o.Problems {
		pv := problemView{Seq: p.Seq, Description: p.Description, Category: p.Category}
		for _, m := range p.Measures {
			mv := measureView{Seq: m.Seq, Content: m.Content, Criterion: m.Criterion, Evidence: m.EvidenceExpected,
				Deadline: measureDeadline(c, m)}
			for _, x := range []struct {
				key string
				ref order.PersonRef
			}{{"item.primary", m.Responsibility.Primary}, {"item.direct", m.Responsibility.Direct}, {"item.handler", m.Responsibility.Handler}} {
				switch {
				case x.ref.Position != "":
					mv.People = append(mv.People, personLine{Role: c.T(x.key), Who: c.T("order.at_each", x.ref.Position)})
				case x.ref.Login != "":
					mv.People = append(mv.People, personLine{Role: c.T(x.key), Who: cmpOr(names[x.ref.Login], x.ref.Login)})
				}
			}
			for _, t := range o.Targets {
				if row, ok := byID[itemOf(m.ID, t.UnitID)]; ok {
					mv.Items = append(mv.Items, itemLine{ID: row.ID, Unit: t.Name, State: c.State(row.State), Light: row.Light,
						Reason: row.LightReason})
				}
			}
			pv.Measures = append(pv.Measures, mv)
		}
		v.Problems = append(v.Problems, pv)
	}
	if v.CanIssue {
		plan, err := h.Rectification.ReminderPlan(ctx, a, id)
		if err != nil {
			return orderView{}, err
		}
		v.Plan = planOf(c, o, plan)
	}
	return v, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// planOf lays a reminder plan out by measure, in the order of the lists, each step in the
// order it would be sent.
func planOf(c *catalog, o *order.Order, plan rectification.ReminderPlan) *planView {
	pv := &planView{Rules: policyRules(c, plan.Policy), Warning: plan.Warning, Steps: len(plan.Steps)}
	for _, p := range o.Problems {
		for _, m := range p.Measures {
			pm := planMeasure{Label: c.T("order.measure_label", p.Seq, m.Seq, m.Content), Open: len(plan.Steps) <= planUnfolded}
			var steps []rectification.PlanStep
			for _, s := range plan.Steps {
				if s.MeasureID == m.ID {
					steps = append(steps, s)
				}
			}
			slices.SortStableFunc(steps, func(a, b rectification.PlanStep) int { return a.SendAt.Compare(b.SendAt) })
			for _, s := range steps {
				pm.Steps = append(pm.Steps, planStep{When: c.When(s.SendAt), Rung: c.Rung(s.Rung), Unit: s.Unit,
					To: strings.Join(s.Recipients, "、")})
			}
			pv.Measures = append(pv.Measures, pm)
		}
	}
	return pv
}

// issue is 下发: the order's items start at every unit in the background, and its page
// follows them.
func (h *handler) issue(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, err := pathID(r, "order_id", "整改通知不存在或无权查看")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.Rectification.IssueOrder(r.Context(), a, id); err != nil {
		if apperr.KindOf(err) != apperr.Invalid && apperr.KindOf(err) != apperr.Conflict {
			h.fail(w, r, err)
			return
		}
		v, verr := h.orderView(w, r, a)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		_, body := apperr.ToBody(err)
		v.Message = body.Error.Message
		h.render(w, r, apperr.Report(w, r, err), "order", v)
		return
	}
	http.Redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"?done=issuing", http.StatusSeeOther)
}

// newOrder is the new-order form: one problem with one measure to start from.
func (h *handler) newOrder(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	d := order.Draft{Problems: []order.Problem{{Measures: []order.Measure{blankMeasure(nil)}}}}
	h.draftForm(w, r, a, http.StatusOK, d, nil, false)
}

// postOrder answers the form's buttons: 保存草稿 stores the draft and opens it; 检查
// validates it; the others (添加问题, 添加措施, 删除, 按所选单位列出人员) change the form
// and show it again, keeping what was typed.
func (h *handler) postOrder(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "body", "表单无法读取，请重试"))
		return
	}
	d := readDraft(r.PostForm)
	switch op := r.PostForm.Get("op"); op {
	case "save":
		created, err := h.Rectification.CreateOrder(r.Context(), a, d)
		if err != nil {
			h.draftForm(w, r, a, apperr.Report(w, r, err), d, err, false)
			return
		}
		http.Redirect(w, r, "/orders/"+strconv.FormatInt(created.ID, 10)+"?done=saved", http.StatusSeeOther)
	case "check":
		_, err := h.Rectification.ValidateOrder(r.Context(), a, d)
		status := http.StatusOK
		if err != nil {
			status = apperr.Report(w, r, err)
		}
		h.draftForm(w, r, a, status, d, err, err == nil)
	default:
		edit(&d, op)
		h.draftForm(w, r, a, http.StatusOK, d, nil, false)
	}
}

// draftForm shows the form for d with the refusals of err beside their fields.
func (h *handler) draftForm(w http.ResponseWriter, r *http.Request, a auth.Actor, status int, d order.Draft, err error, valid bool) {
	if err != nil && apperr.KindOf(err) != apperr.Invalid {
		h.fail(w, r, err)
		return
	}
	ch, cerr := h.Rectification.DraftChoices(r.Context(), a)
	if cerr != nil {
		h.fail(w, r, cerr)
		return
	}
	v := orderFormView{Page: h.page(w, r, "order.new"), Valid: valid}
	b := orderForm(&v, d, ch, h.Rectification.Now().In(order.Shanghai).Format("2006-01-02"))
	if err != nil {
		b.place(&v, err)
	}
	h.render(w, r, status, "order_new", v)
}

// importPage is the import of a problem list from Excel or CSV.
func (h *handler) importPage(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	if !a.CanIssue() {
		h.fail(w, r, apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部可以交办整改通知"))
		return
	}
	h.render(w, r, http.StatusOK, "order_import", importView{Page: h.page(w, r, "import.title"), Sources: order.Sources})
}

// importSheet imports an uploaded problem list as a draft and opens it; a sheet that
// cannot be imported stores nothing and shows every place to fix, row by row.
func (h *handler) importSheet(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, problemlist.DefaultMaxBytes+1<<20)
	var v importView
	res, err := h.Rectification.ImportOrder(r.Context(), a, rectification.ImportInput{Read: func() (imports.List, error) {
		name, data, err := upload(r, "file")
		v.OrderTitle, v.Source, v.DocNumber = r.PostFormValue("title"), r.PostFormValue("source"), r.PostFormValue("doc_number")
		return imports.List{Filename: name, Title: v.OrderTitle, Source: v.Source, DocNumber: v.DocNumber, Data: data}, err
	}})
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			h.fail(w, r, err)
			return
		}
		v.Page, v.Sources = h.page(w, r, "import.title"), order.Sources
		v.Rows, v.FileErr, v.SourceErr, v.Message = sheetProblems(v.c, err)
		h.render(w, r, apperr.Report(w, r, err), "order_import", v)
		return
	}
	http.Redirect(w, r, "/orders/"+strconv.FormatInt(res.ID, 10)+"?done=imported", http.StatusSeeOther)
}

// upload reads the file a multipart form sends as field, and the form's other values.
func upload(r *http.Request, field string) (name string, data []byte, err error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if tooLarge(err) {
			return "", nil, apperr.Newf(apperr.Invalid, field, "文件超过%dMB上限", problemlist.DefaultMaxBytes>>20)
		}
		return "", nil, apperr.New(apperr.Invalid, field, "表单无法读取，请重试")
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return "", nil, apperr.New(apperr.Invalid, field, "请选择要导入的问题清单文件（.xlsx或.csv）")
	}
	defer f.Close()
	if data, err = io.ReadAll(f); err != nil {
		return "", nil, apperr.New(apperr.Invalid, field, "上传内容无法读取")
	}
	return hdr.Filename, data, nil
}
