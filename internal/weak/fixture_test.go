package weak_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
	"rectify/internal/weak"
)

// The fixture: county C (某某县) with townships T1 and T2, two villages under each and an
// agency A1; a neighbouring county C2 with one township, one village and an agency.
var fixtureTree = org.Tree{
	Units: []org.UnitRecord{
		{Code: "C", Name: "某某县", Kind: "county"},
		{Code: "T1", Name: "城关镇", Kind: "township", Parent: "C"},
		{Code: "T2", Name: "河西乡", Kind: "township", Parent: "C"},
		{Code: "V11", Name: "东村", Kind: "village", Parent: "T1"},
		{Code: "V12", Name: "西村", Kind: "village", Parent: "T1"},
		{Code: "V21", Name: "河村", Kind: "village", Parent: "T2"},
		{Code: "V22", Name: "北村", Kind: "community", Parent: "T2"},
		{Code: "A1", Name: "县农业农村局", Kind: "agency", Parent: "C"},
		{Code: "C2", Name: "邻县", Kind: "county"},
		{Code: "T3", Name: "东山镇", Kind: "township", Parent: "C2"},
		{Code: "V31", Name: "山村", Kind: "village", Parent: "T3"},
		{Code: "A2", Name: "邻县水利局", Kind: "agency", Parent: "C2"},
	},
	People: []org.PersonRecord{
		{Login: "zuzhi", Name: "组织部张三", Unit: "C", Roles: []role.Role{role.OrgStaff}},
		{Login: "xianzhang", Name: "李县长", Unit: "C", Roles: []role.Role{role.Leader}},
		{Login: "t1", Name: "王镇长", Unit: "T1", Roles: []role.Role{role.TownshipOfficial}},
		{Login: "t2", Name: "赵乡长", Unit: "T2", Roles: []role.Role{role.TownshipOfficial}},
		{Login: "shuji", Name: "刘书记", Unit: "A1", Roles: []role.Role{role.Leader}},
		{Login: "c2", Name: "邻县组织部", Unit: "C2", Roles: []role.Role{role.OrgStaff}},
		{Login: "c2lead", Name: "邻县领导", Unit: "C2", Roles: []role.Role{role.Leader}},
	},
}

type unitRef struct {
	ID   int64
	Path string
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	pool   *pgxpool.Pool
	s      *weak.Store
	units  map[string]unitRef
	people map[string]int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool, _ := testenv.Pool(t)
	ctx := context.Background()
	_, err := org.NewStore(pool).Load(ctx, fixtureTree)
	require.NoError(t, err)
	f := &fixture{t: t, ctx: ctx, pool: pool, s: weak.NewStore(pool), units: map[string]unitRef{}, people: map[string]int64{}}
	rows, err := pool.Query(ctx, `SELECT code, id, path FROM units`)
	require.NoError(t, err)
	for rows.Next() {
		var code string
		var u unitRef
		require.NoError(t, rows.Scan(&code, &u.ID, &u.Path))
		f.units[code] = u
	}
	require.NoError(t, rows.Err())
	rows, err = pool.Query(ctx, `SELECT login, id FROM people`)
	require.NoError(t, err)
	for rows.Next() {
		var login string
		var id int64
		require.NoError(t, rows.Scan(&login, &id))
		f.people[login] = id
	}
	require.NoError(t, rows.Err())
	return f
}

func (f *fixture) unit(code string) int64 {
	u, ok := f.units[code]
	require.True(f.t, ok, code)
	return u.ID
}

func (f *fixture) scope(code string) order.Scope {
	u, ok := f.units[code]
	require.True(f.t, ok, code)
	return order.Scope{UnitID: u.ID, Path: u.Path, Subtree: true}
}

// actor is a person of the fixture at their unit.
func (f *fixture) actor(login string) weak.Actor {
	var a weak.Actor
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `SELECT p.id, u.id, u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.login = $1`, login).
		Scan(&a.PersonID, &a.UnitID, &a.UnitPath))
	return a
}

func (f *fixture) campaign(code string, year int) weak.Campaign {
	c, err := f.s.CreateCampaign(f.ctx, f.unit(code), year, "", f.people["zuzhi"])
	require.NoError(f.t, err)
	return c
}

// reasonID is the id of a reason in force for the county by name.
func (f *fixture) reasonID(county, name string) int64 {
	rs, err := f.s.Reasons(f.ctx, f.unit(county))
	require.NoError(f.t, err)
	for _, r := range rs {
		if r.Name == name {
			return r.ID
		}
	}
	f.t.Fatalf("no reason %q", name)
	return 0
}

func (f *fixture) propose(campaignID int64, login, branch string) weak.Proposal {
	p, err := f.s.Propose(f.ctx, campaignID, f.actor(login), branch,
		[]weak.ProposedReason{{ReasonID: f.reasonID("C", "集体经济薄弱"), Note: "村集体年收入不足5万元"}})
	require.NoError(f.t, err)
	return p
}

var goodOnes = weak.FourOnes{CountyLeader: "xianzhang", TownshipLeader: "t1", FirstSecretary: "shuji", PairedUnit: "A1"}

func wfID(id int64) string { return "test-weak-case-" + strconv.FormatInt(id, 10) }

// determine proposes a branch of T1 or T2 and determines it with matching four ones.
func (f *fixture) determine(campaignID int64, branch string) weak.Case {
	township, leader := "t1", "t1"
	if branch[1] == '2' {
		township, leader = "t2", "t2"
	}
	p := f.propose(campaignID, township, branch)
	ones := goodOnes
	ones.TownshipLeader = leader
	c, err := f.s.Determine(f.ctx, p.ID, f.actor("zuzhi"), ones, "经县委组织部研究认定", wfID)
	require.NoError(f.t, err)
	return c
}

// seedCase writes a determined proposal and its case straight into the database.
func (f *fixture) seedCase(campaignID int64, branch, stage string, relapses, reports int, determinedAt string) int64 {
	var pid, cid int64
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO weak_proposals (campaign_id, branch_unit_id, proposed_by, reasons, repeat_flag, status)
		VALUES ($1, $2, $3, '[{"reason_id": 1, "name": "班子不健全或不团结", "note": ""}]', false, 'determined') RETURNING id`,
		campaignID, f.unit(branch), f.people["zuzhi"]).Scan(&pid))
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO weak_cases (campaign_id, proposal_id, branch_unit_id, workflow_id, stage,
			relapses, reports_received, determined_at)
		VALUES ($1, $2, $3, 'seeded', $4, $5, $6, $7::timestamptz) RETURNING id`,
		campaignID, pid, f.unit(branch), stage, relapses, reports, determinedAt).Scan(&cid))
	return cid
}

// seedCampaign writes a campaign straight into the database.
func (f *fixture) seedCampaign(county string, year int) int64 {
	var id int64
	require.NoError(f.t, f.pool.QueryRow(f.ctx, `INSERT INTO weak_campaigns (unit_id, year, title, created_by) VALUES ($1, $2, 'seeded', $3) RETURNING id`,
		f.unit(county), year, f.people["zuzhi"]).Scan(&id))
	return id
}

func requireKind(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.True(t, ok, "not an apperr: %v", err)
	require.Equal(t, kind, e.Kind, "%v", err)
	if field != "" {
		require.Equal(t, field, e.Field, "%v", err)
	}
}
