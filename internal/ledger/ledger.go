// Package ledger writes the rectification ledger (整改台账) as an Excel sheet, and the
// progress sheet (本期进展) that a unit fills in offline and uploads again.
//
// Both sheets are written by package sheet, which streams rows straight to the
// caller's io.Writer, so memory stays flat however many rows there are.
package ledger

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"rectify/internal/light"
	"rectify/internal/sheet"
)

// Row is one line of the ledger: one measure at one responsible unit.
type Row struct {
	ItemID, Problem, Measure, Criterion, Unit, Primary, Direct, Handler string
	// Due is YYYY-MM-DD or empty; other text is written as it is.
	Due string
	// DeadlineKind is the label 立行立改, 限期整改 or 长期坚持.
	DeadlineKind string
	// Progress is the latest 整改进展.
	Progress string
	// Status is 完成情况/销号情况, e.g. 已销号, 整改中, 申请销号, 已撤销.
	Status string
	// Light is none for a closed or cancelled item.
	Light       light.Light
	LightReason string
	DaysOverdue int
	// Listed is 挂牌督办.
	Listed   bool
	Revision int64
	// DuplicateEvidence is 佐证重复: the other items whose evidence had the same content, as
	// "m1-u2（某某村）", joined by "；"; empty when none.
	DuplicateEvidence string
}

// Options shape the sheet.
type Options struct {
	// Title goes in the merged title row; empty means 整改台账 (or 本期进展填报表).
	Title string
	// English switches headers and fixed words to English.
	English bool
	// GeneratedAt is printed after the title, in its own location; zero means now.
	GeneratedAt time.Time
}

// Sheet names.
const (
	SheetLedger     = "台账"
	SheetLedgerEN   = "Ledger"
	SheetProgress   = "本期进展"
	SheetProgressEN = "Progress"
)

// Header texts of the progress sheet's own columns, as ReadProgressSheet looks for them.
const (
	HeaderProgress     = "本期进展"
	HeaderRequestClose = "申请销号（填“是”）"
	HeaderCloseNote    = "销号说明"
	HeaderKey          = "事项编号|版本"

	HeaderProgressEN     = "Progress this period"
	HeaderRequestCloseEN = "Request closure (是/Yes)"
	HeaderCloseNoteEN    = "Closure note"
	HeaderKeyEN          = "Item ID|Revision"
)

// ledgerColumns follow the number column (序号) sheet puts first.
var ledgerColumns = []sheet.Column{
	{Header: "问题", HeaderEN: "Problem", Width: 32, Kind: sheet.Wrap},
	{Header: "整改措施", HeaderEN: "Measure", Width: 36, Kind: sheet.Wrap},
	{Header: "验收标准", HeaderEN: "Acceptance criterion", Width: 24, Kind: sheet.Wrap},
	{Header: "责任单位", HeaderEN: "Responsible unit", Width: 16, Kind: sheet.Wrap},
	{Header: "第一责任人", HeaderEN: "Primary", Width: 10, Kind: sheet.Center},
	{Header: "直接责任人", HeaderEN: "Direct", Width: 10, Kind: sheet.Center},
	{Header: "具体责任人", HeaderEN: "Handler", Width: 10, Kind: sheet.Center},
	{Header: "完成时限", HeaderEN: "Deadline", Width: 12, Kind: sheet.Date},
	{Header: "整改类型", HeaderEN: "Kind", Width: 10, Kind: sheet.Center},
	{Header: "整改进展", HeaderEN: "Progress", Width: 36, Kind: sheet.Wrap},
	{Header: "完成情况/销号情况", HeaderEN: "Status", Width: 12, Kind: sheet.Center},
	{Header: "预警", HeaderEN: "Light", Width: 7, Kind: sheet.Center},
	{Header: "预警说明", HeaderEN: "Light reason", Width: 22, Kind: sheet.Wrap},
	{Header: "超期工作日", HeaderEN: "Working days overdue", Width: 9, Kind: sheet.Center},
	{Header: "挂牌督办", HeaderEN: "Listed", Width: 8, Kind: sheet.Center},
}

// duplicateColumn ends the ledger only: the progress sheet goes back to the units, and its
// columns are read back by name.
var duplicateColumn = sheet.Column{Header: "佐证重复", HeaderEN: "Evidence also used for", Width: 20, Kind: sheet.Wrap}

var progressColumns = []sheet.Column{
	{Header: HeaderProgress, HeaderEN: HeaderProgressEN, Width: 40, Kind: sheet.Fill},
	{Header: HeaderRequestClose, HeaderEN: HeaderRequestCloseEN, Width: 12, Kind: sheet.Fill},
	{Header: HeaderCloseNote, HeaderEN: HeaderCloseNoteEN, Width: 30, Kind: sheet.Fill},
	{Header: HeaderKey, HeaderEN: HeaderKeyEN, Width: 16, Kind: sheet.Hidden},
}

