package bulletin

import (
	"fmt"
	"strings"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/notify"
	"rectify/internal/sheet"
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
		b.IssuedInPeriod, b.ClosedInPeriod, b.Total, b.Closed, Percent(b.CloseRate))
	fmt.Fprintf(&sb, "一次性销号率%d%%（%d/%d项），逾期签收%d项，本期回头看反弹、抽查不合格重新整改%d项。\n",
		Percent(b.FirstTimeRate), b.FirstTime, b.Closed, b.AckLate, b.Reopened)
	if c := b.Change; c != nil {
		fmt.Fprintf(&sb, "与上期相比：销号%+d项，销号率%+d个百分点，超期事项%+d项。\n", c.ClosedDelta, Percent(c.RateDelta), c.OverdueDelta)
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
		fmt.Fprintf(&sb, "%s一次性销号率%d%%，逾期签收%d项，本期重新整改%d项。\n", r.Sentence, Percent(r.FirstTimeRate), r.AckLate, r.Reopened)
	}
	if b.Repeat > 0 {
		fmt.Fprintf(&sb, "屡改屡犯单位%d个：\n", b.Repeat)
		for _, r := range b.Ranking {
			if r.Repeat {
				fmt.Fprintf(&sb, "【%s】%s。\n", r.Unit, r.RepeatWhy)
			}
		}
	}
	if w := b.WeakBranches; w != nil {
		fmt.Fprintf(&sb, "四、%d年软弱涣散基层党组织整顿：认定%d个，整顿中%d个，已验收销号%d个，出现反弹%d个。\n",
			w.Year, w.Determined, w.InRectification, w.Accepted, w.Relapsed)
	}
	return notify.Message{Subject: "【通报】" + b.Title(), Body: sb.String(),
		Attachments: []notify.Attachment{{Name: "通报.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx}}}
}

// XLSX writes the bulletin as a workbook: 概况, 单位排名, 超期事项. The two lists
// have no title row, so that their header is row 1.
func (b *Bulletin) XLSX() ([]byte, error) {
	x, err := b.xlsx()
	if err != nil {
		return nil, fmt.Errorf("bulletin.XLSX: %w", err)
	}
	return x, nil
}

func (b *Bulletin) xlsx() ([]byte, error) {
	book, err := sheet.New(b.Title(), time.Time{})
	if err != nil {
		return nil, err
	}
	defer book.Close()
	rows := [][]any{
		{"本期交办", b.IssuedInPeriod}, {"本期销号", b.ClosedInPeriod},
		{"累计交办（不含撤销）", b.Total}, {"累计销号", b.Closed}, {"销号率", fmt.Sprintf("%d%%", Percent(b.CloseRate))},
		{"超期事项", len(b.Overdue)}, {"挂牌督办", b.Listed},
		{"一次性销号", b.FirstTime}, {"一次性销号率", fmt.Sprintf("%d%%", Percent(b.FirstTimeRate))},
		{"逾期签收", b.AckLate}, {"本期重新整改（回头看反弹、抽查不合格）", b.Reopened}, {"屡改屡犯单位", b.Repeat},
	}
	if c := b.Change; c != nil {
		rows = append(rows, []any{"较上期销号", c.ClosedDelta}, []any{"较上期销号率（百分点）", Percent(c.RateDelta)}, []any{"较上期超期事项", c.OverdueDelta})
	}
	if w := b.WeakBranches; w != nil {
		rows = append(rows, []any{fmt.Sprintf("%d年软弱涣散党组织：认定", w.Year), w.Determined}, []any{"整顿中", w.InRectification},
			[]any{"已验收销号", w.Accepted}, []any{"出现反弹", w.Relapsed})
	}
	summary := sheet.Table{Sheet: "概况", Title: b.Title(), Columns: []sheet.Column{{Width: 28, Kind: sheet.Wrap}, {Width: 12}}}
	if err := table(book, summary, rows); err != nil {
		return nil, err
	}

	rows = nil
	for _, r := range b.Ranking {
		rows = append(rows, []any{r.Rank, r.Unit, r.Total, r.Closed, fmt.Sprintf("%d%%", Percent(r.Rate)), r.Overdue, r.Sentence,
			fmt.Sprintf("%d%%", Percent(r.FirstTimeRate)), r.AckLate, r.Reopened, r.RepeatWhy})
	}
	ranking := sheet.Table{Sheet: "单位排名", Columns: []sheet.Column{
		{Header: "名次", Width: 6}, {Header: "单位", Width: 24, Kind: sheet.Wrap}, {Header: "交办", Width: 8},
		{Header: "已销号", Width: 8}, {Header: "销号率", Width: 8}, {Header: "超期", Width: 8},
		{Header: "说明", Width: 60, Kind: sheet.Wrap},
		{Header: "一次性销号率", Width: 10}, {Header: "逾期签收", Width: 8}, {Header: "本期重新整改", Width: 10},
		{Header: "屡改屡犯", Width: 40, Kind: sheet.Wrap},
	}}
	if err := table(book, ranking, rows); err != nil {
		return nil, err
	}

	rows = nil
	for _, o := range b.Overdue {
		listed := ""
		if o.Listed {
			listed = "是"
		}
		rows = append(rows, []any{o.Unit, o.Order, o.Measure, o.Due, o.DaysOverdue, listed})
	}
	overdue := sheet.Table{Sheet: "超期事项", Numbered: true, Columns: []sheet.Column{
		{Header: "单位", Width: 16, Kind: sheet.Wrap}, {Header: "整改通知", Width: 24, Kind: sheet.Wrap},
		{Header: "整改措施", Width: 36, Kind: sheet.Wrap}, {Header: "完成时限", Width: 12, Kind: sheet.Date},
		{Header: "超期工作日", Width: 10}, {Header: "挂牌督办", Width: 8},
	}}
	if err := table(book, overdue, rows); err != nil {
		return nil, err
	}
	return book.Bytes()
}

// table adds a sheet of rows to book.
func table(book *sheet.Book, t sheet.Table, rows [][]any) error {
	t.Rows = len(rows)
	tw, err := book.Table(t)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := tw.Row(r); err != nil {
			return err
		}
	}
	return nil
}
