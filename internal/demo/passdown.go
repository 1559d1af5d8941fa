package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// PassDownTitle is the title of the demo's order that is passed down and looked back on.
const PassDownTitle = "关于推行党员积分管理的通知"

// LoadPassDown adds the demo's pass-down story, doing only the steps not done yet: an order
// to 城关镇 and 河西乡; 城关镇 (李军) splits its item for three village branches (转办), of
// which 东关村党支部 has closed its sub-item; 河西乡's item is closed out, and a look-back
// (回头看) found a relapse and reopened it. Every step goes through the service as people
// would; it needs the worker running. It reports whether it did anything.
func LoadPassDown(ctx context.Context, svc *rectification.Service, people *auth.Service) (_ bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("demo.LoadPassDown: %w", err)
		}
	}()
	who := map[string]auth.Actor{}
	for _, login := range []string{"zhangwei", "lijun", "sunli", "sjqh0101"} {
		p, err := svc.Org.PersonByLogin(ctx, login)
		if err != nil {
			return false, err
		}
		if who[login], err = people.ActorByPersonID(ctx, p.ID); err != nil {
			return false, err
		}
	}
	did, err := issueOnce(ctx, svc, who["zhangwei"], PassDownOrder(time.Now()))
	if err != nil {
		return false, err
	}
	id, _, _, err := svc.Orders.ByTitle(ctx, who["zhangwei"].UnitID, PassDownTitle)
	if err != nil {
		return false, err
	}
	at := func(code string) (items.Row, error) { return waitItem(ctx, svc, who["zhangwei"], id, code) }
	s := &story{ctx: ctx, svc: svc}

	// 城关镇 signs for its item and passes it down to three branches.
	town, err := at("QH01")
	if err != nil {
		return false, err
	}
	s.step(town, who["lijun"], itemmsg.Acknowledge, itemmsg.Issued)
	if s.err == nil && town.ChildrenTotal == 0 {
		day := func(n int) string { return time.Now().In(order.Shanghai).AddDate(0, 0, n).Format("2006-01-02") }
		_, s.err = svc.Split(ctx, who["lijun"], rectification.SplitInput{ItemID: town.ID, Key: "demo-split", Note: "分解到各村党支部",
			SubItems: []rectification.SubItem{
				{Unit: "QH0101D", Handler: "sjqh0101", Due: day(20), Content: "东关村党支部建立党员积分台账，每月公示积分"},
				{Unit: "QH0102D", Handler: "sjqh0102", Due: day(25)},
				{Unit: "QH0103D", Handler: "sjqh0103", Due: day(30)},
			}})
		did = true
	}
	if s.err != nil {
		return false, s.err
	}
	// 东关村党支部 closes its sub-item, reviewed by 城关镇.
	var branch items.Row
	for deadline := time.Now().Add(time.Minute); ; {
		kids, err := svc.Items.Children(ctx, order.ScopeOf(who["lijun"]), town.ID, time.Now())
		if err != nil {
			return false, err
		}
		for _, k := range kids {
			if k.UnitCode == "QH0101D" {
				branch = k
			}
		}
		if branch.ID != "" || time.Now().After(deadline) {
			break
		}
		if err := sleep(ctx); err != nil {
			return false, err
		}
	}
	if branch.ID == "" {
		return false, fmt.Errorf("the sub-item of 东关村党支部 did not appear within a minute")
	}
	s.closeOut(branch, who["sjqh0101"], who["lijun"], "积分台账.jpg", "已建立积分台账并在公示栏公示")

	// 河西乡 closes out; the county's look-back finds the ledger abandoned and reopens it.
	west, err := at("QH02")
	if err != nil {
		return false, err
	}
	west = s.closeOut(west, who["sunli"], who["zhangwei"], "河西乡积分汇总.pdf", "各村均已推行积分管理")
	if s.err == nil && west.State == string(itemmsg.Closed) && west.ReopenCount == 0 {
		_, s.err = svc.LookBack(ctx, who["zhangwei"], rectification.RecheckInput{ItemID: west.ID, Outcome: "relapse",
			Note: "回头看发现：杨庄村、李家村积分台账三个月未更新", Due: time.Now().In(order.Shanghai).AddDate(0, 0, 20).Format("2006-01-02"),
			Key: "demo-look-back"})
		did = true
	}
	return did || s.did, s.err
}

