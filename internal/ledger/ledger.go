// Package ledger writes the rectification ledger (整改台账) as an Excel sheet, and the
// progress sheet (本期进展) that a unit fills in offline and uploads again.
//
// Both sheets are written with excelize's StreamWriter and a zip writer that goes
// straight to the caller's io.Writer, so memory stays flat however many rows there are.
package ledger

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
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
	// Light is green, yellow, red or none.
	Light       string
	LightReason string
	DaysOverdue int
	// Listed is 挂牌督办.
	Listed   bool
	Revision int64
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

// Light values of Row.Light.
const (
	LightGreen  = "green"
	LightYellow = "yellow"
	LightRed    = "red"
	LightNone   = "none"
)

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

// column kinds decide the cell style.
type colKind int

const (
	kindCenter colKind = iota // short text, centred
	kindWrap                  // long text, wrapped
	kindDate
	kindLight
	kindFill // fill-in column of the progress sheet
	kindKey  // hidden id|revision
)

type column struct {
	zh, en string
	width  float64
	kind   colKind
}

var ledgerColumns = []column{
	{"序号", "No.", 6, kindCenter},
	{"问题", "Problem", 32, kindWrap},
	{"整改措施", "Measure", 36, kindWrap},
	{"验收标准", "Acceptance criterion", 24, kindWrap},
	{"责任单位", "Responsible unit", 16, kindWrap},
	{"第一责任人", "Primary", 10, kindCenter},
	{"直接责任人", "Direct", 10, kindCenter},
	{"具体责任人", "Handler", 10, kindCenter},
	{"完成时限", "Deadline", 12, kindDate},
	{"整改类型", "Kind", 10, kindCenter},
	{"整改进展", "Progress", 36, kindWrap},
	{"完成情况/销号情况", "Status", 12, kindCenter},
	{"预警", "Light", 7, kindLight},
	{"预警说明", "Light reason", 22, kindWrap},
	{"超期工作日", "Working days overdue", 9, kindCenter},
	{"挂牌督办", "Listed", 8, kindCenter},
}

var progressColumns = []column{
	{HeaderProgress, HeaderProgressEN, 40, kindFill},
	{HeaderRequestClose, HeaderRequestCloseEN, 12, kindFill},
	{HeaderCloseNote, HeaderCloseNoteEN, 30, kindFill},
	{HeaderKey, HeaderKeyEN, 16, kindKey},
}

// first data row: row 1 is the title, row 2 the header.
const (
	titleRow  = 1
	headerRow = 2
	firstData = 3
)

