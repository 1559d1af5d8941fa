package weak

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rectify/internal/order"
)

// Ledger sheet names.
const (
	LedgerSheet   = "整顿台账"
	LedgerSheetEN = "Ledger"
)

type ledgerColumn struct {
	zh, en string
	width  float64
	wrap   bool
}

// ledgerColumns are the ledger's columns, in order.
var ledgerColumns = []ledgerColumn{
	{"序号", "No.", 6, false},
	{"村（社区）党组织", "Branch", 20, true},
	{"乡镇", "Township", 14, true},
	{"软弱涣散原因", "Reasons", 40, true},
	{"县级联系领导", "County leader", 12, false},
	{"乡镇包村领导", "Township leader", 12, false},
	{"第一书记", "First secretary", 12, false},
	{"结对帮扶单位", "Paired unit", 20, true},
	{"方案进度", "Plan progress", 10, false},
	{"整顿阶段", "Stage", 16, true},
	{"预警", "Light", 8, false},
	{"月度报告（已报）", "Monthly reports (received)", 12, false},
}

// LedgerHeaders are the ledger's header texts, Chinese or English.
func LedgerHeaders(english bool) []string {
	out := make([]string, len(ledgerColumns))
	for i, c := range ledgerColumns {
		out[i] = c.zh
		if english {
			out[i] = c.en
		}
	}
	return out
}

// Rows of the ledger sheet: a title, the header, then one row per case.
const (
	ledgerTitleRow  = 1
	ledgerHeaderRow = 2
	ledgerFirstRow  = 3
)

// WriteLedger writes the campaign's ledger (台账) of the cases visible in scope as .xlsx to
// w: a title row, a frozen header, one row per case with its reasons, the four ones, plan
// progress (closed/total), stage, light (filled red, yellow or green) and reports received.
func (s *Store) WriteLedger(ctx context.Context, sc order.Scope, campaignID int64, w io.Writer, english bool) (err error) {
	defer wrap(&err, "weak.WriteLedger(%d)", campaignID)
	camp, err := s.Campaign(ctx, sc, campaignID)
	if err != nil {
		return err
	}
	cases, err := s.Cases(ctx, sc, campaignID)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sheet, title := LedgerSheet, camp.Title+"台账"
	if english {
		sheet, title = LedgerSheetEN, fmt.Sprintf("Weak and lax Party branches: rectification ledger %d (%s)", camp.Year, camp.UnitName)
	}
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	st, err := newLedgerStyles(f)
	if err != nil {
		return err
	}
	last := len(ledgerColumns)
	for i, c := range ledgerColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, c.width); err != nil {
			return err
		}
	}
	gen := "生成时间：" + time.Now().In(order.Shanghai).Format("2006-01-02 15:04")
	if english {
		gen = "Generated " + time.Now().In(order.Shanghai).Format("2006-01-02 15:04")
	}
	if err := f.SetCellRichText(sheet, cellName(1, ledgerTitleRow), []excelize.RichTextRun{
		{Text: title, Font: &excelize.Font{Bold: true, Size: 16}},
		{Text: "    " + gen, Font: &excelize.Font{Size: 10, Color: "595959"}},
	}); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, cellName(1, ledgerTitleRow), cellName(last, ledgerTitleRow)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cellName(1, ledgerTitleRow), cellName(last, ledgerTitleRow), st.title); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, ledgerTitleRow, 32); err != nil {
		return err
	}
	headers := LedgerHeaders(english)
	hdr := make([]any, len(headers))
	for i, h := range headers {
		hdr[i] = h
	}
	if err := f.SetSheetRow(sheet, cellName(1, ledgerHeaderRow), &hdr); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cellName(1, ledgerHeaderRow), cellName(last, ledgerHeaderRow), st.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, ledgerHeaderRow, 30); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{
		Freeze: true, YSplit: ledgerHeaderRow, TopLeftCell: cellName(1, ledgerFirstRow), ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}

	for i, c := range cases {
		r := ledgerFirstRow + i
		vals := ledgerRow(i+1, c, english)
		if err := f.SetSheetRow(sheet, cellName(1, r), &vals); err != nil {
			return err
		}
		for j, col := range ledgerColumns {
			style := st.center
			if col.wrap {
				style = st.wrap
			}
			if j == lightColumn {
				style = st.light(c.Light)
			}
			if err := f.SetCellStyle(sheet, cellName(j+1, r), cellName(j+1, r), style); err != nil {
				return err
			}
		}
	}
	if len(cases) > 0 {
		if err := f.AutoFilter(sheet, cellName(1, ledgerHeaderRow)+":"+cellName(last, ledgerHeaderRow+len(cases)), nil); err != nil {
			return err
		}
	}
	_ = f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Rectify"})
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// lightColumn is the index of 预警 in ledgerColumns.
const lightColumn = 10

func ledgerRow(n int, c CaseRow, english bool) []any {
	reasons := make([]string, len(c.Reasons))
	for i, r := range c.Reasons {
		reasons[i] = r.Name
		if r.Note != "" {
			if english {
				reasons[i] += " (" + r.Note + ")"
			} else {
				reasons[i] += "（" + r.Note + "）"
			}
		}
	}
	stage, light := StageLabel(c.Stage), lightLabel(c.Light, english)
	if english {
		stage = StageLabelEN(c.Stage)
	}
	if c.Relapses > 0 {
		if english {
			stage += fmt.Sprintf(" (relapsed %d)", c.Relapses)
		} else {
			stage += fmt.Sprintf("（反弹%d次）", c.Relapses)
		}
	}
	return []any{n, c.BranchName, c.TownshipName, strings.Join(reasons, "\n"), c.CountyLeader, c.TownshipLeader,
		c.FirstSecretary, c.PairedUnit, fmt.Sprintf("%d/%d", c.PlanClosed, c.PlanTotal), stage, light, c.ReportsReceived}
}

func lightLabel(light string, english bool) string {
	zh := map[string]string{LightRed: "红", LightYellow: "黄", LightGreen: "绿", LightNone: "—"}
	if english {
		if light == LightNone {
			return "—"
		}
		return light
	}
	if l, ok := zh[light]; ok {
		return l
	}
	return light
}

type ledgerStyles struct {
	title, header, center, wrap, red, yellow, green int
}

func (st ledgerStyles) light(l string) int {
	switch l {
	case LightRed:
		return st.red
	case LightYellow:
		return st.yellow
	case LightGreen:
		return st.green
	}
	return st.center
}

func newLedgerStyles(f *excelize.File) (ledgerStyles, error) {
	var st ledgerStyles
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	defs := []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("D9D9D9"), Alignment: center}},
		{&st.center, excelize.Style{Border: border, Alignment: center}},
		{&st.wrap, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.red, excelize.Style{Border: border, Alignment: center, Fill: fill("FFC7CE"), Font: &excelize.Font{Bold: true, Color: "9C0006"}}},
		{&st.yellow, excelize.Style{Border: border, Alignment: center, Fill: fill("FFEB9C"), Font: &excelize.Font{Bold: true, Color: "9C5700"}}},
		{&st.green, excelize.Style{Border: border, Alignment: center, Fill: fill("C6EFCE"), Font: &excelize.Font{Bold: true, Color: "006100"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.s)
		if err != nil {
			return st, err
		}
		*d.dst = id
	}
	return st, nil
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func ptr[T any](v T) *T { return &v }