// story carries the demo's steps: the first error stops the rest.
type story struct {
	ctx context.Context
	svc *rectification.Service
	err error
	did bool
}

// step performs act on row as a when the item is still in state from.
func (s *story) step(row items.Row, a auth.Actor, act itemmsg.Action, from itemmsg.State, body ...rectification.ActionBody) {
	if s.err != nil || row.State != string(from) {
		return
	}
	in := rectification.ActInput{ItemID: row.ID, Action: act, Key: "demo-" + string(act) + "-" + row.ID}
	if len(body) > 0 {
		in.ActionBody = body[0]
	}
	_, s.err = s.svc.Act(s.ctx, a, in)
	s.did = true
}

// closeOut takes an item from wherever it is to 已销号: the unit signs for it, uploads its
// evidence and requests close-out, the issuer closes it. It returns the item as it is then.
func (s *story) closeOut(row items.Row, unit, issuer auth.Actor, file, note string) items.Row {
	s.step(row, unit, itemmsg.Acknowledge, itemmsg.Issued)
	if s.err == nil && (row.State == string(itemmsg.Issued) || row.State == string(itemmsg.Acknowledged)) {
		var f rectification.EvidenceInput
		f.ItemID = row.ID
		f.File = func() (rectification.Upload, error) {
			return rectification.Upload{Name: file, ContentType: "text/plain; charset=utf-8", Body: strings.NewReader("演示佐证材料：" + note)}, nil
		}
		ev, err := s.svc.UploadEvidence(s.ctx, unit, f)
		if err != nil {
			s.err = err
			return row
		}
		s.step(items.Row{ID: row.ID, State: string(itemmsg.Acknowledged)}, unit, itemmsg.RequestClose, itemmsg.Acknowledged,
			rectification.ActionBody{Note: note, EvidenceIDs: []int64{ev.ID}})
		row.State = string(itemmsg.CloseRequested)
	}
	s.step(row, issuer, itemmsg.Close, itemmsg.CloseRequested)
	if s.err != nil {
		return row
	}
	got, err := s.svc.Items.Get(s.ctx, order.ScopeOf(issuer), row.ID, time.Now())
	if err != nil {
		s.err = err
	}
	return got
}

// waitItem waits (up to a minute) until the order's item at the unit with code exists.
func waitItem(ctx context.Context, svc *rectification.Service, a auth.Actor, orderID int64, code string) (items.Row, error) {
	for deadline := time.Now().Add(time.Minute); ; {
		list, err := svc.Items.List(ctx, order.ScopeOf(a), items.Filter{OrderID: orderID, UnitCode: code}, time.Now())
		if err != nil {
			return items.Row{}, err
		}
		if len(list) > 0 {
			return list[0], nil
		}
		if time.Now().After(deadline) {
			return items.Row{}, fmt.Errorf("the item of order %d at %s did not appear within a minute", orderID, code)
		}
		if err := sleep(ctx); err != nil {
			return items.Row{}, err
		}
	}
}

func sleep(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}

// PassDownOrder is the demo's order that 城关镇 passes down to its village branches.
func PassDownOrder(now time.Time) order.Draft {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"},
		Handler: order.PersonRef{Position: "组织委员"}}
	return order.Draft{
		Title: PassDownTitle, Source: "调研", DocNumber: "清组通〔2026〕15号", Targets: []string{"QH01", "QH02"},
		Problems: []order.Problem{{Description: "党员日常管理缺少抓手，部分党员长期不参加组织生活", Category: "党员管理", Severity: "一般",
			Measures: []order.Measure{{Content: "各村党支部推行党员积分管理，建立积分台账并每月公示",
				Criterion: "所辖村党支部全部建立积分台账，每月公示一次", EvidenceExpected: "积分台账、公示照片", Responsibility: resp,
				Deadline: order.Deadline{Kind: order.ByDate, Due: now.In(order.Shanghai).AddDate(0, 0, 40).Format("2006-01-02")}}}}},
	}
}
