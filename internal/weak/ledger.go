package weak

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/internal/sheet"
)

// Ledger sheet names.
const (
	LedgerSheet   = "整顿台账"
	LedgerSheetEN = "Ledger"
)

// ledgerColumns are the ledger's columns, in order, after the number column (序号) sheet
// puts first.
var ledgerColumns = []sheet.Column{
	{Header: "村（社区）党组织", HeaderEN: "Branch", Width: 20, Kind: sheet.Wrap},
	{Header: "乡镇", HeaderEN: "Township", Width: 14, Kind: sheet.Wrap},
	{Header: "软弱涣散原因", HeaderEN: "Reasons", Width: 40, Kind: sheet.Wrap},
	{Header: "县级联系领导", HeaderEN: "County leader", Width: 12, Kind: sheet.Center},
	{Header: "乡镇包村领导", HeaderEN: "Township leader", Width: 12, Kind: sheet.Center},
	{Header: "第一书记", HeaderEN: "First secretary", Width: 12, Kind: sheet.Center},
	{Header: "结对帮扶单位", HeaderEN: "Paired unit", Width: 20, Kind: sheet.Wrap},
	{Header: "方案进度", HeaderEN: "Plan progress", Width: 10, Kind: sheet.Center},
	{Header: "整顿阶段", HeaderEN: "Stage", Width: 16, Kind: sheet.Wrap},
	{Header: "预警", HeaderEN: "Light", Width: 8, Kind: sheet.Center},
	{Header: "月度报告（已报）", HeaderEN: "Monthly reports (received)", Width: 12, Kind: sheet.Center},
}

// LedgerHeaders are the ledger's header texts, Chinese or English.
func LedgerHeaders(english bool) []string {
	return sheet.Table{Numbered: true, Columns: ledgerColumns, English: english}.Headers()
}

// WriteLedger writes the campaign's ledger (台账) of the cases visible in scope as .xlsx to
// w: a title row, a frozen header, one row per case with its reasons, the four ones, plan
// progress (closed/total), stage, light (filled red, yellow or green) and reports received.
func (s *Store) WriteLedger(ctx context.Context, sc order.Scope, campaignID int64, w io.Writer, english bool) (err error) {
	defer apperr.Wrap(&err, "weak.WriteLedger(%d)", campaignID)
	camp, err := s.Campaign(ctx, sc, campaignID)
	if err != nil {
		return err
	}
	cases, err := s.Cases(ctx, sc, campaignID)
	if err != nil {
		return err
	}
	now := time.Now().In(order.Shanghai)
	t := sheet.Table{Sheet: LedgerSheet, Title: camp.Title + "台账",
		Subtitle: "生成时间：" + now.Format("2006-01-02 15:04"), Numbered: true, Columns: ledgerColumns, Rows: len(cases), Filter: true, English: english}
	if english {
		t.Sheet, t.Title = LedgerSheetEN, fmt.Sprintf("Weak and lax Party branches: rectification ledger %d (%s)", camp.Year, camp.UnitName)
		t.Subtitle = "Generated " + now.Format("2006-01-02 15:04")
	}
	b, err := sheet.New(t.Title, now)
	if err != nil {
		return err
	}
	defer b.Close()
	tw, err := b.Table(t)
	if err != nil {
		return err
	}
	for _, c := range cases {
		if err := tw.Row(ledgerRow(c, english)); err != nil {
			return err
		}
	}
	_, err = b.WriteTo(w)
	return err
}

func ledgerRow(c CaseRow, english bool) []any {
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
	stage, lit := StageLabel(c.Stage), sheet.Lit{Text: lightLabel(c.Light, english), Light: c.Light}
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
	return []any{c.BranchName, c.TownshipName, strings.Join(reasons, "\n"), c.CountyLeader, c.TownshipLeader,
		c.FirstSecretary, c.PairedUnit, fmt.Sprintf("%d/%d", c.PlanClosed, c.PlanTotal), stage, lit, c.ReportsReceived}
}

// lightLabel is a case's light in the narrow column: 红 (or red in English), a dash for none.
func lightLabel(l light.Light, english bool) string {
	switch {
	case l == light.None:
		return "—"
	case english:
		return string(l)
	}
	return l.Short()
}