// Write streams the ledger to w, one row per call of next until next reports false.
// It returns the number of data rows written.
func Write(w io.Writer, o Options, next func() (Row, bool, error)) (rows int, err error) {
	b, err := newBook(o, false, 0)
	if err != nil {
		return 0, fmt.Errorf("ledger.Write: %w", err)
	}
	defer b.close()
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
	if err := b.finish(w); err != nil {
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
	defer b.close()
	for i, r := range rows {
		if err := b.addRow(r); err != nil {
			return fmt.Errorf("ledger.WriteProgressSheet: row %d: %w", i+1, err)
		}
	}
	if err := b.finish(w); err != nil {
		return fmt.Errorf("ledger.WriteProgressSheet: %w", err)
	}
	return nil
}

type styles struct {
	title, header, headerFill, center, wrap, date, fill, red, yellow, green int
}

type book struct {
	f        *excelize.File
	sw       *excelize.StreamWriter
	st       styles
	cols     []column
	english  bool
	progress bool
	n        int   // data rows written
	vals     []any // reused row buffer
	cells    []excelize.Cell
}

func ptr[T any](v T) *T { return &v }

func newBook(o Options, progress bool, nRows int) (_ *book, err error) {
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	b := &book{f: f, english: o.English, progress: progress}
	b.cols = ledgerColumns
	if progress {
		b.cols = append(append([]column(nil), ledgerColumns...), progressColumns...)
	}
	sheet, title := SheetLedger, "整改台账"
	switch {
	case progress && o.English:
		sheet, title = SheetProgressEN, "Progress report"
	case progress:
		sheet, title = SheetProgress, "本期整改进展填报表"
	case o.English:
		sheet, title = SheetLedgerEN, "Rectification ledger"
	}
	if o.Title != "" {
		title = o.Title
	}
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return nil, err
	}
	if err := b.makeStyles(); err != nil {
		return nil, err
	}
	gen := o.GeneratedAt
	if gen.IsZero() {
		gen = time.Now()
	}
	_ = f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Rectify", Created: gen.Format(time.RFC3339)})

	// Everything stored outside sheetData must be set before the stream writer
	// starts: it writes sheetPr when created and the rest on Flush.
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return nil, err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0),
	}); err != nil {
		return nil, err
	}
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: ptr(0.4), Right: ptr(0.4), Top: ptr(0.5), Bottom: ptr(0.6), Header: ptr(0.3), Footer: ptr(0.3),
	}); err != nil {
		return nil, err
	}
	footer := "&C第 &P 页，共 &N 页"
	if o.English {
		footer = "&CPage &P of &N"
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer}); err != nil {
		return nil, err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, headerRow, headerRow), Scope: sheet,
	}); err != nil {
		return nil, err
	}
	if progress {
		if err := b.addProgressHelp(sheet, nRows); err != nil {
			return nil, err
		}
	}

	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	b.sw = sw
	// Each call moves its column to the front of <cols>, which the stream writer
	// does not sort; Excel wants them ascending, so go from the last column back.
	for i := len(b.cols) - 1; i >= 0; i-- {
		if b.cols[i].kind == kindKey {
			if err := sw.SetColVisible(i+1, i+1, false); err != nil {
				return nil, err
			}
		}
		if err := sw.SetColWidth(i+1, i+1, b.cols[i].width); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: cell(1, firstData), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: cell(1, firstData), ActiveCell: cell(1, firstData), Pane: "bottomLeft"}},
	}); err != nil {
		return nil, err
	}

	// Title row, merged across the visible columns.
	visible := len(b.cols)
	if progress {
		visible-- // the hidden key column
	}
	genText := "生成时间：" + gen.Format("2006-01-02 15:04")
	if o.English {
		genText = "Generated " + gen.Format("2006-01-02 15:04")
	}
	titleCell := excelize.Cell{StyleID: b.st.title, Value: []excelize.RichTextRun{
		{Text: title, Font: &excelize.Font{Bold: true, Size: 16, Color: "000000"}},
		{Text: "    " + genText, Font: &excelize.Font{Size: 10, Color: "595959"}},
	}}
	if err := sw.SetRow(cell(1, titleRow), []any{titleCell}, excelize.RowOpts{Height: 32}); err != nil {
		return nil, err
	}
	if err := sw.MergeCell(cell(1, titleRow), cell(visible, titleRow)); err != nil {
		return nil, err
	}

	hdr := make([]any, len(b.cols))
	for i, c := range b.cols {
		st := b.st.header
		if c.kind == kindFill {
			st = b.st.headerFill
		}
		hdr[i] = excelize.Cell{StyleID: st, Value: b.head(c)}
	}
	if err := sw.SetRow(cell(1, headerRow), hdr, excelize.RowOpts{Height: 30}); err != nil {
		return nil, err
	}
	b.vals = make([]any, len(b.cols))
	b.cells = make([]excelize.Cell, len(b.cols))
	return b, nil
}

func (b *book) head(c column) string {
	if b.english {
		return c.en
	}
	return c.zh
}

// addProgressHelp puts a note on each fill-in header and a 是/否 drop-down (a warning,
// not a block) on 申请销号.
func (b *book) addProgressHelp(sheet string, nRows int) error {
	base := len(ledgerColumns)
	notes := []string{
		"请填写本期（上次报送以来）的整改进展；本期无进展可留空。",
		"整改已完成、申请销号的填“是”，否则留空；填“是”时须在“销号说明”中写明完成情况和佐证材料。",
		"申请销号时必填：整改完成情况、佐证材料名称。",
		"系统使用，请勿修改或删除本列。",
	}
	if b.english {
		notes = []string{
			"Progress since the last report; leave empty if none.",
			"Enter 是 (Yes) to request closure, otherwise leave empty; a closure note is then required.",
			"Required when requesting closure: what was done and the evidence.",
			"Used by the system; do not edit or delete.",
		}
	}
	author := "Rectify"
	for i, n := range notes {
		if err := b.f.AddComment(sheet, excelize.Comment{
			Author: author, Cell: cell(base+i+1, headerRow), Text: n, Width: 220, Height: 80,
		}); err != nil {
			return err
		}
	}
	if nRows == 0 {
		return nil
	}
	dv := excelize.NewDataValidation(true)
	col := base + 2
	dv.Sqref = cell(col, firstData) + ":" + cell(col, firstData+nRows-1)
	if err := dv.SetDropList([]string{"是", "否"}); err != nil {
		return err
	}
	dv.SetError(excelize.DataValidationErrorStyleWarning, "申请销号", "请填“是”或留空")
	return b.f.AddDataValidation(sheet, dv)
}

