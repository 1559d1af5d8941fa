package org_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/org"
	"rectify/internal/password"
	"rectify/internal/role"
	"rectify/internal/testenv"
)

// countyJSON is a county (C) with two townships (T1, T2), villages below them and a branch
// below one village, plus three people.
const countyJSON = `{
  "units": [
    {"code": "C",   "name": "某某县",   "kind": "县"},
    {"code": "T1",  "name": "城关镇",   "kind": "乡镇", "parent": "C"},
    {"code": "T2",  "name": "河西乡",   "kind": "township", "parent": "C"},
    {"code": "V11", "name": "东村",     "kind": "村", "parent": "T1"},
    {"code": "V12", "name": "西村",     "kind": "village", "parent": "T1"},
    {"code": "V21", "name": "河村",     "kind": "村", "parent": "T2"},
    {"code": "B111", "name": "东村党支部", "kind": "党支部", "parent": "V11"}
  ],
  "people": [
    {"login": "zuzhi", "name": "组织部张三", "unit": "C", "roles": ["组织部干部"], "position": "科长",
     "email": "zs@example.cn", "mobile": "13800000000", "password": "初始密码1"},
    {"login": "zhen", "name": "镇干部李四", "unit": "T1", "roles": ["乡镇干部", "领导"], "position": "党委书记"},
    {"login": "shuji", "name": "书记王五", "unit": "B111", "roles": ["支部书记"], "position": "支部书记"}
  ]
}`

func newStore(t *testing.T) (*pgxpool.Pool, *org.Store) {
	t.Helper()
	pool, _ := testenv.Pool(t)
	return pool, org.NewStore(pool)
}

// countyStore is a store with the county tree of countyJSON loaded.
func countyStore(t *testing.T) (*pgxpool.Pool, *org.Store) {
	t.Helper()
	pool, s := newStore(t)
	mustLoad(t, pool, s, countyJSON)
	return pool, s
}

func parseJSON(t *testing.T, s string) org.Tree {
	t.Helper()
	tree, err := org.ParseJSON(strings.NewReader(s))
	require.NoError(t, err)
	return tree
}

func mustLoad(t *testing.T, pool *pgxpool.Pool, s *org.Store, jsonText string) org.LoadResult {
	t.Helper()
	res, err := s.Load(context.Background(), parseJSON(t, jsonText))
	require.NoError(t, err)
	requirePathsConsistent(t, pool)
	return res
}

type dbState struct {
	Units  string
	People string
}

// state dumps every row that Load may write, to show that a refused load wrote nothing.
func state(t *testing.T, pool *pgxpool.Pool) dbState {
	t.Helper()
	var st dbState
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) || ':' || COALESCE(string_agg(
		id || ',' || code || ',' || name || ',' || kind || ',' || COALESCE(parent_id, 0) || ',' || path, ';' ORDER BY id), '')
		FROM units`).Scan(&st.Units))
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) || ':' || COALESCE(string_agg(
		id || ',' || login || ',' || name || ',' || unit_id || ',' || array_to_string(roles, '|') || ',' || position
		|| ',' || email || ',' || mobile || ',' || password_hash, ';' ORDER BY id), '') FROM people`).Scan(&st.People))
	return st
}

func counts(t *testing.T, pool *pgxpool.Pool) (units, people int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM units`).Scan(&units))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM people`).Scan(&people))
	return units, people
}

// requireCounts requires exactly this many units and people stored.
func requireCounts(t *testing.T, pool *pgxpool.Pool, units, people int) {
	t.Helper()
	u, p := counts(t, pool)
	require.Equal(t, units, u, "units")
	require.Equal(t, people, p, "people")
}