// progressNotes are the comments on the progress sheet's own headers, in Chinese and English.
var progressNotes = [2][]string{{
	"请填写本期（上次报送以来）的整改进展；本期无进展可留空。",
	"整改已完成、申请销号的填“是”，否则留空；填“是”时须在“销号说明”中写明完成情况和佐证材料。",
	"申请销号时必填：整改完成情况、佐证材料名称。",
	"系统使用，请勿修改或删除本列。",
}, {
	"Progress since the last report; leave empty if none.",
	"Enter 是 (Yes) to request closure, otherwise leave empty; a closure note is then required.",
	"Required when requesting closure: what was done and the evidence.",
	"Used by the system; do not edit or delete.",
}}

// Write streams the ledger to w, one row per call of next until next reports false.
// It returns the number of data rows written.
func Write(w io.Writer, o Options, next func() (Row, bool, error)) (rows int, err error) {
	b, err := newBook(o, false, 0)
	if err != nil {
		return 0, fmt.Errorf("ledger.Write: %w", err)
	}
	defer b.Close()
	for {
		r, ok, err := next()
		if err != nil {
			return rows, fmt.Errorf("ledger.Write: %w", err)
		}
		if !ok {
			break
		}
		if err := b.addRow(r); err != nil {
			return rows, fmt.Errorf("ledger.Write: row %d: %w", rows+1, err)
		}
		rows++
	}
	if _, err := b.WriteTo(w); err != nil {
		return rows, fmt.Errorf("ledger.Write: %w", err)
	}
	return rows, nil
}

// WriteProgressSheet writes the progress sheet for rows: the ledger columns, then
// 本期进展, 申请销号（填“是”） and 销号说明 to fill in (lightly filled, with a note on
// each header), then a hidden column 事项编号|版本 that ReadProgressSheet needs back.
// Nothing is protected.
func WriteProgressSheet(w io.Writer, o Options, rows []Row) error {
	b, err := newBook(o, true, len(rows))
	if err != nil {
		return fmt.Errorf("ledger.WriteProgressSheet: %w", err)
	}
	defer b.Close()
	for i, r := range rows {
		if err := b.addRow(r); err != nil {
			return fmt.Errorf("ledger.WriteProgressSheet: row %d: %w", i+1, err)
		}
	}
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("ledger.WriteProgressSheet: %w", err)
	}
	return nil
}

type book struct {
	*sheet.Book
	tw       *sheet.TableWriter
	english  bool
	progress bool
	vals     []any // reused row buffer
}

func newBook(o Options, progress bool, nRows int) (_ *book, err error) {
	name, title := SheetLedger, "整改台账"
	switch {
	case progress && o.English:
		name, title = SheetProgressEN, "Progress report"
	case progress:
		name, title = SheetProgress, "本期整改进展填报表"
	case o.English:
		name, title = SheetLedgerEN, "Rectification ledger"
	}
	if o.Title != "" {
		title = o.Title
	}
	gen := o.GeneratedAt
	if gen.IsZero() {
		gen = time.Now()
	}
	genText := "生成时间：" + gen.Format("2006-01-02 15:04")
	if o.English {
		genText = "Generated " + gen.Format("2006-01-02 15:04")
	}
	b := &book{english: o.English, progress: progress}
	t := sheet.Table{Sheet: name, Title: title, Subtitle: genText, Rows: nRows, English: o.English,
		Numbered: true, Columns: append(append([]sheet.Column(nil), ledgerColumns...), duplicateColumn)}
	if progress {
		t.Columns = append(append([]sheet.Column(nil), ledgerColumns...), progressColumns...)
		base, notes := len(ledgerColumns), progressNotes[0]
		if o.English {
			notes = progressNotes[1]
		}
		for i, n := range notes {
			t.Columns[base+i].Note = n
		}
		// A warning, not a block, on 申请销号.
		rc := &t.Columns[base+1]
		rc.Choices, rc.ChoiceTitle, rc.ChoiceError = []string{"是", "否"}, "申请销号", "请填“是”或留空"
	}
	if b.Book, err = sheet.New(title, gen); err != nil {
		return nil, err
	}
	if b.tw, err = b.Table(t); err != nil {
		b.Close()
		return nil, err
	}
	b.vals = make([]any, len(t.Columns))
	return b, nil
}

// lightText is a light that shows on its fill, and nothing for none.
func (b *book) lightText(l light.Light) sheet.Lit {
	if !l.Lit() {
		return sheet.Lit{}
	}
	return sheet.Lit{Text: b.pick(l.Label(), l.English()), Light: l}
}

func (b *book) pick(zh, en string) string {
	if b.english {
		return en
	}
	return zh
}

func (b *book) addRow(r Row) error {
	v := b.vals
	clear(v)
	v[0], v[1], v[2], v[3] = r.Problem, r.Measure, r.Criterion, r.Unit
	v[4], v[5], v[6] = r.Primary, r.Direct, r.Handler
	v[7], v[8], v[9], v[10] = r.Due, r.DeadlineKind, r.Progress, r.Status
	v[11], v[12] = b.lightText(r.Light), r.LightReason
	if r.DaysOverdue > 0 {
		v[13] = r.DaysOverdue
	}
	if r.Listed {
		v[14] = b.pick("是", "Yes")
	}
	if b.progress {
		v[len(ledgerColumns)+3] = r.ItemID + "|" + strconv.FormatInt(r.Revision, 10)
	} else {
		v[len(ledgerColumns)] = r.DuplicateEvidence
	}
	return b.tw.Row(v)
}

// clean trims a cell value read back from a sheet.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
