package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"rectify/internal/calendar"
	"rectify/internal/org"
	"rectify/internal/reachable"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
	"rectify/workflows/weakcase"
	"rectify/workflows/weakcase/weakcasemsg"
)

// LoadCampaign puts a 2026 weak-branch campaign into the demo county unless it exists:
// 东关村 in rectification with a monthly report, 柳树村 accepted and in consolidation, and
// 东山村 proposed and declined.
func LoadCampaign(ctx context.Context, pool *pgxpool.Pool, tc client.Client, taskQueue, deployment string) (_ bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("demo.LoadCampaign: %w", err)
		}
	}()
	if exists, err := weak.NewStore(pool).AnyCampaign(ctx); err != nil || exists {
		return false, err
	}
	people := org.NewStore(pool)
	who := func(login string) (weak.Actor, error) {
		p, err := people.PersonByLogin(ctx, login)
		if err != nil {
			return weak.Actor{}, err
		}
		u, err := people.UnitByID(ctx, p.UnitID)
		return weak.Actor{PersonID: p.ID, UnitID: p.UnitID, UnitPath: u.Path}, err
	}
	zw, err := who("zhangwei")
	if err != nil {
		return false, err
	}
	st := weak.NewStore(pool)
	wb := &weakbranch.Service{Weak: st, Workflows: reachable.Workflows{Temporal: tc, TaskQueue: taskQueue, Deployment: deployment}}
	c, err := st.CreateCampaign(ctx, zw.UnitID, 2026, "", zw.PersonID)
	if err != nil {
		return false, err
	}
	reasons, err := st.Reasons(ctx, zw.UnitID)
	if err != nil {
		return false, err
	}
	type branch struct {
		code, proposer, township, secretary, paired string
		reasons                                     []int
	}
	branches := []branch{
		{"QH0101D", "lijun", "wangfang", "zhouqiang", "QHA1", []int{0, 2}},
		{"QH0201D", "sunli", "zhaolei", "wuhua", "QHA2", []int{4}},
		{"QH0301D", "wugang", "", "", "", []int{5}},
	}
	var cases []int64
	for _, b := range branches {
		by, err := who(b.proposer)
		if err != nil {
			return false, err
		}
		var rs []weak.ProposedReason
		for _, i := range b.reasons {
			rs = append(rs, weak.ProposedReason{ReasonID: reasons[i].ID, Note: "排查中发现：" + reasons[i].Name})
		}
		p, err := st.Propose(ctx, c.ID, by, b.code, rs)
		if err != nil {
			return false, err
		}
		if b.township == "" {
			if err := st.Decline(ctx, p.ID, zw, "经县委组织部核查，问题已于排查期间整改到位，不予认定"); err != nil {
				return false, err
			}
			continue
		}
		k, err := st.Determine(ctx, p.ID, zw, weak.FourOnes{CountyLeader: "liuyang", TownshipLeader: b.township, FirstSecretary: b.secretary, PairedUnit: b.paired},
			"", func(id int64) string { return weakcasemsg.WorkflowID(deployment, id) })
		if err != nil {
			return false, err
		}
		if err := wb.StartCase(ctx, k.ID); err != nil {
			return false, err
		}
		cases = append(cases, k.ID)
	}
	// 东关村 has reported this month; 柳树村 has been pre-checked and accepted.
	actor := func(login string) weakcasemsg.Actor {
		a, _ := who(login)
		p, _ := people.PersonByLogin(ctx, login)
		return weakcasemsg.Actor{PersonID: a.PersonID, UnitID: a.UnitID, Roles: p.Roles}
	}
	month := time.Now().In(calendar.Shanghai).Format("2006-01")
	steps := []struct {
		caseID int64
		a      weakcasemsg.Action
	}{
		{cases[0], weakcasemsg.Action{Kind: weakcasemsg.Report, Actor: actor("zhouqiang"), Month: month, Note: "召开支委会2次、党员大会1次，班子分工已调整"}},
		{cases[1], weakcasemsg.Action{Kind: weakcasemsg.Report, Actor: actor("wuhua"), Month: month, Note: "村集体合作社已注册，首批订单落地"}},
		{cases[1], weakcasemsg.Action{Kind: weakcasemsg.Precheck, Actor: actor("zhaolei"), Pass: true, Note: "初验通过"}},
		{cases[1], weakcasemsg.Action{Kind: weakcasemsg.Accept, Actor: actor("zhangwei"), Polled: 30, Dissatisfied: 2,
			Scores: []weakcasemsg.ScoreLine{{Item: "班子建设", Score: 28}, {Item: "组织生活", Score: 18}, {Item: "发展治理", Score: 22}, {Item: "群众满意", Score: 14}}}},
	}
	for i, s := range steps {
		if _, err := weakcase.Act(ctx, tc, deployment, s.caseID, fmt.Sprintf("demo-%d-%d", s.caseID, i), s.a); err != nil {
			return false, err
		}
	}
	return true, nil
}
