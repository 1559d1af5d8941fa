package problemlist

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apperr"
	"rectify/internal/order"
)

// fakeResolver knows a few units, people (each in one unit) and positions.
type fakeResolver struct {
	units     map[string]string // name -> code
	ambiguous map[string]string // name -> reason
	people    map[string][2]string
	positions []string
	calls     []string
}

func newResolver() *fakeResolver {
	return &fakeResolver{
		units: map[string]string{
			"城关镇": "U01", "城关镇党委": "U01", "东关镇": "U02", "组织部": "D01", "宣传部": "D02",
		},
		ambiguous: map[string]string{"新华村": "有2个同名单位（城关镇新华村、东关镇新华村），请写全称"},
		people: map[string][2]string{ // name -> login, unit code
			"李四": {"lisi", "U01"}, "王五": {"wangwu", "U01"}, "赵六": {"zhaoliu", "U02"},
		},
		positions: []string{"书记", "镇长", "组织委员"},
	}
}

func (f *fakeResolver) Unit(name string) (string, string, bool) {
	f.calls = append(f.calls, "unit:"+name)
	if r, ok := f.ambiguous[name]; ok {
		return "", r, false
	}
	code, ok := f.units[name]
	if !ok {
		return "", "本单位管辖范围内没有名为“" + name + "”的单位", false
	}
	return code, "", true
}

func (f *fakeResolver) Person(name, unit string) (order.PersonRef, string, bool) {
	f.calls = append(f.calls, "person:"+name+"@"+unit)
	for _, p := range f.positions {
		if p == name {
			return order.PersonRef{Position: name}, "", true
		}
	}
	p, ok := f.people[name]
	if !ok {
		return order.PersonRef{}, "查无此人：" + name, false
	}
	if p[1] != unit {
		return order.PersonRef{}, name + "不在单位" + unit, false
	}
	return order.PersonRef{Login: p[0]}, "", true
}

// sheetSpec describes a test workbook: rows from row 1 and merged ranges.
type sheetSpec struct {
	name   string
	rows   [][]any
	merges [][2]string
}

func buildXLSX(t testing.TB, s sheetSpec) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	name := "Sheet1"
	if s.name != "" {
		require.NoError(t, f.SetSheetName("Sheet1", s.name))
		name = s.name
	}
	for i, r := range s.rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow(name, cell, &r))
	}
	for _, m := range s.merges {
		require.NoError(t, f.MergeCell(name, m[0], m[1]))
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func readBytes(t testing.TB, data []byte, filename string) (*Sheet, error) {
	t.Helper()
	return Read(bytes.NewReader(data), Options{Filename: filename})
}

// invalid asserts err is an apperr Invalid error and returns its fields.
func invalid(t testing.TB, err error) []apperr.FieldError {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.True(t, ok, "not an apperr: %v", err)
	require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
	require.NotEmpty(t, e.Fields)
	return e.Fields
}

// requireField asserts one of fields has exactly this Field and a message containing msg.
func requireField(t testing.TB, fields []apperr.FieldError, field, msg string) {
	t.Helper()
	for _, f := range fields {
		if f.Field == field && strings.Contains(f.Message, msg) {
			return
		}
	}
	t.Fatalf("no error %q containing %q in:\n%s", field, msg, dumpFields(fields))
}

// requireExactly asserts fields are exactly the wanted ones: one for each Field, with a
// message containing the wanted text, and no other; why says what the count shows.
func requireExactly(t testing.TB, fields []apperr.FieldError, why string, want map[string]string) {
	t.Helper()
	for field, msg := range want {
		requireField(t, fields, field, msg)
	}
	require.Len(t, fields, len(want), why+"\n"+dumpFields(fields))
}

// draftRefusals reads an .xlsx sheet that must read, and returns the problems of turning it
// into a draft order, which there must be.
func draftRefusals(t testing.TB, data []byte) []apperr.FieldError {
	t.Helper()
	s, err := readBytes(t, data, "a.xlsx")
	require.NoError(t, err)
	_, err = s.Draft("t", "巡察", newResolver())
	return invalid(t, err)
}

func dumpFields(fields []apperr.FieldError) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "  %s: %s\n", f.Field, f.Message)
	}
	return b.String()
}

// minimalHeader is the canonical header; minimalRow fills it with valid values.
var minimalHeader = []any{"问题", "整改措施", "验收标准", "牵头单位", "第一责任人", "具体责任人", "完成时限"}

func minimalRow(problem, measure, deadline string) []any {
	return []any{problem, measure, "见文件", "城关镇", "书记", "王五", deadline}
}
