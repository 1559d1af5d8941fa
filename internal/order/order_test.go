package order_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/limits"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
	"rectify/workflows/item/itemmsg"
)

// now is the fixed clock of every test: 2026-11-24 10:00 in Shanghai.
var now = time.Date(2026, 11, 24, 10, 0, 0, 0, order.Shanghai)

func clock() time.Time { return now }

// fixtureTree is a county C (org_staff 组织部干部) with townships T1 and T2, each with a 书记
// and a 组织委员 (T1 also has a 宣传委员, a post vacant at T2), a village V11 under T1, and a
// separate county X with a township XT1.
func fixtureTree() org.Tree {
	return org.Tree{
		Units: []org.UnitRecord{
			{Code: "C", Name: "某某县", Kind: org.KindCounty},
			{Code: "T1", Name: "城关镇", Kind: org.KindTownship, Parent: "C"},
			{Code: "T2", Name: "河西乡", Kind: org.KindTownship, Parent: "C"},
			{Code: "V11", Name: "东村", Kind: org.KindVillage, Parent: "T1"},
			{Code: "X", Name: "另一县", Kind: org.KindCounty},
			{Code: "XT1", Name: "另一镇", Kind: org.KindTownship, Parent: "X"},
		},
		People: []org.PersonRecord{
			{Login: "zuzhi", Name: "组织部张三", Unit: "C", Roles: []role.Role{role.OrgStaff}, Position: "科长"},
			{Login: "t1sj", Name: "城关书记", Unit: "T1", Roles: []role.Role{role.TownshipOfficial}, Position: "书记"},
			{Login: "t1zz", Name: "城关组织委员", Unit: "T1", Roles: []role.Role{role.TownshipOfficial}, Position: "组织委员"},
			{Login: "t1xc", Name: "城关宣传委员", Unit: "T1", Roles: []role.Role{role.TownshipOfficial}, Position: "宣传委员"},
			{Login: "t2sj", Name: "河西书记", Unit: "T2", Roles: []role.Role{role.TownshipOfficial}, Position: "书记"},
			{Login: "t2zz", Name: "河西组织委员", Unit: "T2", Roles: []role.Role{role.TownshipOfficial}, Position: "组织委员"},
			{Login: "v11sj", Name: "东村书记", Unit: "V11", Roles: []role.Role{role.BranchSecretary}, Position: "书记"},
			{Login: "xzuzhi", Name: "另一县组织部", Unit: "X", Roles: []role.Role{role.OrgStaff}, Position: "科长"},
			{Login: "xt1sj", Name: "另一镇书记", Unit: "XT1", Roles: []role.Role{role.TownshipOfficial}, Position: "书记"},
		},
	}
}

type fixture struct {
	pool   *pgxpool.Pool
	orders *order.Store
	units  map[string]org.Unit
	people map[string]org.Person
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool, _ := testenv.Pool(t)
	orgs := org.NewStore(pool)
	tree := fixtureTree()
	_, err := orgs.Load(ctx, tree)
	require.NoError(t, err)
	f := &fixture{pool: pool, orders: order.NewStore(pool, clock), units: map[string]org.Unit{}, people: map[string]org.Person{}}
	for _, u := range tree.Units {
		f.units[u.Code], err = orgs.UnitByCode(ctx, u.Code)
		require.NoError(t, err)
	}
	for _, p := range tree.People {
		f.people[p.Login], err = orgs.PersonByLogin(ctx, p.Login)
		require.NoError(t, err)
	}
	return f
}

func (f *fixture) unitID(code string) int64 { return f.units[code].ID }

func (f *fixture) personID(login string) int64 { return f.people[login].ID }

func (f *fixture) scope(code string, subtree bool) order.Scope {
	u := f.units[code]
	return order.Scope{UnitID: u.ID, Path: u.Path, Subtree: subtree}
}

// counts is the number of rows in every table Create writes.
func (f *fixture) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"orders", "order_targets", "problems", "measures"} {
		var n int
		require.NoError(t, f.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n))
		out[table] = n
	}
	return out
}

var empty = map[string]int{"orders": 0, "order_targets": 0, "problems": 0, "measures": 0}

