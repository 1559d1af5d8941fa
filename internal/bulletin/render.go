package bulletin

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"rectify/internal/calendar"
	"rectify/internal/notify"
)

func (b *Bulletin) period() string {
	return b.PeriodStart.In(calendar.Shanghai).Format("2006年1月2日") + "至" + b.PeriodEnd.In(calendar.Shanghai).Format("2006年1月2日")
}

// Title is the bulletin's heading.
func (b *Bulletin) Title() string {
	return fmt.Sprintf("%s整改工作%s（%s）", b.Issuer, KindLabel(b.Kind), b.period())
}

// Message is the bulletin as an email, with its spreadsheet attached.
func (b *Bulletin) Message(xlsx []byte) notify.Message {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n\n", b.Title())
	fmt.Fprintf(&sb, "一、总体情况：本期交办整改事项%d项，销号%d项；累计交办%d项，已销号%d项，销号率%d%%。\n",
		b.IssuedInPeriod, b.ClosedInPeriod, b.Total, b.Closed, pct(b.CloseRate))
	if c := b.Change; c != nil {
		fmt.Fprintf(&sb, "与上期相比：销号%+d项，销号率%+d个百分点，超期事项%+d项。\n", c.ClosedDelta, pct(c.RateDelta), c.OverdueDelta)
	}
	fmt.Fprintf(&sb, "二、超期事项%d项，其中挂牌督办%d项。\n", len(b.Overdue), b.Listed)
	for i, o := range b.Overdue {
		if i == 10 {
			fmt.Fprintf(&sb, "……其余%d项见附件。\n", len(b.Overdue)-10)
			break
		}
		listed := ""
		if o.Listed {
			listed = "（挂牌督办）"
		}
		fmt.Fprintf(&sb, "%d. 【%s】%s，完成时限%s，已超期%d个工作日%s\n", i+1, o.Unit, o.Measure, o.Due, o.DaysOverdue, listed)
	}
	sb.WriteString("三、各单位排名（按销号率、超期事项数）：\n")
	for _, r := range b.Ranking {
		sb.WriteString(r.Sentence + "\n")
	}
	if w := b.WeakBranches; w != nil {
		fmt.Fprintf(&sb, "四、%d年软弱涣散基层党组织整顿：认定%d个，整顿中%d个，已验收销号%d个，出现反弹%d个。\n",
			w.Year, w.Determined, w.InRectification, w.Accepted, w.Relapsed)
	}
	return notify.Message{Subject: "【通报】" + b.Title(), Body: sb.String(),
		Attachments: []notify.Attachment{{Name: "通报.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx}}}
}

// XLSX writes the bulletin as a workbook: 概况, 单位排名, 超期事项.
func (b *Bulletin) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	put := func(sheet string, row int, vals ...any) error {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return f.SetSheetRow(sheet, cell, &vals)
	}
	const s1, s2, s3 = "概况", "单位排名", "超期事项"
	if err := f.SetSheetName("Sheet1", s1); err != nil {
		return nil, err
	}
	rows := [][]any{
		{b.Title()},
		{"本期交办", b.IssuedInPeriod}, {"本期销号", b.ClosedInPeriod},
		{"累计交办（不含撤销）", b.Total}, {"累计销号", b.Closed}, {"销号率", fmt.Sprintf("%d%%", pct(b.CloseRate))},
		{"超期事项", len(b.Overdue)}, {"挂牌督办", b.Listed},
	}
	if c := b.Change; c != nil {
		rows = append(rows, []any{"较上期销号", c.ClosedDelta}, []any{"较上期销号率（百分点）", pct(c.RateDelta)}, []any{"较上期超期事项", c.OverdueDelta})
	}
	if w := b.WeakBranches; w != nil {
		rows = append(rows, []any{fmt.Sprintf("%d年软弱涣散党组织：认定", w.Year), w.Determined}, []any{"整顿中", w.InRectification},
			[]any{"已验收销号", w.Accepted}, []any{"出现反弹", w.Relapsed})
	}
	for i, r := range rows {
		if err := put(s1, i+1, r...); err != nil {
			return nil, err
		}
	}
	_ = f.SetCellStyle(s1, "A1", "A1", bold)
	_ = f.SetColWidth(s1, "A", "A", 28)
	for _, s := range []string{s2, s3} {
		if _, err := f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	if err := put(s2, 1, "名次", "单位", "交办", "已销号", "销号率", "超期", "说明"); err != nil {
		return nil, err
	}
	for i, r := range b.Ranking {
		if err := put(s2, i+2, r.Rank, r.Unit, r.Total, r.Closed, fmt.Sprintf("%d%%", pct(r.Rate)), r.Overdue, r.Sentence); err != nil {
			return nil, err
		}
	}
	if err := put(s3, 1, "序号", "单位", "整改通知", "整改措施", "完成时限", "超期工作日", "挂牌督办"); err != nil {
		return nil, err
	}
	for i, o := range b.Overdue {
		listed := ""
		if o.Listed {
			listed = "是"
		}
		if err := put(s3, i+2, i+1, o.Unit, o.Order, o.Measure, o.Due, o.DaysOverdue, listed); err != nil {
			return nil, err
		}
	}
	for _, s := range []string{s2, s3} {
		_ = f.SetCellStyle(s, "A1", "G1", bold)
		_ = f.SetColWidth(s, "B", "D", 24)
		_ = f.SetColWidth(s, "G", "G", 60)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
