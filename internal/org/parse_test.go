package org_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
)

func TestParseCSVWithBOMChineseHeadersAndAliases(t *testing.T) {
	in := "\uFEFF类型,编码,名称,单位类型,上级,登录名,所属单位,角色,职务,邮箱,手机,密码\r\n" +
		"单位,330100,某某县,县区,,,,,,,,\r\n" +
		"\r\n" + // blank lines are skipped but still counted
		"unit,330101,城关镇,乡镇,330100,,,,,,,\r\n" +
		"单位,33010101,东村,村,330101,,,,,,,\r\n" +
		"单位,3301010101,\"东村党支部\",党支部,33010101,,,,,,,\r\n" +
		"人员,,张三,,,zhangsan,330100,组织部干部、领导,科长,zs@example.cn,13800000000,密码 1\r\n" +
		"person,,李四,,,lisi,330101,乡镇干部;支部书记,,,,\r\n"
	tree, err := org.ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []org.UnitRecord{
		{Pos: org.Pos{Line: 2}, Code: "330100", Name: "某某县", Kind: org.KindCounty},
		{Pos: org.Pos{Line: 4}, Code: "330101", Name: "城关镇", Kind: org.KindTownship, Parent: "330100"},
		{Pos: org.Pos{Line: 5}, Code: "33010101", Name: "东村", Kind: org.KindVillage, Parent: "330101"},
		{Pos: org.Pos{Line: 6}, Code: "3301010101", Name: "东村党支部", Kind: org.KindBranch, Parent: "33010101"},
	}, tree.Units)
	require.Equal(t, []org.PersonRecord{
		{Pos: org.Pos{Line: 7}, Login: "zhangsan", Name: "张三", Unit: "330100",
			Roles: []role.Role{role.OrgStaff, role.Leader}, Position: "科长", Email: "zs@example.cn",
			Mobile: "13800000000", Password: "密码 1"},
		{Pos: org.Pos{Line: 8}, Login: "lisi", Name: "李四", Unit: "330101",
			Roles: []role.Role{role.TownshipOfficial, role.BranchSecretary}},
	}, tree.People)
}

func TestParseCSVWithoutOptionalColumns(t *testing.T) {
	in := "name,type,code\n某某县,unit,c\n"
	tree, err := org.ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []org.UnitRecord{{Pos: org.Pos{Line: 2}, Code: "c", Name: "某某县"}}, tree.Units)
}

