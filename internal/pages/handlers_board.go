package pages

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// boardLimit bounds the items read per light and under 挂牌督办: the board is for what
// needs attention now, the lists and ledger hold the rest.
const boardLimit = 200

// board is 督办看板: red and yellow items by unit, the items under 挂牌督办, and the
// messages about items the person sees that could not be delivered.
func (h *handler) board(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.boardView(w, r, a)
	h.show(w, r, "board", v, err)
}

func (h *handler) boardView(w http.ResponseWriter, r *http.Request, a auth.Actor) (boardView, error) {
	ctx := r.Context()
	// The service refuses anyone who does not issue orders.
	failed, err := h.Rectification.FailedDeliveries(ctx, a)
	if err != nil {
		return boardView{}, err
	}
	v := boardView{Page: h.page(w, r, "board.title")}
	for _, f := range failed {
		v.Failed = append(v.Failed, failedDelivery{Item: f.Item, Channel: v.c.T("board.channel." + string(f.Delivery.Channel)),
			At: v.c.When(f.Delivery.At), Reason: f.Delivery.Reason})
	}
	byUnit := map[string]*boardUnit{}
	for _, l := range []light.Light{light.Red, light.Yellow} {
		list, err := h.Rectification.ListItems(ctx, a, items.Filter{Light: l, Open: true, Limit: boardLimit})
		if err != nil {
			return boardView{}, err
		}
		for _, row := range list.Items {
			u := byUnit[row.UnitCode]
			if u == nil {
				u = &boardUnit{Code: row.UnitCode, Name: row.UnitName}
				byUnit[row.UnitCode] = u
			}
			if l == light.Red {
				u.Red = append(u.Red, row)
			} else {
				u.Yellow = append(u.Yellow, row)
			}
		}
	}
	for _, u := range byUnit {
		v.Units = append(v.Units, *u)
	}
	// Most red first, then most yellow, then by name, so the worst unit leads.
	slices.SortFunc(v.Units, func(x, y boardUnit) int {
		return cmp.Or(cmp.Compare(len(y.Red), len(x.Red)), cmp.Compare(len(y.Yellow), len(x.Yellow)), strings.Compare(x.Name, y.Name))
	})
	listed, err := h.Rectification.ListItems(ctx, a, items.Filter{Listed: true, Open: true, Limit: boardLimit})
	if err != nil {
		return boardView{}, err
	}
	v.Listed = listed.Items
	return v, nil
}