// validDraft is 2 problems with 3 measures for T1 and T2, people named by position and
// by login, covering all three deadline kinds.
func validDraft() order.Draft {
	return order.Draft{
		Title:     "  关于巡察反馈问题的整改通知  ",
		Source:    "巡察",
		DocNumber: "县委巡察办〔2026〕5号",
		Targets:   []string{"T1", "T2"},
		Problems: []order.Problem{
			{
				Description: "村级组织换届后培训不到位",
				Category:    "组织建设",
				Severity:    "较重",
				Measures: []order.Measure{
					{
						Content:          "组织新任村干部集中培训",
						Criterion:        "培训覆盖率100%",
						EvidenceExpected: "培训签到表、照片",
						Responsibility: order.Responsibility{
							CooperatingUnits: []string{"V11"},
							Primary:          order.PersonRef{Position: "书记"},
							Direct:           order.PersonRef{Position: "组织委员"},
							Handler:          order.PersonRef{Login: "t1zz"},
						},
						Deadline: order.Deadline{Kind: order.ByDate, Due: "2026-12-31"},
					},
					{
						Content:   "建立培训台账",
						Criterion: "台账完整，逐人登记",
						Responsibility: order.Responsibility{
							Primary: order.PersonRef{Position: "书记"},
							Handler: order.PersonRef{Position: "组织委员"},
						},
						Deadline: order.Deadline{Kind: "立行立改", Due: "2026-11-24"},
					},
				},
			},
			{
				Description: "三会一课记录不规范",
				Measures: []order.Measure{
					{
						Content:   "每季度检查三会一课记录",
						Criterion: "每季度检查一次并通报",
						Responsibility: order.Responsibility{
							Primary: order.PersonRef{Login: "zuzhi"},
							Handler: order.PersonRef{Position: "组织委员"},
						},
						Deadline: order.Deadline{Kind: "长期坚持", Checkpoints: []string{"2027-06-30", "2026-12-31"}},
					},
				},
			},
		},
	}
}

func (f *fixture) create(t *testing.T, d order.Draft) int64 {
	t.Helper()
	id, err := f.orders.Create(context.Background(), f.unitID("C"), f.personID("zuzhi"), d)
	require.NoError(t, err)
	require.NotZero(t, id)
	return id
}

func requireKind(t *testing.T, err error, kind apperr.Kind) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.Truef(t, ok, "error has no kind: %v", err)
	require.Equalf(t, kind, e.Kind, "kind of %v", err)
	return e
}

