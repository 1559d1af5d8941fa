package weak

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/order"
	"rectify/internal/sheet"
)

// Ledger sheet names.
const (
	LedgerSheet   = "整顿台账"
	LedgerSheetEN = "Ledger"
)

type ledgerColumn struct {
	zh, en string
	width  float64
	kind   sheet.Kind
}

// ledgerColumns are the ledger's columns, in order.
var ledgerColumns = []ledgerColumn{
	{"序号", "No.", 6, sheet.Center},
	{"村（社区）党组织", "Branch", 20, sheet.Wrap},
	{"乡镇", "Township", 14, sheet.Wrap},
	{"软弱涣散原因", "Reasons", 40, sheet.Wrap},
	{"县级联系领导", "County leader", 12, sheet.Center},
	{"乡镇包村领导", "Township leader", 12, sheet.Center},
	{"第一书记", "First secretary", 12, sheet.Center},
	{"结对帮扶单位", "Paired unit", 20, sheet.Wrap},
	{"方案进度", "Plan progress", 10, sheet.Center},
	{"整顿阶段", "Stage", 16, sheet.Wrap},
	{"预警", "Light", 8, sheet.Center},
	{"月度报告（已报）", "Monthly reports (received)", 12, sheet.Center},
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
		Subtitle: "生成时间：" + now.Format("2006-01-02 15:04"), Rows: len(cases), Filter: true, English: english}
	if english {
		t.Sheet, t.Title = LedgerSheetEN, fmt.Sprintf("Weak and lax Party branches: rectification ledger %d (%s)", camp.Year, camp.UnitName)
		t.Subtitle = "Generated " + now.Format("2006-01-02 15:04")
	}
	headers := LedgerHeaders(english)
	for i, c := range ledgerColumns {
		t.Columns = append(t.Columns, sheet.Column{Header: headers[i], Width: c.width, Kind: c.kind})
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
	for i, c := range cases {
		if err := tw.Row(ledgerRow(i+1, c, english)); err != nil {
			return err
		}
	}
	_, err = b.WriteTo(w)
	return err
}

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
	stage, light := StageLabel(c.Stage), sheet.Lit{Text: lightLabel(c.Light, english), Light: sheetLight(c.Light)}
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

// sheetLight is the fill of a case's light.
func sheetLight(l string) sheet.Light {
	switch l {
	case LightRed:
		return sheet.Red
	case LightYellow:
		return sheet.Yellow
	case LightGreen:
		return sheet.Green
	}
	return sheet.NoLight
}
