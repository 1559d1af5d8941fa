package rectification

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/limits"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// MaxLevels is how deep splits go: an item issued by the county (1), its township's
// sub-item for a village (2), and the village's for a branch or group (3).
const MaxLevels = 3

// MaxSubItems bounds one split: each sub-item is an item of the child order.
const MaxSubItems = 50

// AssignInput names who handles an item inside its unit (分办).
type AssignInput struct {
	ItemID  string `json:"-"`
	Handler string `json:"handler"` // login of a person of the item's unit
	Note    string `json:"note"`
	Key     string `json:"-"`
}

// Assign makes a person of the item's own unit its handler (具体责任人); reminders go to
// them from then on.
func (s *Service) Assign(ctx context.Context, a auth.Actor, in AssignInput) (itemmsg.ActionResult, error) {
	row, err := s.Items.Get(ctx, order.ScopeOf(a), in.ItemID, s.Now())
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	p, err := s.unitPerson(ctx, "handler", in.Handler, row.UnitID)
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	req := s.request(a, itemmsg.ActionRequest{ItemID: row.ID, Action: itemmsg.Assign, HandlerPerson: p.ID, Key: in.Key,
		Note: strings.TrimSpace(in.Note)})
	if err := item.Bounds(req, s.Now()); err != nil {
		return itemmsg.ActionResult{}, err
	}
	return s.send(ctx, row, req, nil)
}

// request is req on behalf of a.
func (s *Service) request(a auth.Actor, req itemmsg.ActionRequest) itemmsg.ActionRequest {
	req.Actor = itemmsg.Actor{PersonID: a.PersonID, Name: a.Name, UnitID: a.UnitID, Roles: a.Roles}
	return req
}

// unitPerson is the person with login at unitID, or an error naming field.
func (s *Service) unitPerson(ctx context.Context, field, login string, unitID int64) (org.Person, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return org.Person{}, apperr.New(apperr.Invalid, field, "请指定具体责任人（登录名）")
	}
	p, err := s.Org.PersonByLogin(ctx, login)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		return org.Person{}, apperr.Newf(apperr.Invalid, field, "没有登录名为“%s”的人员", login)
	}
	if err != nil {
		return org.Person{}, err
	}
	if p.UnitID != unitID {
		return org.Person{}, apperr.Newf(apperr.Invalid, field, "%s（%s）不是该单位人员", p.Name, login)
	}
	return p, nil
}

// SubItem is one sub-item of a split: the unit below that does it, what it does (prefilled
// from the parent when left empty), who handles it there and by when.
type SubItem struct {
	Unit      string `json:"unit"` // unit code
	Content   string `json:"content"`
	Criterion string `json:"criterion"`
	Handler   string `json:"handler"` // login of a person of that unit
	Due       string `json:"due"`     // YYYY-MM-DD, no later than the parent's deadline
}

// SplitInput splits an item into sub-items for the units below (转办、细化分解).
type SplitInput struct {
	ItemID   string    `json:"-"`
	SubItems []SubItem `json:"sub_items"`
	Note     string    `json:"note"`
	Key      string    `json:"-"`
}

// SplitResult is a split: the child order issued to the units below and its sub-items.
type SplitResult struct {
	ItemID   string        `json:"item_id"`
	State    itemmsg.State `json:"state"`
	OrderID  int64         `json:"order_id"`
	SubItems []string      `json:"sub_items"`
	Repeated bool          `json:"repeated,omitempty"`
}