func TestCreateAndRead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.create(t, validDraft())

	// Rows as stored.
	require.Equal(t, map[string]int{"orders": 1, "order_targets": 2, "problems": 2, "measures": 3}, f.counts(t))
	var (
		issuer, createdBy, unitsStarted int64
		title, source, doc, status      string
		issuedAt                        *time.Time
	)
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT issuer_unit_id, title, source, doc_number, status, created_by, issued_at, units_started
		FROM orders WHERE id = $1`, id).Scan(&issuer, &title, &source, &doc, &status, &createdBy, &issuedAt, &unitsStarted))
	require.Equal(t, f.unitID("C"), issuer)
	require.Equal(t, "关于巡察反馈问题的整改通知", title, "title is trimmed")
	require.Equal(t, "巡察", source)
	require.Equal(t, "县委巡察办〔2026〕5号", doc)
	require.Equal(t, "draft", status)
	require.Equal(t, f.personID("zuzhi"), createdBy)
	require.Nil(t, issuedAt)
	require.Zero(t, unitsStarted)

	var targets []int64
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT array_agg(unit_id ORDER BY unit_id) FROM order_targets WHERE order_id = $1`, id).Scan(&targets))
	require.Equal(t, []int64{f.unitID("T1"), f.unitID("T2")}, targets)

	var problems []string
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT array_agg(seq || '|' || description || '|' || category || '|' || severity ORDER BY seq)
		FROM problems WHERE order_id = $1`, id).Scan(&problems))
	require.Equal(t, []string{"1|村级组织换届后培训不到位|组织建设|较重", "2|三会一课记录不规范||一般"}, problems)

	var measures []string
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT array_agg(p.seq || '.' || m.seq || '|' || m.deadline_kind || '|' || coalesce(m.due_date::text, '-')
			|| '|' || m.checkpoints::text || '|' || m.cooperating_units::text ORDER BY p.seq, m.seq)
		FROM measures m JOIN problems p ON p.id = m.problem_id WHERE m.order_id = $1`, id).Scan(&measures))
	require.Equal(t, []string{
		"1.1|by_date|2026-12-31|{}|{" + itoa(f.unitID("V11")) + "}",
		"1.2|immediate|2026-11-24|{}|{}",
		"2.1|ongoing|-|{2026-12-31,2027-06-30}|{}",
	}, measures)

	// Get from the issuer's subtree: the four lists in order, with targets.
	o, err := f.orders.Get(ctx, f.scope("C", true), id)
	require.NoError(t, err)
	require.Equal(t, id, o.ID)
	require.Equal(t, f.unitID("C"), o.IssuerUnitID)
	require.Equal(t, "某某县", o.IssuerUnit)
	require.Equal(t, "关于巡察反馈问题的整改通知", o.Title)
	require.Equal(t, "巡察", o.Source)
	require.Equal(t, "draft", o.Status)
	require.Nil(t, o.IssuedAt)
	require.Equal(t, map[string]int{}, o.Counts)
	require.Zero(t, o.Items)
	require.Equal(t, []order.Target{
		{UnitID: f.unitID("T1"), Code: "T1", Name: "城关镇"},
		{UnitID: f.unitID("T2"), Code: "T2", Name: "河西乡"},
	}, o.Targets)
	require.Len(t, o.Problems, 2)
	d := validDraft()
	for pi, p := range o.Problems {
		require.Equal(t, pi+1, p.Seq)
		require.Equal(t, d.Problems[pi].Description, p.Description)
		require.Len(t, p.Measures, len(d.Problems[pi].Measures))
		for mi, m := range p.Measures {
			require.Equal(t, mi+1, m.Seq)
			require.Equal(t, d.Problems[pi].Measures[mi].Content, m.Content)
			require.Equal(t, d.Problems[pi].Measures[mi].Criterion, m.Criterion)
			require.Equal(t, d.Problems[pi].Measures[mi].Responsibility, m.Responsibility)
		}
	}
	require.Equal(t, "一般", o.Problems[1].Severity)
	m := o.Problems[0].Measures[0]
	require.Equal(t, "培训签到表、照片", m.EvidenceExpected)
	require.Equal(t, order.ByDate, m.DeadlineKind)
	require.Equal(t, "2026-12-31", m.Due)
	require.Empty(t, m.Checkpoints)
	m = o.Problems[0].Measures[1]
	require.Equal(t, order.Immediate, m.DeadlineKind)
	require.Equal(t, "2026-11-24", m.Due)
	m = o.Problems[1].Measures[0]
	require.Equal(t, order.Ongoing, m.DeadlineKind)
	require.Empty(t, m.Due)
	require.Equal(t, []string{"2026-12-31", "2027-06-30"}, m.Checkpoints, "checkpoints are sorted")

	ids := func(os []order.Order) []int64 {
		out := []int64{}
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}

	// List from the issuer's subtree shows it, newest first.
	second := f.create(t, validDraft())
	list, err := f.orders.List(ctx, f.scope("C", true), "")
	require.NoError(t, err)
	require.Equal(t, []int64{second, id}, ids(list))
	require.Equal(t, "某某县", list[1].IssuerUnit)
	list, err = f.orders.List(ctx, f.scope("C", true), "issued")
	require.NoError(t, err)
	require.Empty(t, list, "status filter")

	// Another county sees nothing.
	for _, sc := range []order.Scope{f.scope("X", true), f.scope("XT1", false)} {
		_, err = f.orders.Get(ctx, sc, id)
		requireKind(t, err, apperr.NotFound)
		list, err = f.orders.List(ctx, sc, "")
		require.NoError(t, err)
		require.Empty(t, list)
	}

	// A target sees it, with or without its subtree.
	for _, sc := range []order.Scope{f.scope("T1", true), f.scope("T2", false)} {
		o, err = f.orders.Get(ctx, sc, id)
		require.NoError(t, err)
		require.Equal(t, id, o.ID)
		require.Len(t, o.Problems, 2)
		list, err = f.orders.List(ctx, sc, "")
		require.NoError(t, err)
		require.Equal(t, []int64{second, id}, ids(list))
	}

	// A village below a target, own unit only, does not; nor does the county without its subtree
	// ... except that the county is the issuer, so it does.
	_, err = f.orders.Get(ctx, f.scope("V11", false), id)
	requireKind(t, err, apperr.NotFound)
	list, err = f.orders.List(ctx, f.scope("V11", false), "")
	require.NoError(t, err)
	require.Empty(t, list)
	_, err = f.orders.Get(ctx, f.scope("V11", true), id)
	requireKind(t, err, apperr.NotFound)
	_, err = f.orders.Get(ctx, f.scope("C", false), id)
	require.NoError(t, err)

	// An unknown order is NotFound even for the issuer.
	_, err = f.orders.Get(ctx, f.scope("C", true), id+1000)
	requireKind(t, err, apperr.NotFound)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCreateRejects(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const m00 = "problems[0].measures[0]"
	const r00 = m00 + ".responsibility"
	// inResp changes the responsibility of the first measure.
	inResp := func(change func(r *order.Responsibility)) func(d *order.Draft) {
		return func(d *order.Draft) { change(&d.Problems[0].Measures[0].Responsibility) }
	}
	type want struct{ field, fragment string }
	cases := []struct {
		name   string
		change func(d *order.Draft)
		want   []want
	}{
		{"missing criterion", func(d *order.Draft) { d.Problems[0].Measures[1].Criterion = "  " },
			[]want{{"problems[0].measures[1].criterion", "验收标准不能为空"}}},
		{"missing primary", inResp(func(r *order.Responsibility) { r.Primary = order.PersonRef{} }),
			[]want{{r00 + ".primary", "第一责任人不能为空"}}},
		{"missing handler", inResp(func(r *order.Responsibility) { r.Handler = order.PersonRef{} }),
			[]want{{r00 + ".handler", "具体责任人不能为空"}}},
		{"login and position", inResp(func(r *order.Responsibility) { r.Primary = order.PersonRef{Login: "t1sj", Position: "书记"} }),
			[]want{{r00 + ".primary", "第一责任人只能按账号或按岗位指定其一"}}},
		{"login outside subtree", inResp(func(r *order.Responsibility) { r.Handler = order.PersonRef{Login: "xt1sj"} }),
			[]want{{r00 + ".handler.login", "具体责任人“xt1sj”不存在或不在本单位管辖范围内"}}},
		{"unknown login", inResp(func(r *order.Responsibility) { r.Handler = order.PersonRef{Login: "nobody"} }),
			[]want{{r00 + ".handler.login", "“nobody”不存在"}}},
		{"position vacant at T2", inResp(func(r *order.Responsibility) { r.Direct = order.PersonRef{Position: "宣传委员"} }),
			[]want{{r00 + ".direct.position", "直接责任人：责任单位“河西乡”没有岗位为“宣传委员”的人员"}}},
		{"position vacant everywhere", inResp(func(r *order.Responsibility) { r.Handler = order.PersonRef{Position: "纪检委员"} }), []want{
			{r00 + ".handler.position", "“城关镇”没有岗位为“纪检委员”"},
			{r00 + ".handler.position", "“河西乡”没有岗位为“纪检委员”"},
		}},
		{"unknown cooperating unit", inResp(func(r *order.Responsibility) { r.CooperatingUnits = []string{"V11", "XT1"} }),
			[]want{{r00 + ".cooperating_units[1]", "配合单位“XT1”不存在或不在本单位管辖范围内"}}},
		{"due in the past", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Due = "2026-11-23" },
			[]want{{m00 + ".deadline.due", "完成时限2026-11-23早于今天"}}},
		{"due not a date", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Due = "年底前" },
			[]want{{m00 + ".deadline.due", "“年底前”不是日期"}}},
		{"by_date without due", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Due = "" },
			[]want{{m00 + ".deadline.due", "限期整改须有完成时限"}}},
		{"ongoing without checkpoints", func(d *order.Draft) { d.Problems[1].Measures[0].Deadline.Checkpoints = nil },
			[]want{{"problems[1].measures[0].deadline.checkpoints", "阶段性检查时间"}}},
		{"checkpoint in the past", func(d *order.Draft) {
			d.Problems[1].Measures[0].Deadline.Checkpoints = []string{"2026-12-31", "2026-01-01"}
		}, []want{{"problems[1].measures[0].deadline.checkpoints[1]", "早于今天"}}},
		{"unknown deadline kind", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Kind = "尽快整改" },
			[]want{{m00 + ".deadline.kind", "整改类型“尽快整改”无效"}}},
		{"blank deadline kind", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Kind = " " },
			[]want{{m00 + ".deadline.kind", "整改类型不能为空"}}},
		{"unknown source", func(d *order.Draft) { d.Source = "网络舆情" },
			[]want{{"source", "问题来源“网络舆情”无效"}}},
		{"empty source", func(d *order.Draft) { d.Source = "" },
			[]want{{"source", "问题来源不能为空"}}},
		{"empty title", func(d *order.Draft) { d.Title = " \t" },
			[]want{{"title", "标题不能为空"}}},
		{"title too long", func(d *order.Draft) { d.Title = strings.Repeat("长", 201) },
			[]want{{"title", "标题不能超过200字"}}},
		{"no targets", func(d *order.Draft) { d.Targets = nil },
			[]want{{"targets", "至少指定一个责任单位"}}},
		{"target outside subtree", func(d *order.Draft) { d.Targets = []string{"XT1"} },
			[]want{{"targets[0]", "单位“XT1”不存在或不在本单位管辖范围内"}}},
		{"unknown target", func(d *order.Draft) { d.Targets = []string{"T1", "T9"} },
			[]want{{"targets[1]", "单位“T9”不存在"}}},
		{"issuer as target", func(d *order.Draft) { d.Targets = []string{"C"} },
			[]want{{"targets[0]", "不能向本单位交办"}}},
		{"duplicate target", func(d *order.Draft) { d.Targets = []string{"T1", "T2", "T1"} },
			[]want{{"targets[2]", "责任单位“T1”重复"}}},
		{"no problems", func(d *order.Draft) { d.Problems = nil },
			[]want{{"problems", "问题清单不能为空"}}},
		{"problem without measures", func(d *order.Draft) { d.Problems[1].Measures = nil },
			[]want{{"problems[1].measures", "每个问题至少要有一项整改措施"}}},
		{"problem without description", func(d *order.Draft) { d.Problems[1].Description = "" },
			[]want{{"problems[1].description", "问题描述不能为空"}}},
		{"doc number too long", func(d *order.Draft) { d.DocNumber = strings.Repeat("号", 101) },
			[]want{{"doc_number", "文号不能超过100字，现为101字"}}},
		{"description too long in characters, not bytes", func(d *order.Draft) { d.Problems[1].Description = strings.Repeat("问", 2001) },
			[]want{{"problems[1].description", "问题描述不能超过2000字"}}},
		{"measure too long", func(d *order.Draft) { d.Problems[0].Measures[1].Content = strings.Repeat("措", 2001) },
			[]want{{"problems[0].measures[1].content", "整改措施不能超过2000字"}}},
		{"criterion too long", func(d *order.Draft) { d.Problems[0].Measures[1].Criterion = strings.Repeat("标", 2001) },
			[]want{{"problems[0].measures[1].criterion", "验收标准不能超过2000字"}}},
		{"position too long", func(d *order.Draft) {
			d.Problems[0].Measures[1].Responsibility.Handler = order.PersonRef{Position: strings.Repeat("岗", 101)}
		}, []want{
			{"problems[0].measures[1].responsibility.handler.position", "具体责任人岗位不能超过100字"},
			{"problems[0].measures[1].responsibility.handler.position", "“城关镇”没有岗位"},
			{"problems[0].measures[1].responsibility.handler.position", "“河西乡”没有岗位"},
		}},
		{"too many targets", func(d *order.Draft) { d.Targets = make([]string, 5001) },
			[]want{{"targets", "责任单位不能超过5000项，现为5001项"}}},
		{"too many cooperating units", func(d *order.Draft) { d.Problems[0].Measures[0].Responsibility.CooperatingUnits = make([]string, 51) },
			[]want{{m00 + ".responsibility.cooperating_units", "配合单位不能超过50项"}}},
		{"too many measures", func(d *order.Draft) {
			for len(d.Problems[0].Measures) < 10000 {
				d.Problems[0].Measures = append(d.Problems[0].Measures, d.Problems[0].Measures[1])
			}
		}, []want{{"problems", "整改措施（全部问题合计）不能超过10000项，现为10001项"}}},
		{"working days beyond a year", func(d *order.Draft) {
			d.Problems[0].Measures[0].Deadline = order.Deadline{Kind: order.ByDate, WorkingDays: 9000000000000000000}
		}, []want{{m00 + ".deadline.working_days", "工作日数应在1到250之间"}}},
		{"due years away", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Due = "2031-11-25" },
			[]want{{m00 + ".deadline.due", "完成时限2031-11-25太远，不能晚于5年后（2031-11-24）"}}},
		{"due in the year 9999", func(d *order.Draft) { d.Problems[0].Measures[0].Deadline.Due = "9999-12-31" },
			[]want{{m00 + ".deadline.due", "太远"}}},
		{"checkpoint years away", func(d *order.Draft) {
			d.Problems[1].Measures[0].Deadline.Checkpoints = []string{"2026-12-31", "2040-01-01"}
		}, []want{{"problems[1].measures[0].deadline.checkpoints[1]", "太远"}}},
		{"too many checkpoints", func(d *order.Draft) { d.Problems[1].Measures[0].Deadline.Checkpoints = make([]string, 61) },
			[]want{{"problems[1].measures[0].deadline.checkpoints", "阶段性检查时间不能超过60项"}}},
		{"policy counts beyond a year", func(d *order.Draft) {
			p := itemmsg.DefaultPolicy()
			p.AckWithin, p.ListAfter = 9000000000000000000, 251
			d.Policy = &p
		}, []want{
			{"policy.ack_within", "签收时限不能超过250个工作日"},
			{"policy.list_after", "挂牌督办不能超过250个工作日"},
		}},
		{"several at once", func(d *order.Draft) {
			d.Title = ""
			d.Source = "网络舆情"
			d.Targets = []string{"T1", "XT1"}
			d.Problems[0].Measures[1].Criterion = ""
			d.Problems[0].Measures[0].Responsibility.Handler = order.PersonRef{}
			d.Problems[1].Measures[0].Deadline.Checkpoints = []string{"年底前"}
		}, []want{
			{"title", "标题不能为空"},
			{"source", "问题来源“网络舆情”无效"},
			{"targets[1]", "单位“XT1”不存在"},
			{m00 + ".responsibility.handler", "具体责任人不能为空"},
			{"problems[0].measures[1].criterion", "验收标准不能为空"},
			{"problems[1].measures[0].deadline.checkpoints[0]", "“年底前”不是日期"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDraft()
			tc.change(&d)
			check := func(err error) {
				t.Helper()
				e := requireKind(t, err, apperr.Invalid)
				require.Equal(t, tc.want[0].field, e.Field)
				require.Contains(t, e.Message, tc.want[0].fragment)
				require.Len(t, e.Fields, len(tc.want), "fields: %+v", e.Fields)
				for i, w := range tc.want {
					require.Equal(t, w.field, e.Fields[i].Field)
					require.Contains(t, e.Fields[i].Message, w.fragment)
				}
				if len(tc.want) > 1 {
					require.Contains(t, e.Message, "共"+itoa(int64(len(tc.want)))+"处错误")
				}
			}
			id, err := f.orders.Create(ctx, f.unitID("C"), f.personID("zuzhi"), d)
			require.Zero(t, id)
			check(err)
			require.Equal(t, empty, f.counts(t), "a refused draft stores nothing")
			// Validate reports exactly the same.
			check(f.orders.Validate(ctx, f.unitID("C"), d))
		})
	}

	// The fixture draft itself passes, so each case above fails for its own reason only.
	require.NoError(t, f.orders.Validate(ctx, f.unitID("C"), validDraft()))

	// An unknown issuer is NotFound and stores nothing.
	_, err := f.orders.Create(ctx, 999999, f.personID("zuzhi"), validDraft())
	requireKind(t, err, apperr.NotFound)
	require.Equal(t, empty, f.counts(t))
}