func TestParseJSON(t *testing.T) {
	in := `{
  "units": [
    {"code": 330100, "name": "某某县", "kind": "县"},
    {"code": "330101", "name": "城关镇", "kind": "township", "parent": "330100"}
  ],
  "people": [
    {"login": "zhangsan", "name": "张三", "unit": "330100", "roles": ["组织部干部", "leader"],
     "position": "科长", "email": "zs@example.cn", "mobile": 13800000000, "password": "pw"},
    {"login": "lisi", "name": "李四", "unit": "330101", "roles": "乡镇干部、支部书记"}
  ]
}`
	tree, err := org.ParseJSON(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, []org.UnitRecord{
		{Pos: org.Pos{Line: 1, Array: "units"}, Code: "330100", Name: "某某县", Kind: org.KindCounty},
		{Pos: org.Pos{Line: 2, Array: "units"}, Code: "330101", Name: "城关镇", Kind: org.KindTownship, Parent: "330100"},
	}, tree.Units)
	require.Equal(t, []org.PersonRecord{
		{Pos: org.Pos{Line: 1, Array: "people"}, Login: "zhangsan", Name: "张三", Unit: "330100",
			Roles: []role.Role{role.OrgStaff, role.Leader}, Position: "科长", Email: "zs@example.cn",
			Mobile: "13800000000", Password: "pw"},
		{Pos: org.Pos{Line: 2, Array: "people"}, Login: "lisi", Name: "李四", Unit: "330101",
			Roles: []role.Role{role.TownshipOfficial, role.BranchSecretary}},
	}, tree.People)
	require.Equal(t, "units[2].parent", tree.Units[1].Field("parent"))
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, format, in string
		field, msg       string
	}{
		{"csv empty", "csv", "", "第1行", "缺少表头"},
		{"csv missing type column", "csv", "code,name\nc,n\n", "第1行", "缺少列“type”"},
		{"csv unknown column", "csv", "type,code,name,colour\nunit,c,n,red\n", "第1行", "未知的列“colour”"},
		{"csv unknown record type", "csv", "type,code,name\nunit,c,n\nthing,d,n\n", "第3行 type", "未知的记录类型“thing”"},
		{"csv empty record type", "csv", "type,code,name\n,c,n\n", "第2行 type", "记录类型不能为空"},
		{"csv bad quote", "csv", "type,code,name\nunit,\"c,n\n", "第2行", "CSV 格式错误"},
		{"csv too many fields", "csv", "type,code,name\nunit,c,n,extra\n", "第2行", "多于表头"},
		{"json syntax", "json", "{\n  \"units\": [\n    {\"code\": \"c\",}\n  ]\n}", "第3行", "JSON 格式错误（第3行"},
		{"json not an object", "json", `[1, 2]`, "file", "顶层应为对象"},
		{"json unknown top key", "json", `{"unit": []}`, "unit", "未知的字段“unit”"},
		{"json unknown record key", "json", `{"units": [{"code": "a", "name": "n", "kind": "county"}, {"code": "b", "colour": "red"}]}`, "units[2].colour", "未知的字段“colour”"},
		{"json record not object", "json", `{"people": [null]}`, "people[1]", "应为对象"},
		{"json roles wrong type", "json", `{"people": [{"login": "a", "roles": {"x": 1}}]}`, "people[1].roles", "应为字符串数组"},
		{"json value wrong type", "json", `{"units": [{"code": true}]}`, "units[1].code", "应为字符串"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parse := org.ParseCSV
			if tc.format == "json" {
				parse = org.ParseJSON
			}
			_, err := parse(strings.NewReader(tc.in))
			requireProblem(t, err, tc.field, tc.msg)
		})
	}
}

func TestParseFileChoosesByExtension(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "org.CSV")
	require.NoError(t, os.WriteFile(csvPath, []byte("type,code,name,kind\nunit,c,县,county\n"), 0o600))
	tree, err := org.ParseFile(csvPath)
	require.NoError(t, err)
	require.Len(t, tree.Units, 1)

	jsonPath := filepath.Join(dir, "org.json")
	require.NoError(t, os.WriteFile(jsonPath, []byte(`{"units":[{"code":"c","name":"县","kind":"county"}]}`), 0o600))
	tree, err = org.ParseFile(jsonPath)
	require.NoError(t, err)
	require.Equal(t, "units", tree.Units[0].Array)

	_, err = org.ParseFile(filepath.Join(dir, "org.xlsx"))
	require.Equal(t, apperr.Invalid, apperr.KindOf(err))
	require.ErrorContains(t, err, "不支持的文件类型")

	_, err = org.ParseFile(filepath.Join(dir, "missing.csv"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestKindAliases(t *testing.T) {
	testenv.RequireParses(t, org.ParseKind, map[string]string{
		"县": org.KindCounty, "县区": org.KindCounty, "乡镇": org.KindTownship, "街道": org.KindStreet,
		"村": org.KindVillage, "社区": org.KindCommunity, "支部": org.KindBranch, "党支部": org.KindBranch,
		"机关": org.KindAgency, "企业": org.KindEnterprise, "学校": org.KindSchool, "省": org.KindProvince,
		"市": org.KindCity, " County ": org.KindCounty,
	}, "部门")
	require.Len(t, org.Kinds(), 11)
}

// requireProblem checks that err is an Invalid apperr.Error, still found through the
// wrapping, listing a problem on field whose message contains msg.
func requireProblem(t *testing.T, err error, field, msg string) {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.True(t, ok, "not an apperr.Error: %v", err)
	require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
	fields := e.Fields
	if len(fields) == 0 {
		fields = []apperr.FieldError{{Field: e.Field, Message: e.Message}}
	}
	for _, f := range fields {
		if f.Field == field && strings.Contains(f.Message, msg) {
			return
		}
	}
	t.Fatalf("no problem %q containing %q in %+v", field, msg, fields)
}
