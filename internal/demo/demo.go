// Package demo loads a small demo county (清河县): three townships, twelve villages with
// their branches, people in every role, and one issued order.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed county.json
var countyJSON []byte

// Password is every demo person's password.
const Password = "rectify-demo"

// Sign-ins printed by `rectify dev`.
var SignIns = []struct{ Login, Who string }{
	{"zhangwei", "张伟，清河县委组织部组织科科长（交办、审核销号）"},
	{"liuyang", "刘洋，县委组织部常务副部长（领导，只读）"},
	{"lijun", "李军，城关镇组织委员（签收、反馈、申请销号）"},
	{"wangfang", "王芳，城关镇党委书记"},
	{"sjqh0101", "东关村党支部书记"},
}

// Load puts the demo county in place and issues its order, doing only what an earlier,
// possibly interrupted, run has not done. It reports whether it did anything.
func Load(ctx context.Context, pool *pgxpool.Pool, tc client.Client, taskQueue, deployment string) (_ bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("demo.Load: %w", err)
		}
	}()
	store := org.NewStore(pool)
	did := false
	if _, err := store.UnitByCode(ctx, "QH"); apperr.KindOf(err) == apperr.NotFound {
		tree, err := org.ParseJSON(bytes.NewReader(countyJSON))
		if err != nil {
			return false, err
		}
		for i := range tree.People {
			tree.People[i].Password = Password
		}
		if _, err := store.Load(ctx, tree); err != nil {
			return false, err
		}
		did = true
	} else if err != nil {
		return false, err
	}
	issuer, err := store.PersonByLogin(ctx, "zhangwei")
	if err != nil {
		return false, err
	}
	people := auth.NewService(pool, auth.Options{})
	defer people.Close()
	a, err := people.ActorByPersonID(ctx, issuer.ID)
	if err != nil {
		return false, err
	}
	svc := func(orders *order.Store) *rectification.Service {
		return &rectification.Service{Orders: orders, Workflows: reachable.Workflows{Temporal: tc, TaskQueue: taskQueue, Deployment: deployment}}
	}
	did2, err := issueOnce(ctx, svc(order.NewStore(pool, nil)), a, Order(time.Now()))
	if err != nil {
		return false, err
	}
	// A second order entered as if issued 30 days ago, so that the demo shows yellow and red
	// lights and sends its reminders and escalations as soon as it starts.
	past := time.Now().AddDate(0, 0, -30)
	did3, err := issueOnce(ctx, svc(order.NewStore(pool, func() time.Time { return past })), a, LateOrder(past))
	if err != nil {
		return false, err
	}
	return did || did2 || did3, nil
}

// issueOnce creates an order unless one with its title exists, and issues it unless issued,
// as the issuer a would through the API.
func issueOnce(ctx context.Context, svc *rectification.Service, a auth.Actor, draft order.Draft) (bool, error) {
	did := false
	id, status, found, err := svc.Orders.ByTitle(ctx, a.UnitID, draft.Title)
	if err == nil && !found {
		c, err := svc.CreateOrder(ctx, a, draft)
		if err != nil {
			return false, err
		}
		id, status, did = c.ID, c.Status, true
	} else if err != nil {
		return false, err
	}
	if status == "issued" {
		return did, nil
	}
	if _, err := svc.IssueOrder(ctx, a, id); err != nil {
		return false, err
	}
	return true, nil
}

// LateOrder is the demo's order entered after the fact: issued at `issued`, with one
// measure already overdue, one due within days and one counted in working days.
func LateOrder(issued time.Time) order.Draft {
	day := func(n int) string { return issued.In(order.Shanghai).AddDate(0, 0, n).Format("2006-01-02") }
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"},
		Handler: order.PersonRef{Position: "组织委员"}}
	return order.Draft{
		Title: "关于村级党组织阵地建设专项督查发现问题整改的通知",
		// The demo sends round the clock so its reminders can be watched at once; real
		// orders follow the department's working hours (08:30–17:30 by default).
		Policy:    demoPolicy(),
		Source:    "督查",
		DocNumber: "清组通〔2026〕9号",
		Targets:   []string{"QH01", "QH02"},
		Problems: []order.Problem{{Description: "部分村党群服务中心挂牌不规范、功能室挪作他用", Category: "阵地建设", Severity: "一般",
			Measures: []order.Measure{
				{Content: "清理挪用的功能室，恢复党员活动室", Criterion: "功能室全部恢复使用，现场核查通过", EvidenceExpected: "整改前后照片",
					Responsibility: resp, Deadline: order.Deadline{Kind: order.ByDate, Due: day(14)}},
				{Content: "统一规范党群服务中心标识标牌", Criterion: "标牌符合全县统一样式", EvidenceExpected: "标牌照片",
					Responsibility: resp, Deadline: order.Deadline{Kind: order.ByDate, Due: day(32)}},
				{Content: "建立阵地使用管理制度", Criterion: "制度印发并上墙", EvidenceExpected: "制度文件",
					Responsibility: resp, Deadline: order.Deadline{Kind: order.ByDate, WorkingDays: 40, From: "issue"}},
			}}},
	}
}

// Order is the demo order: an inspection tour's findings sent to the three townships,
// with deadlines counted from now.
func Order(now time.Time) order.Draft {
	day := func(n int) string { return now.In(order.Shanghai).AddDate(0, 0, n).Format("2006-01-02") }
	secretary := order.PersonRef{Position: "书记"}
	organizer := order.PersonRef{Position: "组织委员"}
	resp := order.Responsibility{Primary: secretary, Direct: organizer, Handler: organizer}
	return order.Draft{
		Title:     "关于县委第二巡察组反馈基层党建问题整改的通知",
		Source:    "巡察",
		DocNumber: "清组通〔2026〕12号",
		Targets:   []string{"QH01", "QH02", "QH03"},
		Problems: []order.Problem{
			{Description: "部分村党组织“三会一课”制度落实不到位，会议记录不全", Category: "组织生活", Severity: "较重",
				Measures: []order.Measure{{
					Content:          "逐村检查本年度“三会一课”记录，补齐缺漏，建立月度台账",
					Criterion:        "所辖村全部建立月度台账，抽查会议记录完整率100%",
					EvidenceExpected: "台账照片、会议记录扫描件",
					Responsibility:   resp,
					Deadline:         order.Deadline{Kind: order.ByDate, Due: day(30)},
				}}},
			{Description: "发展党员程序不规范，个别村未按规定公示", Category: "党员发展", Severity: "一般",
				Measures: []order.Measure{
					{Content: "对近三年发展的党员逐一倒查程序，补办公示", Criterion: "倒查清单覆盖全部新党员，缺漏公示全部补办",
						EvidenceExpected: "倒查清单、公示照片", Responsibility: resp,
						Deadline: order.Deadline{Kind: order.Immediate, Due: day(7)}},
					{Content: "每季度开展一次发展党员工作业务培训", Criterion: "每季度培训不少于1次，村党组织书记全员参训",
						EvidenceExpected: "培训通知、签到表", Responsibility: resp,
						Deadline: order.Deadline{Kind: order.Ongoing, Checkpoints: []string{day(60), day(150)}}},
				}},
		},
	}
}

func demoPolicy() *itemmsg.Policy {
	p := itemmsg.DefaultPolicy()
	p.SendStart, p.SendEnd = "00:00", "23:59"
	return &p
}