// bulletins is 通报: the bulletins the person sees, each with its spreadsheet, and 立即通报.
func (h *handler) bulletins(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	list, err := h.Rectification.ListBulletins(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := bulletinsView{Page: h.page(w, r, "bulletins.title"), CanPublish: a.CanIssue()}
	if r.URL.Query().Get("done") == "publishing" {
		v.Flash = v.c.T("bulletins.publishing")
	}
	for _, b := range list.Bulletins {
		v.Bulletins = append(v.Bulletins, bulletinRow{Summary: b, Period: bulletinPeriod(b),
			Rate: strconv.FormatFloat(b.CloseRate*100, 'f', 1, 64) + "%", FirstTimeRate: strconv.Itoa(bulletin.Percent(b.FirstTimeRate)) + "%"})
	}
	h.render(w, r, http.StatusOK, "bulletins", v)
}

// bulletinPeriod is the days a bulletin counts, as dates in Beijing time.
func bulletinPeriod(b bulletin.Summary) string {
	const d = "2006-01-02"
	return b.PeriodStart.In(order.Shanghai).Format(d) + " — " + b.PeriodEnd.In(order.Shanghai).Format(d)
}

// publishBulletin starts a bulletin now; it is listed once computed.
func (h *handler) publishBulletin(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	if _, err := h.Rectification.PublishBulletin(r.Context(), a); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/bulletins?done=publishing", http.StatusSeeOther)
}

// bulletinSheet sends a bulletin's spreadsheet as it was sent by mail.
func (h *handler) bulletinSheet(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, err := pathID(r, "bulletin_id", "通报不存在或无权查看")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.Rectification.BulletinSheet(r.Context(), a, id)
	h.download(w, r, d, err)
}

// settings is 设置: the department's reminder policy, and which years the holiday table holds.
func (h *handler) settings(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	p, err := h.Rectification.Policy(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.settingsView(w, r, a, policyForm(p), nil)
	if err == nil && r.URL.Query().Get("done") == "saved" {
		v.Flash = v.c.T("settings.saved")
	}
	h.show(w, r, "settings", v, err)
}

func (h *handler) settingsView(w http.ResponseWriter, r *http.Request, a auth.Actor, values map[string]string, errs map[string][]string) (settingsView, error) {
	cal, err := h.Rectification.Calendar(r.Context(), a, rectification.CalendarInput{})
	if err != nil {
		return settingsView{}, err
	}
	v := settingsView{Page: h.page(w, r, "settings.title"), CanEdit: a.CanIssue(), Calendar: cal}
	for _, y := range cal.Uploaded {
		v.Versions = append(v.Versions, yearLine{Year: y.Year, Version: y.Version, Days: y.Days,
			By: cmpOr(y.UploadedByName, v.c.T("settings.system")), At: v.c.When(y.UploadedAt)})
	}
	for _, name := range policyFields {
		v.Fields = append(v.Fields, formField{Name: name, ID: "p-" + strings.ReplaceAll(name, "_", "-"), Label: v.c.T("settings.f." + name),
			Kind: "text", Value: values[name], Hint: v.c.T("settings.h." + name), Required: true, Errs: errs[name]})
	}
	return v, nil
}

// policyFields are the policy's inputs, named as its JSON fields.
var policyFields = []string{"yellow_days", "remind_before", "ack_within", "urge_after", "escalate_unit_after",
	"escalate_issuer_after", "list_after", "due_time", "send_start", "send_end"}

// policyForm is a policy as the form shows it.
func policyForm(p itemmsg.Policy) map[string]string {
	var before []string
	for _, d := range p.RemindBefore {
		before = append(before, strconv.Itoa(d))
	}
	return map[string]string{"yellow_days": strconv.Itoa(p.YellowDays), "remind_before": strings.Join(before, ","),
		"ack_within": strconv.Itoa(p.AckWithin), "urge_after": strconv.Itoa(p.UrgeAfter),
		"escalate_unit_after": strconv.Itoa(p.EscalateUnitAfter), "escalate_issuer_after": strconv.Itoa(p.EscalateIssuerAfter),
		"list_after": strconv.Itoa(p.ListAfter), "due_time": p.DueTime, "send_start": p.SendStart, "send_end": p.SendEnd}
}

// postPolicy stores the policy typed; a value that is not a number is refused here, every
// other refusal is the service's, each beside its field with everything typed kept.
func (h *handler) postPolicy(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "form", "表单无法读取"))
		return
	}
	values := map[string]string{}
	for _, name := range policyFields {
		values[name] = strings.TrimSpace(r.PostForm.Get(name))
	}
	errs := map[string][]string{}
	num := func(name string) int {
		n, err := strconv.Atoi(values[name])
		if err != nil {
			errs[name] = append(errs[name], "应填写整数（工作日数）")
		}
		return n
	}
	p := itemmsg.Policy{YellowDays: num("yellow_days"), AckWithin: num("ack_within"), UrgeAfter: num("urge_after"),
		EscalateUnitAfter: num("escalate_unit_after"), EscalateIssuerAfter: num("escalate_issuer_after"), ListAfter: num("list_after")}
	p.DueTime, p.SendStart, p.SendEnd = values["due_time"], values["send_start"], values["send_end"]
	for _, s := range strings.FieldsFunc(values["remind_before"], func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		d, err := strconv.Atoi(s)
		if err != nil {
			errs["remind_before"] = []string{"应填写以逗号分隔的工作日数，如3,1"}
			break
		}
		p.RemindBefore = append(p.RemindBefore, d)
	}
	message := ""
	if len(errs) == 0 {
		_, err := h.Rectification.SetPolicy(r.Context(), a, p)
		if err == nil {
			http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)
			return
		}
		if k := apperr.KindOf(err); k != apperr.Invalid {
			h.fail(w, r, err)
			return
		}
		errs, message = policyErrors(err)
	}
	v, err := h.settingsView(w, r, a, values, errs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Message = message
	h.render(w, r, http.StatusBadRequest, "settings", v)
}

// policyErrors spreads the service's refusals of a policy over the form's fields
// (policy.remind_before[1] is the remind_before input).
func policyErrors(err error) (map[string][]string, string) {
	_, body := apperr.ToBody(err)
	list := body.Error.Fields
	if len(list) == 0 && body.Error.Field != "" {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	errs := map[string][]string{}
	for _, f := range list {
		name, _, _ := strings.Cut(strings.TrimPrefix(f.Field, "policy."), "[")
		if !slices.Contains(policyFields, name) {
			return nil, body.Error.Message
		}
		if !slices.Contains(errs[name], f.Message) {
			errs[name] = append(errs[name], f.Message)
		}
	}
	if len(errs) == 0 {
		return nil, body.Error.Message
	}
	return errs, ""
}

// boardView is 督办看板.
type boardView struct {
	Page
	Units  []boardUnit
	Listed []items.Row
	Failed []failedDelivery
}

// boardUnit is one unit's red and yellow items.
type boardUnit struct {
	Code, Name  string
	Red, Yellow []items.Row
}

type failedDelivery struct {
	Item                items.Row
	Channel, At, Reason string
}

type bulletinsView struct {
	Page
	CanPublish bool
	Bulletins  []bulletinRow
}

type bulletinRow struct {
	bulletin.Summary
	Period, Rate, FirstTimeRate string
}

type settingsView struct {
	Page
	CanEdit  bool
	Fields   []formField
	Message  string
	Calendar rectification.CalendarView
	Versions []yearLine
}

type yearLine struct {
	Year, Version, Days int
	By, At              string
}