// Aliases are accepted and stored in their canonical form.
func TestCreateNormalizesAliases(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := validDraft()
	d.Source = "public_report"
	d.Problems[0].Measures[0].Deadline.Kind = "限期整改"
	d.Problems[1].Measures[0].Deadline.Kind = order.Ongoing
	id := f.create(t, d)
	o, err := f.orders.Get(ctx, f.scope("C", true), id)
	require.NoError(t, err)
	require.Equal(t, "群众反映", o.Source)
	require.Equal(t, order.ByDate, o.Problems[0].Measures[0].DeadlineKind)
	require.Equal(t, order.Immediate, o.Problems[0].Measures[1].DeadlineKind)
	require.Equal(t, order.Ongoing, o.Problems[1].Measures[0].DeadlineKind)

	// A township issues to its own village: positions resolve there.
	d = validDraft()
	d.Targets = []string{"V11"}
	d.Problems[0].Measures[0].Responsibility = order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Login: "v11sj"}}
	d.Problems[0].Measures[1].Responsibility = d.Problems[0].Measures[0].Responsibility
	d.Problems[1].Measures[0].Responsibility = d.Problems[0].Measures[0].Responsibility
	_, err = f.orders.Create(ctx, f.unitID("T1"), f.personID("t1sj"), d)
	require.NoError(t, err)
	// ... but a township cannot reach a person of its sibling township.
	d.Problems[0].Measures[0].Responsibility.Handler = order.PersonRef{Login: "t2zz"}
	_, err = f.orders.Create(ctx, f.unitID("T1"), f.personID("t1sj"), d)
	e := requireKind(t, err, apperr.Invalid)
	require.Equal(t, "problems[0].measures[0].responsibility.handler.login", e.Field)
}