// Split passes an item down: its unit issues a child order to units below it, one measure a
// sub-item, each an ordinary item with its own deadline, lights and reminders, whose
// close-out the unit reviews. The item's workflow learns of its sub-items first (it refuses
// a split it cannot take: the child order is then removed, nothing issued), then the child
// order is issued. The same key repeats nothing.
func (s *Service) Split(ctx context.Context, a auth.Actor, in SplitInput) (SplitResult, error) {
	row, err := s.Items.Get(ctx, order.ScopeOf(a), in.ItemID, s.Now())
	if err != nil {
		return SplitResult{}, err
	}
	req := s.request(a, itemmsg.ActionRequest{ItemID: row.ID, Action: itemmsg.Split, Note: strings.TrimSpace(in.Note)})
	if err := item.MayAct(req.Actor, itemmsg.Split, row.UnitID, row.IssuerUnitID); err != nil {
		return SplitResult{}, readRefusal(err)
	}
	if err := item.Bounds(req, s.Now()); err != nil {
		return SplitResult{}, err
	}
	level, err := s.Items.Level(ctx, row.ID)
	if err != nil {
		return SplitResult{}, err
	}
	if level >= MaxLevels {
		return SplitResult{}, apperr.Newf(apperr.Conflict, "item_id", "该事项已是第%d级分解事项，最多分解%d级", level, MaxLevels)
	}
	key := strings.TrimSpace(in.Key)
	if key == "" {
		key = uuid.NewString()
	}
	childID, repeated, err := s.Orders.SplitOrder(ctx, row.ID, key)
	if err != nil {
		return SplitResult{}, err
	}
	if !repeated {
		if childID, err = s.createSplit(ctx, a, row, in, key); err != nil {
			return SplitResult{}, err
		}
	}
	plan, err := s.Orders.LoadPlan(ctx, childID)
	if err != nil {
		return SplitResult{}, err
	}
	var kids []string
	for _, u := range plan.Targets {
		for _, sp := range plan.Specs(u) {
			kids = append(kids, sp.ID)
		}
	}
	req.Split = &itemmsg.SplitRequest{ChildOrderID: childID, Children: kids}
	req.Key = "split:" + key
	res, err := s.send(ctx, row, req, nil)
	if err != nil {
		if _, refused := apperr.As(err); refused && !repeated {
			// Refused (the item moved on meanwhile): nothing was issued, so nothing stays.
			if derr := s.Orders.DeleteDraftSplit(ctx, childID); derr != nil {
				return SplitResult{}, errors.Join(err, derr)
			}
		}
		return SplitResult{}, err
	}
	at, err := s.Orders.BeginIssue(ctx, childID, a.UnitID, a.PersonID)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Conflict && e.Field == "status" {
		err = nil // issued already by the first request
	}
	if err != nil {
		return SplitResult{}, err
	}
	if !at.IsZero() {
		if _, err := item.StartIssue(ctx, s.Temporal, s.TaskQueue, itemmsg.IssueOrderInput{Deployment: s.Deployment, OrderID: childID,
			IssuedBy: a.PersonID, IssuedAt: at}); err != nil {
			return SplitResult{}, err
		}
	}
	return SplitResult{ItemID: row.ID, State: res.State, OrderID: childID, SubItems: kids, Repeated: repeated || res.Duplicate}, nil
}

// readRefusal turns a workflow-shaped refusal (as item.MayAct returns) into an apperr error.
func readRefusal(err error) error {
	return actionError(err, itemmsg.ActionRequest{}, items.Row{})
}