func (b *book) makeStyles() error {
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
		{&b.st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&b.st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("D9D9D9"), Alignment: center}},
		{&b.st.headerFill, excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F4E78"}, Border: border, Fill: fill("BDD7EE"), Alignment: center}},
		{&b.st.center, excelize.Style{Border: border, Alignment: center}},
		{&b.st.wrap, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&b.st.date, excelize.Style{Border: border, Alignment: center, CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&b.st.fill, excelize.Style{Border: border, Fill: fill("DDEBF7"), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&b.st.red, excelize.Style{Border: border, Alignment: center, Fill: fill("FFC7CE"), Font: &excelize.Font{Bold: true, Color: "9C0006"}}},
		{&b.st.yellow, excelize.Style{Border: border, Alignment: center, Fill: fill("FFEB9C"), Font: &excelize.Font{Bold: true, Color: "9C5700"}}},
		{&b.st.green, excelize.Style{Border: border, Alignment: center, Fill: fill("C6EFCE"), Font: &excelize.Font{Bold: true, Color: "006100"}}},
	}
	for _, d := range defs {
		id, err := b.f.NewStyle(&d.s)
		if err != nil {
			return err
		}
		*d.dst = id
	}
	return nil
}

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (b *book) lightText(l string) (string, int) {
	switch l {
	case LightRed:
		return b.pick("红灯", "Red"), b.st.red
	case LightYellow:
		return b.pick("黄灯", "Yellow"), b.st.yellow
	case LightGreen:
		return b.pick("绿灯", "Green"), b.st.green
	}
	return "", b.st.center
}

func (b *book) pick(zh, en string) string {
	if b.english {
		return en
	}
	return zh
}

func (b *book) addRow(r Row) error {
	b.n++
	c := b.cells
	for i, col := range b.cols {
		switch col.kind {
		case kindWrap:
			c[i] = excelize.Cell{StyleID: b.st.wrap}
		case kindFill:
			c[i] = excelize.Cell{StyleID: b.st.fill}
		default:
			c[i] = excelize.Cell{StyleID: b.st.center}
		}
	}
	c[0].Value = b.n
	text(&c[1], r.Problem)
	text(&c[2], r.Measure)
	text(&c[3], r.Criterion)
	text(&c[4], r.Unit)
	text(&c[5], r.Primary)
	text(&c[6], r.Direct)
	text(&c[7], r.Handler)
	if d, err := time.Parse("2006-01-02", r.Due); err == nil {
		c[8] = excelize.Cell{StyleID: b.st.date, Value: int(d.Sub(excelEpoch).Hours() / 24)}
	} else {
		text(&c[8], r.Due)
	}
	text(&c[9], r.DeadlineKind)
	text(&c[10], r.Progress)
	text(&c[11], r.Status)
	light, style := b.lightText(r.Light)
	text(&c[12], light)
	c[12].StyleID = style
	text(&c[13], r.LightReason)
	if r.DaysOverdue > 0 {
		c[14].Value = r.DaysOverdue
	}
	if r.Listed {
		c[15].Value = b.pick("是", "Yes")
	}
	if b.progress {
		c[len(ledgerColumns)+3] = excelize.Cell{Value: r.ItemID + "|" + strconv.FormatInt(r.Revision, 10)}
	}
	for i := range c {
		b.vals[i] = &c[i]
	}
	return b.sw.SetRow(cell(1, firstData+b.n-1), b.vals)
}

// finish flushes the sheet and writes the workbook straight to w: excelize's
// WriteTo would build the whole zip in a bytes.Buffer first, so the zip writer it
// is given ignores that buffer and writes to w.
func (b *book) finish(w io.Writer) error {
	if err := b.sw.Flush(); err != nil {
		return err
	}
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return b.f.Write(w)
}

func (b *book) close() { _ = b.f.Close() }

// text sets a string value; an empty string leaves the cell valueless (styled only),
// so that Excel sees a blank cell rather than an empty string.
func text(c *excelize.Cell, s string) {
	if s != "" {
		c.Value = s
	}
}

// cell names a cell; col and row are always in range here.
func cell(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// clean trims a cell value read back from a sheet.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