func TestBeginIssue(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.create(t, validDraft())
	county, issuer := f.unitID("C"), f.personID("zuzhi")

	// Another unit may not issue it, whatever its state.
	_, err := f.orders.BeginIssue(ctx, id, f.unitID("T1"), f.personID("t1sj"))
	requireKind(t, err, apperr.Forbidden)

	at, err := f.orders.BeginIssue(ctx, id, county, issuer)
	require.NoError(t, err)
	require.True(t, at.Equal(now), "issued at %v, want %v", at, now)
	var status string
	var by int64
	var stored time.Time
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT status, issued_by, issued_at FROM orders WHERE id = $1`, id).Scan(&status, &by, &stored))
	require.Equal(t, "issuing", status)
	require.Equal(t, issuer, by)
	require.True(t, stored.Equal(now))

	// Restarting while issuing gives the same time, even when the clock has moved on.
	later := order.NewStore(f.pool, func() time.Time { return now.Add(time.Hour) })
	again, err := later.BeginIssue(ctx, id, county, issuer)
	require.NoError(t, err)
	require.True(t, again.Equal(at), "restart at %v, want %v", again, at)

	_, err = f.orders.BeginIssue(ctx, id, f.unitID("X"), f.personID("xzuzhi"))
	requireKind(t, err, apperr.Forbidden)

	require.NoError(t, f.orders.MarkIssued(ctx, id, 2))
	var started int
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT status, units_started FROM orders WHERE id = $1`, id).Scan(&status, &started))
	require.Equal(t, "issued", status)
	require.Equal(t, 2, started)

	o, err := f.orders.Get(ctx, f.scope("C", true), id)
	require.NoError(t, err)
	require.Equal(t, "issued", o.Status)
	require.NotNil(t, o.IssuedAt)
	require.True(t, o.IssuedAt.Equal(now))
	list, err := f.orders.List(ctx, f.scope("C", true), "issued")
	require.NoError(t, err)
	require.Len(t, list, 1)

	_, err = f.orders.BeginIssue(ctx, id, county, issuer)
	requireKind(t, err, apperr.Conflict)

	// MarkIssued again leaves an issued order alone.
	require.NoError(t, f.orders.MarkIssued(ctx, id, 5))
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT units_started FROM orders WHERE id = $1`, id).Scan(&started))
	require.Equal(t, 2, started)

	_, err = f.orders.BeginIssue(ctx, id+1000, county, issuer)
	requireKind(t, err, apperr.NotFound)
}

func TestValidateStoresNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	require.NoError(t, f.orders.Validate(ctx, f.unitID("C"), validDraft()))
	require.Equal(t, empty, f.counts(t))

	d := validDraft()
	d.Title = ""
	e := requireKind(t, f.orders.Validate(ctx, f.unitID("C"), d), apperr.Invalid)
	require.Equal(t, "title", e.Field)
	require.Equal(t, empty, f.counts(t))

	requireKind(t, f.orders.Validate(ctx, 999999, validDraft()), apperr.NotFound)
	require.Equal(t, empty, f.counts(t))
}

func TestLoadPlan(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := validDraft()
	d.Targets = []string{"T2", "T1"} // listed out of id order
	id := f.create(t, d)
	o, err := f.orders.Get(ctx, f.scope("C", true), id)
	require.NoError(t, err)

	p, err := f.orders.LoadPlan(ctx, id)
	require.NoError(t, err)
	require.Equal(t, id, p.OrderID)
	require.Equal(t, f.unitID("C"), p.IssuerUnitID)
	require.Equal(t, []int64{f.unitID("T1"), f.unitID("T2")}, p.Targets)

	require.Len(t, p.Measures, 3)
	want := []struct {
		id   int64
		kind string
		due  string
	}{
		{o.Problems[0].Measures[0].ID, order.ByDate, "2026-12-31"},
		{o.Problems[0].Measures[1].ID, order.Immediate, "2026-11-24"},
		{o.Problems[1].Measures[0].ID, order.Ongoing, ""},
	}
	for i, w := range want {
		m := p.Measures[i]
		require.Equal(t, w.id, m.ID, "measure %d", i)
		require.Equal(t, w.kind, m.DeadlineKind, "measure %d", i)
		require.Equal(t, w.due, m.Due, "measure %d", i)
	}
	require.Less(t, p.Measures[0].ID, p.Measures[1].ID)
	require.Equal(t, d.Problems[0].Measures[0].Responsibility, p.Measures[0].Responsibility)
	require.Equal(t, d.Problems[1].Measures[0].Responsibility, p.Measures[2].Responsibility)

	t1, t2 := f.unitID("T1"), f.unitID("T2")
	r := p.Measures[0].Responsibility
	require.Equal(t, f.personID("t1sj"), p.Person(r.Primary, t1))
	require.Equal(t, f.personID("t2sj"), p.Person(r.Primary, t2))
	require.Equal(t, f.personID("t1zz"), p.Person(r.Direct, t1))
	require.Equal(t, f.personID("t2zz"), p.Person(r.Direct, t2))
	// A login means the same person at every target.
	require.Equal(t, f.personID("t1zz"), p.Person(r.Handler, t1))
	require.Equal(t, f.personID("t1zz"), p.Person(r.Handler, t2))
	require.Equal(t, f.personID("zuzhi"), p.Person(p.Measures[2].Responsibility.Primary, t2))
	// Optional and vacant posts resolve to nobody.
	require.Zero(t, p.Person(p.Measures[1].Responsibility.Direct, t1))
	require.Equal(t, f.personID("t1xc"), p.Person(order.PersonRef{Position: "宣传委员"}, t1))
	require.Zero(t, p.Person(order.PersonRef{Position: "宣传委员"}, t2))
	require.Zero(t, p.Person(order.PersonRef{Login: "xt1sj"}, t1), "outside the issuer's subtree")

	_, err = f.orders.LoadPlan(ctx, id+1000)
	require.Error(t, err)
}

// Today is the date in Shanghai whatever zone the clock reports in: 2026-11-23 17:00 UTC is
// already 2026-11-24 01:00 in Shanghai.
func TestTodayIsShanghai(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	s := order.NewStore(f.pool, func() time.Time { return time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC) })
	d := validDraft()
	d.Problems[0].Measures[0].Deadline.Due = "2026-11-24"
	require.NoError(t, s.Validate(ctx, f.unitID("C"), d))
	d.Problems[0].Measures[0].Deadline.Due = "2026-11-23"
	e := requireKind(t, s.Validate(ctx, f.unitID("C"), d), apperr.Invalid)
	require.Equal(t, "problems[0].measures[0].deadline.due", e.Field)
}

// A department's default policy whose counts would send every reminder decades ahead is
// refused with the field, and the stored default stays as it was.
func TestDepartmentPolicyBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := itemmsg.DefaultPolicy()
	p.AckWithin = 2
	require.NoError(t, f.orders.SetDepartmentPolicy(ctx, f.unitID("C"), p, f.personID("zuzhi")))

	bad := itemmsg.DefaultPolicy()
	bad.AckWithin = 1 << 61
	bad.RemindBefore = make([]int, 51)
	e := requireKind(t, f.orders.SetDepartmentPolicy(ctx, f.unitID("C"), bad, f.personID("zuzhi")), apperr.Invalid)
	require.Equal(t, "policy.ack_within", e.Field)
	require.Contains(t, e.Message, "签收时限不能超过250个工作日")
	require.Len(t, e.Fields, 2)
	require.Equal(t, "policy.remind_before", e.Fields[1].Field)

	got, err := f.orders.DepartmentPolicy(ctx, f.unitID("C"))
	require.NoError(t, err)
	require.Equal(t, 2, got.AckWithin, "the refused policy stored nothing")
}

// A draft may hold a whole imported problem list, but an order is issued with at most
// limits.MaxMeasures measures (each target unit's workflow carries them all): a larger one
// is refused with the field, and stays a draft.
func TestAnOversizedDraftIsNotIssued(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := validDraft()
	for len(d.Problems[0].Measures) < limits.MaxMeasures {
		d.Problems[0].Measures = append(d.Problems[0].Measures, d.Problems[0].Measures[1])
	}
	id := f.create(t, d)
	_, err := f.orders.BeginIssue(ctx, id, f.unitID("C"), f.personID("zuzhi"))
	e := requireKind(t, err, apperr.Invalid)
	require.Equal(t, "problems", e.Field)
	require.Contains(t, e.Message, "一次交办的整改措施不能超过100项，现为101项")
	var status string
	require.NoError(t, f.pool.QueryRow(ctx, `SELECT status FROM orders WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "draft", status)
}