// createSplit validates the sub-items against the parent and the organization tree and
// stores the child order as a draft.
func (s *Service) createSplit(ctx context.Context, a auth.Actor, row items.Row, in SplitInput, key string) (int64, error) {
	if len(in.SubItems) == 0 {
		return 0, apperr.New(apperr.Invalid, "sub_items", "转办至少要有一个下级事项")
	}
	if len(in.SubItems) > MaxSubItems {
		return 0, apperr.Newf(apperr.Invalid, "sub_items", "一次转办不能超过%d个下级事项", MaxSubItems)
	}
	parent, err := s.Orders.LoadPlan(ctx, row.OrderID)
	if err != nil {
		return 0, err
	}
	o, err := s.Orders.Get(ctx, order.ScopeOf(a), row.OrderID)
	if err != nil {
		return 0, err
	}
	parentDue := row.Due
	if row.DueAt != nil {
		parentDue = row.DueAt.In(calendar.Shanghai).Format("2006-01-02")
	}
	var errs []apperr.FieldError
	add := func(i int, f, format string, args ...any) {
		errs = append(errs, apperr.FieldError{Field: fmt.Sprintf("sub_items[%d].%s", i, f), Message: fmt.Sprintf(format, args...)})
	}
	d := order.Draft{Title: clip("转办："+o.Title, limits.MaxTitle), Source: o.Source, DocNumber: o.DocNumber, Policy: &parent.Policy}
	prob := order.Problem{Description: row.Problem, Category: problemCategory(o, row)}
	var units []string
	for i, sub := range in.SubItems {
		code := strings.TrimSpace(sub.Unit)
		u, err := s.Org.UnitByCode(ctx, code)
		switch e, _ := apperr.As(err); {
		case code == "":
			add(i, "unit", "请选择下级单位")
			continue
		case e != nil && e.Kind == apperr.NotFound:
			add(i, "unit", "单位“%s”不存在", code)
			continue
		case err != nil:
			return 0, err
		}
		below, err := s.Org.InSubtree(ctx, row.UnitID, u.ID)
		if err != nil {
			return 0, err
		}
		if !below || u.ID == row.UnitID {
			add(i, "unit", "%s不是%s的下级单位", u.Name, row.UnitName)
		}
		if _, err := s.unitPerson(ctx, "handler", sub.Handler, u.ID); err != nil {
			e, ok := apperr.As(err)
			if !ok {
				return 0, err
			}
			add(i, "handler", "%s", e.Message)
		}
		due, err := calendar.ParseDate(strings.TrimSpace(sub.Due))
		switch {
		case strings.TrimSpace(sub.Due) == "":
			add(i, "due", "请填写完成时限")
		case err != nil:
			add(i, "due", "完成时限“%s”不是日期，应写作2006-01-02", sub.Due)
		case parentDue != "" && due.Format("2006-01-02") > parentDue:
			add(i, "due", "完成时限%s不能晚于上级事项的完成时限%s", due.Format("2006-01-02"), parentDue)
		}
		content := cmp.Or(strings.TrimSpace(sub.Content), row.Measure)
		criterion := cmp.Or(strings.TrimSpace(sub.Criterion), row.Criterion)
		handler := order.PersonRef{Login: strings.TrimSpace(sub.Handler)}
		prob.Measures = append(prob.Measures, order.Measure{Content: content, Criterion: criterion,
			Responsibility: order.Responsibility{Primary: handler, Handler: handler},
			Deadline:       order.Deadline{Kind: order.ByDate, Due: strings.TrimSpace(sub.Due)}})
		units = append(units, code)
		if !slices.Contains(d.Targets, code) {
			d.Targets = append(d.Targets, code)
		}
	}
	if len(errs) > 0 {
		return 0, apperr.InvalidFields(errs)
	}
	d.Problems = []order.Problem{prob}
	id, err := s.Orders.CreateSplit(ctx, a.UnitID, a.PersonID, row.ID, key, d, units)
	if err != nil {
		// The order's own rules speak of the draft's fields: name the sub-item instead.
		return 0, renameDraftFields(err, units)
	}
	return id, nil
}