// requirePathsConsistent checks every stored unit: a root's path is /id/, any other's is
// its parent's path followed by id/.
func requirePathsConsistent(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT u.code || ' ' || u.path FROM units u
		LEFT JOIN units p ON p.id = u.parent_id
		WHERE u.path <> COALESCE(p.path, '/') || u.id || '/' ORDER BY u.id`)
	require.NoError(t, err)
	bad, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, bad, "units whose path does not follow their parent's")
}

func unit(t *testing.T, s *org.Store, code string) org.Unit {
	t.Helper()
	u, err := s.UnitByCode(context.Background(), code)
	require.NoError(t, err)
	return u
}

func TestLoadCountyTree(t *testing.T) {
	pool, s := newStore(t)
	ctx := context.Background()
	res := mustLoad(t, pool, s, countyJSON)
	require.Equal(t, org.LoadResult{UnitsCreated: 7, PeopleCreated: 3}, res)

	c, t1, v11, b := unit(t, s, "C"), unit(t, s, "T1"), unit(t, s, "V11"), unit(t, s, "B111")
	require.Equal(t, org.Unit{ID: c.ID, Code: "C", Name: "某某县", Kind: org.KindCounty, Path: fmt.Sprintf("/%d/", c.ID)}, c)
	require.Equal(t, c.ID, t1.ParentID)
	require.Equal(t, org.KindTownship, t1.Kind)
	require.Equal(t, fmt.Sprintf("/%d/%d/", c.ID, t1.ID), t1.Path)
	require.Equal(t, fmt.Sprintf("/%d/%d/%d/", c.ID, t1.ID, v11.ID), v11.Path)
	require.Equal(t, fmt.Sprintf("/%d/%d/%d/%d/", c.ID, t1.ID, v11.ID, b.ID), b.Path)
	require.Equal(t, org.KindBranch, b.Kind)

	zs, err := s.PersonByLogin(ctx, "zuzhi")
	require.NoError(t, err)
	require.Equal(t, c.ID, zs.UnitID)
	require.Equal(t, []role.Role{role.OrgStaff}, zs.Roles)
	require.Equal(t, "13800000000", zs.Mobile)
	require.NoError(t, password.Check(zs.PasswordHash, "初始密码1"))
	zhen, err := s.PersonByLogin(ctx, "zhen")
	require.NoError(t, err)
	require.Equal(t, []role.Role{role.TownshipOfficial, role.Leader}, zhen.Roles)
	require.True(t, zhen.HasRole(role.Leader))
	require.Empty(t, zhen.PasswordHash, "no password given, none set")

	requireCounts(t, pool, 7, 3)
}

func TestReloadIsIdempotent(t *testing.T) {
	pool, s := countyStore(t)
	ctx := context.Background()
	before := state(t, pool)
	zs1, err := s.PersonByLogin(ctx, "zuzhi")
	require.NoError(t, err)

	res := mustLoad(t, pool, s, countyJSON)
	require.Equal(t, org.LoadResult{UnitsUpdated: 7, PeopleUpdated: 3}, res)
	zs2, err := s.PersonByLogin(ctx, "zuzhi")
	require.NoError(t, err)
	require.Equal(t, zs1.ID, zs2.ID)
	require.NotEqual(t, zs1.PasswordHash, zs2.PasswordHash, "a given password is hashed again")
	require.NoError(t, password.Check(zs2.PasswordHash, "初始密码1"))

	after := state(t, pool)
	require.Equal(t, before.Units, after.Units, "ids, names and paths unchanged")

	// Without a password the stored hash stays; other fields follow the file.
	res = mustLoad(t, pool, s, `{"people": [{"login": "zuzhi", "name": "张三", "unit": "T2", "roles": ["领导"]}]}`)
	require.Equal(t, org.LoadResult{PeopleUpdated: 1}, res)
	zs3, err := s.PersonByLogin(ctx, "zuzhi")
	require.NoError(t, err)
	require.Equal(t, zs2.PasswordHash, zs3.PasswordHash)
	require.Equal(t, org.Person{ID: zs1.ID, Login: "zuzhi", Name: "张三", UnitID: unit(t, s, "T2").ID,
		Roles: []role.Role{role.Leader}, PasswordHash: zs2.PasswordHash}, zs3)
	requireCounts(t, pool, 7, 3)
}

func TestLoadRefusesBadFilesAndWritesNothing(t *testing.T) {
	pool, s := countyStore(t)
	ctx := context.Background()
	before := state(t, pool)

	// Every case carries a valid new unit and person too, which must not be written either.
	const okUnit = `{"code": "NEW", "name": "新村", "kind": "村", "parent": "T2"}`
	const okPerson = `{"login": "newbie", "name": "新人", "unit": "NEW", "roles": ["支部书记"]}`
	cases := []struct {
		name       string
		units      string
		people     string
		field, msg string
		csv        string // when set, used instead of units and people
	}{
		{name: "unknown parent", units: `{"code": "X", "name": "某村", "kind": "村", "parent": "NOPE"}`,
			field: "units[2].parent", msg: "上级单位“NOPE”不存在"},
		{name: "own parent", units: `{"code": "X", "name": "某村", "kind": "村", "parent": "X"}`,
			field: "units[2].parent", msg: "不能以自己为上级单位"},
		{name: "cycle within the file",
			units: `{"code": "A", "name": "甲", "kind": "村", "parent": "B"}, {"code": "B", "name": "乙", "kind": "村", "parent": "C2"},
				{"code": "C2", "name": "丙", "kind": "村", "parent": "A"}`,
			field: "units[2].parent", msg: "上级单位关系形成循环：A → B → C2 → A"},
		{name: "cycle through the database: township below its own village",
			units: `{"code": "T1", "name": "城关镇", "kind": "乡镇", "parent": "V11"}`,
			field: "units[2].parent", msg: "上级单位关系形成循环：T1 → V11 → T1"},
		{name: "cycle through the database: county below a branch",
			units: `{"code": "C", "name": "某某县", "kind": "县", "parent": "B111"}`,
			field: "units[2].parent", msg: "上级单位关系形成循环：C → B111 → V11 → T1 → C"},
		{name: "duplicate unit code", units: `{"code": "X", "name": "甲", "kind": "村", "parent": "T1"}, {"code": "X", "name": "乙", "kind": "村", "parent": "T1"}`,
			field: "units[3].code", msg: "单位编码“X”重复，与units[2]重复"},
		{name: "unknown kind", units: `{"code": "X", "name": "甲", "kind": "部门", "parent": "T1"}`,
			field: "units[2].kind", msg: "未知的单位类型“部门”"},
		{name: "missing code", units: `{"name": "甲", "kind": "村", "parent": "T1"}`,
			field: "units[2].code", msg: "单位编码不能为空"},
		{name: "missing name", units: `{"code": "X", "kind": "村", "parent": "T1"}`,
			field: "units[2].name", msg: "单位名称不能为空"},
		{name: "duplicate login", people: `{"login": "newbie", "name": "重名", "unit": "C", "roles": ["领导"]}`,
			field: "people[2].login", msg: "登录名“newbie”重复，与people[1]重复"},
		{name: "unknown role", people: `{"login": "p2", "name": "某人", "unit": "C", "roles": ["领导", "管理员"]}`,
			field: "people[2].roles", msg: "未知的角色“管理员”"},
		{name: "no role", people: `{"login": "p2", "name": "某人", "unit": "C", "roles": []}`,
			field: "people[2].roles", msg: "至少需要一个角色"},
		{name: "bad mobile", people: `{"login": "p2", "name": "某人", "unit": "C", "roles": ["领导"], "mobile": "1380000000"}`,
			field: "people[2].mobile", msg: "手机号“1380000000”格式不正确"},
		{name: "mobile not starting with 1", people: `{"login": "p2", "name": "某人", "unit": "C", "roles": ["领导"], "mobile": "23800000000"}`,
			field: "people[2].mobile", msg: "格式不正确"},
		{name: "bad email", people: `{"login": "p2", "name": "某人", "unit": "C", "roles": ["领导"], "email": "zs@"}`,
			field: "people[2].email", msg: "邮箱“zs@”格式不正确"},
		{name: "unknown unit of a person", people: `{"login": "p2", "name": "某人", "unit": "NOPE", "roles": ["领导"]}`,
			field: "people[2].unit", msg: "所属单位“NOPE”不存在"},
		{name: "person without name", people: `{"login": "p2", "unit": "C", "roles": ["领导"]}`,
			field: "people[2].name", msg: "姓名不能为空"},
		{name: "csv bad mobile names its line",
			csv: "type,code,name,kind,parent,login,unit,roles,mobile\n" +
				"unit,NEW,新村,村,T2,,,,\n" +
				"person,,新人,,,newbie,NEW,支部书记,138-0000-0000\n",
			field: "第3行 mobile", msg: "手机号“138-0000-0000”格式不正确"},
		{name: "csv unknown parent names its line",
			csv:   "type,code,name,kind,parent\nunit,NEW,新村,村,T2\nunit,Y,某村,村,NOPE\n",
			field: "第3行 parent", msg: "上级单位“NOPE”不存在"},
		{name: "csv re-parenting into a cycle",
			csv:   "type,code,name,kind,parent\nunit,NEW,新村,村,T2\nunit,T2,河西乡,乡镇,V21\n",
			field: "第3行 parent", msg: "循环"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tree org.Tree
			var err error
			if tc.csv != "" {
				tree, err = org.ParseCSV(strings.NewReader(tc.csv))
			} else {
				units := okUnit
				if tc.units != "" {
					units += ", " + tc.units
				}
				people := okPerson
				if tc.people != "" {
					people += ", " + tc.people
				}
				tree, err = org.ParseJSON(strings.NewReader(`{"units": [` + units + `], "people": [` + people + `]}`))
			}
			require.NoError(t, err)
			_, err = s.Load(ctx, tree)
			requireProblem(t, err, tc.field, tc.msg)
			var ae *apperr.Error
			require.True(t, errors.As(err, &ae))
			require.ErrorContains(t, err, "org.Load")
			require.Equal(t, before, state(t, pool), "nothing written")
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, s := newStore(t)
	tree := parseJSON(t, `{"units": [{"code": "A", "name": "甲", "kind": "?"}, {"code": "B", "kind": "村", "parent": "Z"}],
		"people": [{"login": "p", "name": "人", "unit": "A", "roles": ["x"], "mobile": "1"}]}`)
	_, err := s.Load(context.Background(), tree)
	e, ok := apperr.As(err)
	require.True(t, ok)
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"units[1].kind", "units[2].name", "units[2].parent", "people[1].roles", "people[1].mobile"}, fields)
	require.Contains(t, e.Message, "共5处错误")
}

func TestReparentUpdatesSubtreePaths(t *testing.T) {
	pool, s := countyStore(t)
	ctx := context.Background()
	mustLoad(t, pool, s, `{"units": [{"code": "C2", "name": "另一县", "kind": "county"}]}`)
	c2 := unit(t, s, "C2")
	t1 := unit(t, s, "T1")

	// Move township T1 with its villages and branch under C2.
	res := mustLoad(t, pool, s, `{"units": [{"code": "T1", "name": "城关镇", "kind": "乡镇", "parent": "C2"}]}`)
	require.Equal(t, org.LoadResult{UnitsUpdated: 1}, res)
	t1 = unit(t, s, "T1")
	v11, b := unit(t, s, "V11"), unit(t, s, "B111")
	require.Equal(t, c2.ID, t1.ParentID)
	require.Equal(t, fmt.Sprintf("/%d/%d/", c2.ID, t1.ID), t1.Path)
	require.Equal(t, fmt.Sprintf("/%d/%d/%d/", c2.ID, t1.ID, v11.ID), v11.Path)
	require.Equal(t, fmt.Sprintf("/%d/%d/%d/%d/", c2.ID, t1.ID, v11.ID, b.ID), b.Path)
	in, err := s.InSubtree(ctx, unit(t, s, "C").ID, b.ID)
	require.NoError(t, err)
	require.False(t, in, "the branch left the old county")
	in, err = s.InSubtree(ctx, c2.ID, b.ID)
	require.NoError(t, err)
	require.True(t, in)

	// An empty parent makes a unit a root.
	mustLoad(t, pool, s, `{"units": [{"code": "V11", "name": "东村", "kind": "村"}]}`)
	v11, b = unit(t, s, "V11"), unit(t, s, "B111")
	require.Equal(t, int64(0), v11.ParentID)
	require.Equal(t, fmt.Sprintf("/%d/%d/", v11.ID, b.ID), b.Path)

	// Several moves in one file whose order matters. Before: C/T2/V21/B211. The file hangs
	// T2 below a new unit N, N below the stored branch B211 (which the file leaves alone),
	// and V21 below a new unit M directly below C. Ordering by the file's own parent links
	// would write T2 below N while N is still below T2, and only then move V21.
	mustLoad(t, pool, s, `{"units": [{"code": "B211", "name": "河村党支部", "kind": "支部", "parent": "V21"}]}`)
	units0, _ := counts(t, pool)
	res = mustLoad(t, pool, s, `{"units": [
		{"code": "T2",  "name": "河西乡", "kind": "乡镇", "parent": "N"},
		{"code": "N",   "name": "新单位", "kind": "机关", "parent": "B211"},
		{"code": "V21", "name": "河村",   "kind": "村",   "parent": "M"},
		{"code": "M",   "name": "新乡",   "kind": "乡镇", "parent": "C"}
	]}`)
	require.Equal(t, org.LoadResult{UnitsCreated: 2, UnitsUpdated: 2}, res)
	c, m, v21, b211, n, t2 := unit(t, s, "C"), unit(t, s, "M"), unit(t, s, "V21"), unit(t, s, "B211"), unit(t, s, "N"), unit(t, s, "T2")
	require.Equal(t, fmt.Sprintf("/%d/%d/%d/%d/%d/%d/", c.ID, m.ID, v21.ID, b211.ID, n.ID, t2.ID), t2.Path)
	units1, _ := counts(t, pool)
	require.Equal(t, units0+2, units1)
}

func TestInSubtree(t *testing.T) {
	_, s := countyStore(t)
	ctx := context.Background()
	id := func(code string) int64 { return unit(t, s, code).ID }
	cases := []struct {
		name             string
		ancestor, target string
		want             bool
	}{
		{"own unit", "T1", "T1", true},
		{"child", "T1", "V11", true},
		{"grandchild", "C", "V11", true},
		{"deep descendant", "C", "B111", true},
		{"sibling", "T1", "T2", false},
		{"sibling's child", "T1", "V21", false},
		{"parent", "V11", "T1", false},
		{"root below a leaf", "B111", "C", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.InSubtree(ctx, id(tc.ancestor), id(tc.target))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := s.InSubtree(ctx, id("C"), 9999)
	require.Equal(t, apperr.NotFound, apperr.KindOf(err))
	_, err = s.InSubtree(ctx, 9999, id("C"))
	require.Equal(t, apperr.NotFound, apperr.KindOf(err))
}

func TestReads(t *testing.T) {
	_, s := countyStore(t)
	ctx := context.Background()
	c, t1, t2 := unit(t, s, "C"), unit(t, s, "T1"), unit(t, s, "T2")

	byID, err := s.UnitByID(ctx, t1.ID)
	require.NoError(t, err)
	require.Equal(t, t1, byID)

	kids, err := s.Children(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, []org.Unit{t1, t2}, kids)
	kids, err = s.Children(ctx, unit(t, s, "B111").ID)
	require.NoError(t, err)
	require.Empty(t, kids)

	sub, err := s.Subtree(ctx, t1.ID)
	require.NoError(t, err)
	var codes []string
	for _, u := range sub {
		codes = append(codes, u.Code)
	}
	require.ElementsMatch(t, []string{"T1", "V11", "V12", "B111"}, codes)
	require.Equal(t, "T1", codes[0], "the unit itself comes first")

	people, err := s.PeopleAt(ctx, t1.ID)
	require.NoError(t, err)
	require.Len(t, people, 1)
	require.Equal(t, "zhen", people[0].Login)
	people, err = s.PeopleAt(ctx, t2.ID)
	require.NoError(t, err)
	require.Empty(t, people)

	sec, err := s.PersonAtWithPosition(ctx, t1.ID, "党委书记")
	require.NoError(t, err)
	require.Equal(t, "zhen", sec.Login)
	byPID, err := s.PersonByID(ctx, sec.ID)
	require.NoError(t, err)
	require.Equal(t, sec, byPID)

	notFound := []struct {
		name string
		call func() error
	}{
		{"UnitByCode", func() error { _, err := s.UnitByCode(ctx, "NOPE"); return err }},
		{"UnitByID", func() error { _, err := s.UnitByID(ctx, 9999); return err }},
		{"PersonByLogin", func() error { _, err := s.PersonByLogin(ctx, "nobody"); return err }},
		{"PersonByID", func() error { _, err := s.PersonByID(ctx, 9999); return err }},
		{"PersonAtWithPosition", func() error { _, err := s.PersonAtWithPosition(ctx, t2.ID, "党委书记"); return err }},
		{"PeopleAt", func() error { _, err := s.PeopleAt(ctx, 9999); return err }},
		{"Children", func() error { _, err := s.Children(ctx, 9999); return err }},
		{"Subtree", func() error { _, err := s.Subtree(ctx, 9999); return err }},
	}
	for _, tc := range notFound {
		t.Run(tc.name+" not found", func(t *testing.T) {
			err := tc.call()
			var ae *apperr.Error
			require.True(t, errors.As(err, &ae), "%v", err)
			require.Equal(t, apperr.NotFound, ae.Kind)
			require.ErrorContains(t, err, "org."+tc.name)
			require.Regexp(t, `不存在|没有`, ae.Message)
		})
	}
}

func TestRunLoad(t *testing.T) {
	pool, s := newStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "org.csv")
	require.NoError(t, os.WriteFile(good, []byte("\uFEFF类型,编码,名称,单位类型,上级,登录名,所属单位,角色\n"+
		"单位,C,某某县,县,,,,\n单位,T,城关镇,乡镇,C,,,\n人员,,张三,,,zs,T,乡镇干部、领导\n"), 0o600))
	var out bytes.Buffer
	require.NoError(t, org.RunLoad(ctx, s, good, &out))
	require.Equal(t, "导入完成：新增单位2个，更新单位0个；新增人员1名，更新人员0名\n", out.String())

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("type,code,name,kind,parent\nunit,X,某村,村,NOPE\nunit,Y,某村,星球,C\n"), 0o600))
	out.Reset()
	err := org.RunLoad(ctx, s, bad, &out)
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	require.Contains(t, out.String(), "共有2处错误")
	require.Contains(t, out.String(), "  第2行 parent：上级单位“NOPE”不存在\n")
	require.Contains(t, out.String(), "  第3行 kind：未知的单位类型“星球”")
	requireCounts(t, pool, 2, 1)
}

// A message greets people by name and goes by their channels: Contacts finds them by id
// (unknown ids are left out), StaffAndLeaders finds who receives a unit's bulletins.
func TestContacts(t *testing.T) {
	_, s := countyStore(t)
	ctx := context.Background()
	person := func(login string) org.Person {
		p, err := s.PersonByLogin(ctx, login)
		require.NoError(t, err)
		return p
	}
	zuzhi, zhen, shuji := person("zuzhi"), person("zhen"), person("shuji")
	contact := func(p org.Person) org.Contact {
		return org.Contact{PersonID: p.ID, Name: p.Name, Email: p.Email, Mobile: p.Mobile}
	}

	cs, err := s.Contacts(ctx, []int64{shuji.ID, 999999, zuzhi.ID})
	require.NoError(t, err)
	require.Equal(t, []org.Contact{contact(zuzhi), contact(shuji)}, cs)
	require.Equal(t, "zs@example.cn", cs[0].Email)

	cs, err = s.StaffAndLeaders(ctx, unit(t, s, "C").ID)
	require.NoError(t, err)
	require.Equal(t, []org.Contact{contact(zuzhi)}, cs, "the county's organization staff")
	cs, err = s.StaffAndLeaders(ctx, unit(t, s, "T1").ID)
	require.NoError(t, err)
	require.Equal(t, []org.Contact{contact(zhen)}, cs, "the township's leader")
	cs, err = s.StaffAndLeaders(ctx, unit(t, s, "B111").ID)
	require.NoError(t, err)
	require.Empty(t, cs, "a branch secretary is neither")
}
