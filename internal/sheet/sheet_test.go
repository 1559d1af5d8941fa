package sheet_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/light"
	"rectify/internal/sheet"
	"rectify/internal/testenv"
)

func TestTwoTables(t *testing.T) {
	b, err := sheet.New("测试", time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC))
	require.NoError(t, err)
	defer b.Close()

	one := sheet.Table{Sheet: "一", Title: "标题", Subtitle: "副标题", Rows: 2, Filter: true, Numbered: true, Columns: []sheet.Column{
		{Header: "日期", Width: 12, Kind: sheet.Date}, {Header: "灯", Width: 8},
		{Header: "填写", Width: 20, Kind: sheet.Fill, Note: "请填写", Choices: []string{"是", "否"}},
		{Header: "键", Kind: sheet.Hidden},
	}}
	require.Equal(t, []string{"序号", "日期", "灯", "填写", "键"}, one.Headers())
	require.Equal(t, []string{"No."}, sheet.Table{Numbered: true, English: true}.Headers())
	tw, err := b.Table(one)
	require.NoError(t, err)
	require.NoError(t, tw.Row([]any{"2025-03-31", sheet.Lit{Text: "红", Light: light.Red}, "", "k1"}))
	require.NoError(t, tw.Row([]any{"年底前", sheet.Lit{Text: "绿", Light: light.Green}}))

	tw, err = b.Table(sheet.Table{Sheet: "二", Columns: []sheet.Column{{Width: 20}, {Width: 10}}})
	require.NoError(t, err)
	require.NoError(t, tw.Row([]any{"甲", 3}))

	var buf bytes.Buffer
	n, err := b.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)

	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	require.Equal(t, []string{"一", "二"}, f.GetSheetList())

	rows, err := f.GetRows("一")
	require.NoError(t, err)
	require.Equal(t, "标题    副标题", rows[0][0])
	require.Equal(t, []string{"序号", "日期", "灯", "填写", "键"}, rows[1])
	require.Equal(t, []string{"1", "2025-03-31", "红", "", "k1"}, rows[2])
	require.Equal(t, []string{"2", "年底前", "绿"}, rows[3])
	typ, err := f.GetCellType("一", "B3")
	require.NoError(t, err)
	require.NotEqual(t, excelize.CellTypeInlineString, typ, "a date is a date")

	merged, err := f.GetMergeCells("一")
	require.NoError(t, err)
	require.Len(t, merged, 1)
	require.Equal(t, "D1", merged[0].GetEndAxis(), "the hidden column is left out of the title")
	visible, err := f.GetColVisible("一", "E")
	require.NoError(t, err)
	require.False(t, visible)
	w, err := f.GetColWidth("一", "D")
	require.NoError(t, err)
	require.Equal(t, 20.0, w)

	panes, err := f.GetPanes("一")
	require.NoError(t, err)
	require.True(t, panes.Freeze)
	require.Equal(t, 2, panes.YSplit)
	require.Equal(t, "FFC7CE", testenv.Fill(t, f, "一", "C3"))
	require.Equal(t, "C6EFCE", testenv.Fill(t, f, "一", "C4"))
	require.NotEmpty(t, testenv.Fill(t, f, "一", "D3"), "fill-in column shaded")
	require.NotEqual(t, testenv.Fill(t, f, "一", "A2"), testenv.Fill(t, f, "一", "D2"), "fill-in header stands out")

	comments, err := f.GetComments("一")
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.Equal(t, "D2", comments[0].Cell)
	dvs, err := f.GetDataValidations("一")
	require.NoError(t, err)
	require.Len(t, dvs, 1)
	require.Equal(t, "D3:D4", dvs[0].Sqref)

	var filter bool
	for _, d := range f.GetDefinedName() {
		filter = filter || (d.Name == "_xlnm._FilterDatabase" && d.RefersTo == "'一'!$A$2:$E$4")
	}
	require.True(t, filter, "auto filter over header and rows")

	// No title, no header: the rows start at the top and nothing is frozen.
	rows, err = f.GetRows("二")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"甲", "3"}}, rows)
	panes, err = f.GetPanes("二")
	require.NoError(t, err)
	require.False(t, panes.Freeze)
}