// problemCategory is the category of the item's problem in its order, for the child order.
func problemCategory(o *order.Order, row items.Row) string {
	for _, p := range o.Problems {
		if p.Description == row.Problem {
			return p.Category
		}
	}
	return ""
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

var (
	draftMeasure = regexp.MustCompile(`^problems\[0\]\.measures\[(\d+)\]\.(.*)$`)
	draftTarget  = regexp.MustCompile(`^targets\[(\d+)\]$`)
)

// renameDraftFields rewrites a child order's validation error so that each field names the
// sub-item it came from.
func renameDraftFields(err error, units []string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	rename := func(f string) string {
		if m := draftMeasure.FindStringSubmatch(f); m != nil {
			field := m[2]
			switch {
			case strings.HasPrefix(field, "deadline"):
				field = "due"
			case strings.HasPrefix(field, "responsibility"):
				field = "handler"
			}
			return "sub_items[" + m[1] + "]." + field
		}
		if m := draftTarget.FindStringSubmatch(f); m != nil {
			// targets are the distinct units in sub-item order: point at the first sub-item of it.
			n, _ := strconv.Atoi(m[1])
			seen := 0
			for i, u := range units {
				if !slices.Contains(units[:i], u) {
					if seen == n {
						return "sub_items[" + strconv.Itoa(i) + "].unit"
					}
					seen++
				}
			}
		}
		return f
	}
	out := *e
	out.Field = rename(e.Field)
	out.Fields = nil
	for _, fe := range e.Fields {
		out.Fields = append(out.Fields, apperr.FieldError{Field: rename(fe.Field), Message: fe.Message})
	}
	out.Err = err
	return &out
}

// Children lists the sub-items of an item that the actor sees.
func (s *Service) Children(ctx context.Context, a auth.Actor, id string) (ItemList, error) {
	if _, err := s.Items.Get(ctx, order.ScopeOf(a), id, s.Now()); err != nil {
		return ItemList{}, err
	}
	list, err := s.Items.Children(ctx, order.ScopeOf(a), id, s.Now())
	if err == nil {
		err = s.freshList(ctx, list)
	}
	return ItemList{Items: list}, err
}

// RecheckInput is a re-check of a closed item: a look-back round (回头看) or a sampled
// item's re-inspection (抽查复核). A relapse or a failed re-inspection reopens the item with
// Due as its new deadline.
type RecheckInput struct {
	ItemID      string  `json:"-"`
	Outcome     string  `json:"outcome"` // 回头看: holds | relapse; 抽查: pass | fail
	Note        string  `json:"note"`
	EvidenceIDs []int64 `json:"evidence_ids"`
	Due         string  `json:"due"`
	Key         string  `json:"-"`
}

// LookBack records a look-back round of a closed item: 巩固 (holds), or 反弹 (relapse), which
// reopens it to 整改中 with a new deadline, starting its unit's workflow again when it has
// ended.
func (s *Service) LookBack(ctx context.Context, a auth.Actor, in RecheckInput) (itemmsg.ActionResult, error) {
	act, ok := lookBackOutcomes[in.Outcome]
	if !ok {
		return itemmsg.ActionResult{}, apperr.New(apperr.Invalid, "outcome", "回头看结果应为holds（巩固）或relapse（反弹）")
	}
	return s.recheck(ctx, a, in, act)
}

// The outcomes of a re-check as callers name them.
var (
	lookBackOutcomes  = map[string]itemmsg.Action{"holds": itemmsg.LookBackHolds, "relapse": itemmsg.LookBackRelapse}
	reinspectOutcomes = map[string]itemmsg.Action{"pass": itemmsg.ReinspectPass, "fail": itemmsg.ReinspectFail}
)

// recheck sends a re-check to the item's workflow, started again from the read model when it
// has ended.
func (s *Service) recheck(ctx context.Context, a auth.Actor, in RecheckInput, act itemmsg.Action) (itemmsg.ActionResult, error) {
	row, err := s.Items.Get(ctx, order.ScopeOf(a), in.ItemID, s.Now())
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	req := s.request(a, itemmsg.ActionRequest{ItemID: row.ID, Action: act, Note: in.Note, EvidenceIDs: in.EvidenceIDs, Key: in.Key})
	if act.Reopens() {
		if strings.TrimSpace(in.Due) == "" {
			return itemmsg.ActionResult{}, apperr.New(apperr.Invalid, "due", "重新整改须定出新的完成时限")
		}
		req.ExtendTo = strings.TrimSpace(in.Due)
	}
	if err := item.Bounds(req, s.Now()); err != nil {
		return itemmsg.ActionResult{}, renameExtendTo(err)
	}
	if err := item.MayAct(req.Actor, act, row.UnitID, row.IssuerUnitID); err != nil {
		return itemmsg.ActionResult{}, readRefusal(err)
	}
	if err := s.checkEvidence(ctx, row.ID, in.EvidenceIDs); err != nil {
		return itemmsg.ActionResult{}, err
	}
	start, err := s.restartInput(ctx, row)
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	res, err := s.send(ctx, row, req, start)
	return res, renameExtendTo(err)
}

// renameExtendTo names the new deadline of a reopening as its callers send it.
func renameExtendTo(err error) error {
	if e, ok := apperr.As(err); ok && e.Field == "extend_to" {
		out := *e
		out.Field, out.Err = "due", err
		return &out
	}
	return err
}

// restartInput is the input that starts an item's unit workflow again from the read model.
func (s *Service) restartInput(ctx context.Context, row items.Row) (*itemmsg.UnitOrderInput, error) {
	plan, err := s.Orders.LoadPlan(ctx, row.OrderID)
	if err != nil {
		return nil, err
	}
	its, err := s.Items.Carried(ctx, row.WorkflowID)
	if err != nil {
		return nil, err
	}
	return &itemmsg.UnitOrderInput{Deployment: s.Deployment, Policy: &plan.Policy, OrderID: row.OrderID, UnitID: row.UnitID,
		IssuerUnitID: plan.IssuerUnitID, IssuedBy: plan.IssuedBy, IssuedAt: plan.IssuedAt, ParentWorkflowID: plan.ParentWorkflowID,
		Carried: &itemmsg.Carried{Items: its, Handled: map[string]itemmsg.ActionResult{}}}, nil
}

// LookBackList is what waits for the actor's re-check.
type LookBackList struct {
	Items []items.DueLookBack `json:"items"`
}

// LookBacksDue lists the closed items the actor's unit issued whose look-back round has come.
func (s *Service) LookBacksDue(ctx context.Context, a auth.Actor) (LookBackList, error) {
	if err := requireIssuer(a); err != nil {
		return LookBackList{}, err
	}
	list, err := s.Items.LookBacksDue(ctx, order.ScopeOf(a), s.Now())
	return LookBackList{Items: list}, err
}

// SampleInput draws a share of the actor's unit's closed items (of one order, or all) for
// re-inspection. No seed is taken from the caller.
type SampleInput struct {
	OrderID int64   `json:"order_id"`
	Share   float64 `json:"share"`
}

// DrawSample draws closed items for re-inspection (抽查复核).
func (s *Service) DrawSample(ctx context.Context, a auth.Actor, in SampleInput) (items.Sample, error) {
	if err := requireIssuer(a); err != nil {
		return items.Sample{}, err
	}
	return s.Items.DrawSample(ctx, a.UnitID, in.OrderID, in.Share, a.PersonID)
}

// SampleList is the actor's unit's draws.
type SampleList struct {
	Samples []items.Sample `json:"samples"`
}

// Samples lists the actor's unit's draws.
func (s *Service) Samples(ctx context.Context, a auth.Actor) (SampleList, error) {
	if err := requireIssuer(a); err != nil {
		return SampleList{}, err
	}
	list, err := s.Items.Samples(ctx, a.UnitID)
	return SampleList{Samples: list}, err
}

// Sample is one of the actor's unit's draws with its items.
func (s *Service) Sample(ctx context.Context, a auth.Actor, id int64) (items.Sample, error) {
	if err := requireIssuer(a); err != nil {
		return items.Sample{}, err
	}
	return s.Items.Sample(ctx, id, a.UnitID)
}

// Reinspect records the re-inspection of a sampled item: pass, or fail, which reopens it.
func (s *Service) Reinspect(ctx context.Context, a auth.Actor, sampleID int64, in RecheckInput) (itemmsg.ActionResult, error) {
	act, ok := reinspectOutcomes[in.Outcome]
	if !ok {
		return itemmsg.ActionResult{}, apperr.New(apperr.Invalid, "outcome", "抽查结果应为pass（合格）或fail（不合格）")
	}
	sm, err := s.Sample(ctx, a, sampleID)
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	if !slices.Contains(sm.ItemIDs, in.ItemID) {
		return itemmsg.ActionResult{}, apperr.New(apperr.NotFound, "item_id", "该事项不在这次抽查中")
	}
	return s.recheck(ctx, a, in, act)
}
