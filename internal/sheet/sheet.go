// Package sheet writes tables to .xlsx workbooks in the one look every spreadsheet of
// Rectify shares: a merged title row, a frozen header, set column widths, thin borders,
// light fills (red, yellow, green) for warning lights, and a print setup of A4
// landscape, one page wide, with the header on every page.
//
// Rows are streamed (excelize's StreamWriter) and the workbook is zipped straight to
// the caller's io.Writer, so memory stays flat however many rows there are.
package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"rectify/internal/light"
)

// Kind decides how a column's cells look.
type Kind int

const (
	Center Kind = iota // short text, centred
	Wrap               // long text, wrapped, at the top
	Date               // YYYY-MM-DD text becomes a real date; other text stays as it is
	Fill               // a column to fill in: shaded, header too
	Hidden             // kept for the program (ids), hidden from the reader
)

// Column is one column of a table.
type Column struct {
	Header string
	// HeaderEN is the header of an English table; empty means Header.
	HeaderEN string
	Width    float64
	Kind     Kind
	// Note, when set, is a comment on the header cell.
	Note string
	// Choices, when set, offer a drop-down on the column's data cells; another value
	// gets a warning titled ChoiceTitle saying ChoiceError, not a refusal.
	Choices                  []string
	ChoiceTitle, ChoiceError string
}

// Lit is a cell value shown on its light's fill; a light that does not show leaves the
// cell plain.
type Lit struct {
	Text  string
	Light light.Light
}

// Table describes one sheet.
type Table struct {
	Sheet string
	// Title fills a merged first row; empty leaves it out and the header comes first.
	Title string
	// Subtitle follows the title in small grey type, e.g. the time of generation.
	Subtitle string
	// Columns with no header at all leave the header row out.
	Columns []Column
	// Numbered puts the column 序号 (No.) before Columns, numbering the data rows from 1
	// as every ledger does; Row then takes the values of Columns alone.
	Numbered bool
	// Rows is how many data rows will come, when known: it bounds the filter and the
	// drop-downs of Choices, which Excel keeps outside the streamed rows.
	Rows int
	// Filter puts an auto filter on the header over Rows data rows.
	Filter bool
	// English switches the headers (HeaderEN) and the page footer to English.
	English bool
}

// numberColumn is the first column of a Numbered table.
var numberColumn = Column{Header: "序号", HeaderEN: "No.", Width: 6, Kind: Center}

// columns are all the columns of t, the number column first when it is Numbered.
func (t Table) columns() []Column {
	if !t.Numbered {
		return t.Columns
	}
	return append([]Column{numberColumn}, t.Columns...)
}

// Headers are the header texts of t's columns as written, in Chinese or English as
// t.English says.
func (t Table) Headers() []string {
	cols := t.columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Head(t.English)
	}
	return out
}

// Book is a workbook being written. Close it when done.
type Book struct {
	f    *excelize.File
	st   styles
	n    int          // tables started
	open *TableWriter // the table being streamed, flushed when the next starts
}

// New starts a workbook whose document title is title; created is its creation
// time in the document properties (zero leaves excelize's default).
func New(title string, created time.Time) (_ *Book, err error) {
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	b := &Book{f: f}
	if err := b.makeStyles(); err != nil {
		return nil, fmt.Errorf("sheet.New: %w", err)
	}
	props := &excelize.DocProperties{Title: title, Creator: "Rectify"}
	if !created.IsZero() {
		props.Created = created.Format(time.RFC3339)
	}
	if err := f.SetDocProps(props); err != nil {
		return nil, fmt.Errorf("sheet.New: %w", err)
	}
	return b, nil
}

// Close releases the workbook's temporary files.
func (b *Book) Close() { _ = b.f.Close() }

// TableWriter streams the data rows of one table.
type TableWriter struct {
	b       *Book
	sw      *excelize.StreamWriter
	cols    []Column
	next    int   // row number of the next data row
	rows    int   // data rows written
	numbers []any // the row number and the caller's values, in a Numbered table
	vals    []any
	cells   []excelize.Cell
	flushed bool
}

// Table adds a sheet laid out as t and returns the writer of its data rows. Starting
// a table ends the one before it.
func (b *Book) Table(t Table) (*TableWriter, error) {
	tw, err := b.table(t)
	if err != nil {
		return nil, fmt.Errorf("sheet.Table(%s): %w", t.Sheet, err)
	}
	return tw, nil
}

func (b *Book) table(t Table) (*TableWriter, error) {
	if err := b.flush(); err != nil {
		return nil, err
	}
	f, name := b.f, t.Sheet
	if b.n == 0 {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return nil, err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, err
	}
	b.n++
	numbered := t.Numbered
	t.Columns, t.Numbered = t.columns(), false

	titleRow, headerRow := 0, 0
	if t.Title != "" {
		titleRow = 1
	}
	if hasHeader(t.Columns) {
		headerRow = titleRow + 1
	}
	firstData := max(titleRow, headerRow) + 1

	// Everything stored outside sheetData must be set before the stream writer
	// starts: it writes sheetPr when created and the rest on Flush.
	if err := b.pageSetup(name, headerRow, t.English); err != nil {
		return nil, err
	}
	if err := b.notes(name, t.Columns, headerRow, firstData, t.Rows); err != nil {
		return nil, err
	}
	if t.Filter && headerRow > 0 && t.Rows > 0 {
		ref := cell(1, headerRow) + ":" + cell(len(t.Columns), headerRow+t.Rows)
		if err := f.AutoFilter(name, ref, nil); err != nil {
			return nil, err
		}
	}

	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	tw := &TableWriter{b: b, sw: sw, cols: t.Columns, next: firstData,
		vals: make([]any, len(t.Columns)), cells: make([]excelize.Cell, len(t.Columns))}
	if numbered {
		tw.numbers = make([]any, 0, len(t.Columns))
	}
	b.open = tw
	// Each call moves its column to the front of <cols>, which the stream writer
	// does not sort; Excel wants them ascending, so go from the last column back.
	for i := len(t.Columns) - 1; i >= 0; i-- {
		if t.Columns[i].Kind == Hidden {
			if err := sw.SetColVisible(i+1, i+1, false); err != nil {
				return nil, err
			}
		}
		if w := t.Columns[i].Width; w > 0 {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return nil, err
			}
		}
	}
	if headerRow > 0 {
		if err := sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: headerRow, TopLeftCell: cell(1, firstData), ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: cell(1, firstData), ActiveCell: cell(1, firstData), Pane: "bottomLeft"}},
		}); err != nil {
			return nil, err
		}
	}
	if titleRow > 0 {
		if err := tw.title(t); err != nil {
			return nil, err
		}
	}
	if headerRow > 0 {
		hdr := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			st := b.st.header
			if c.Kind == Fill {
				st = b.st.headerFill
			}
			hdr[i] = excelize.Cell{StyleID: st, Value: c.Head(t.English)}
		}
		if err := sw.SetRow(cell(1, headerRow), hdr, excelize.RowOpts{Height: 30}); err != nil {
			return nil, err
		}
	}
	return tw, nil
}

// title writes the title row, merged across the visible columns.
func (tw *TableWriter) title(t Table) error {
	runs := []excelize.RichTextRun{{Text: t.Title, Font: &excelize.Font{Bold: true, Size: 16, Color: "000000"}}}
	if t.Subtitle != "" {
		runs = append(runs, excelize.RichTextRun{Text: "    " + t.Subtitle, Font: &excelize.Font{Size: 10, Color: "595959"}})
	}
	c := excelize.Cell{StyleID: tw.b.st.title, Value: runs}
	if err := tw.sw.SetRow(cell(1, 1), []any{c}, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	visible := len(t.Columns)
	for visible > 0 && t.Columns[visible-1].Kind == Hidden {
		visible--
	}
	if visible < 2 {
		return nil
	}
	return tw.sw.MergeCell(cell(1, 1), cell(visible, 1))
}

// Head is the column's header in Chinese or, when there is one, in English.
func (c Column) Head(english bool) string {
	if english && c.HeaderEN != "" {
		return c.HeaderEN
	}
	return c.Header
}

func hasHeader(cols []Column) bool {
	for _, c := range cols {
		if c.Header != "" {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// pageSetup prints the sheet on A4 landscape, one page wide, with page numbers and
// the header row on every page.
func (b *Book) pageSetup(sheet string, headerRow int, english bool) error {
	f := b.f
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0),
	}); err != nil {
		return err
	}
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: ptr(0.4), Right: ptr(0.4), Top: ptr(0.5), Bottom: ptr(0.6), Header: ptr(0.3), Footer: ptr(0.3),
	}); err != nil {
		return err
	}
	footer := "&C第 &P 页，共 &N 页"
	if english {
		footer = "&CPage &P of &N"
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer}); err != nil {
		return err
	}
	if headerRow == 0 {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, headerRow, headerRow), Scope: sheet,
	})
}

// notes puts each column's Note on its header and its Choices on its data cells.
func (b *Book) notes(sheet string, cols []Column, headerRow, firstData, rows int) error {
	for i, c := range cols {
		if c.Note != "" && headerRow > 0 {
			if err := b.f.AddComment(sheet, excelize.Comment{
				Author: "Rectify", Cell: cell(i+1, headerRow), Text: c.Note, Width: 220, Height: 80,
			}); err != nil {
				return err
			}
		}
		if len(c.Choices) == 0 || rows == 0 {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = cell(i+1, firstData) + ":" + cell(i+1, firstData+rows-1)
		if err := dv.SetDropList(c.Choices); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, c.ChoiceTitle, c.ChoiceError)
		if err := b.f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// Row writes the next data row, one value per column (missing ones stay blank), the
// number column of a Numbered table left out. An empty string or nil leaves the cell
// blank but styled; a Lit is shown on its fill; in a Date column, YYYY-MM-DD text is
// written as a date. vals may be reused.
func (tw *TableWriter) Row(vals []any) error {
	if tw.numbers != nil {
		tw.numbers = append(append(tw.numbers[:0], tw.rows+1), vals...)
		vals = tw.numbers
	}
	st := &tw.b.st
	c := tw.cells
	for i, col := range tw.cols {
		c[i] = excelize.Cell{}
		switch col.Kind {
		case Wrap:
			c[i].StyleID = st.wrap
		case Fill:
			c[i].StyleID = st.fill
		case Hidden:
		default:
			c[i].StyleID = st.center
		}
		if i >= len(vals) {
			continue
		}
		switch v := vals[i].(type) {
		case string:
			if v == "" {
				break
			}
			c[i].Value = v
			if col.Kind != Date {
				break
			}
			if d, err := time.Parse("2006-01-02", v); err == nil {
				c[i] = excelize.Cell{StyleID: st.date, Value: int(d.Sub(excelEpoch).Hours() / 24)}
			}
		case Lit:
			c[i].StyleID = st.light(v.Light)
			if v.Text != "" {
				c[i].Value = v.Text
			}
		default:
			c[i].Value = v
		}
	}
	for i := range c {
		tw.vals[i] = &c[i]
	}
	if err := tw.sw.SetRow(cell(1, tw.next), tw.vals); err != nil {
		return fmt.Errorf("sheet.Row %d: %w", tw.next, err)
	}
	tw.next++
	tw.rows++
	return nil
}

func (b *Book) flush() error {
	if b.open == nil || b.open.flushed {
		return nil
	}
	b.open.flushed = true
	return b.open.sw.Flush()
}

// WriteTo ends the last table and writes the workbook to w. excelize's own WriteTo
// would build the whole zip in a bytes.Buffer first, so the zip writer it is given
// ignores that buffer and writes straight to w.
func (b *Book) WriteTo(w io.Writer) (int64, error) {
	if err := b.flush(); err != nil {
		return 0, fmt.Errorf("sheet.WriteTo: %w", err)
	}
	cw := &countWriter{w: w}
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(cw) })
	if err := b.f.Write(cw); err != nil {
		return cw.n, fmt.Errorf("sheet.WriteTo: %w", err)
	}
	return cw.n, nil
}

// Bytes ends the last table and returns the workbook.
func (b *Book) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type styles struct {
	title, header, headerFill, center, wrap, date, fill, red, yellow, green int
}

func (st *styles) light(l light.Light) int {
	switch l {
	case light.Red:
		return st.red
	case light.Yellow:
		return st.yellow
	case light.Green:
		return st.green
	}
	return st.center
}

func (b *Book) makeStyles() error {
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	st := &b.st
	defs := []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Fill: fill("D9D9D9"), Alignment: center}},
		{&st.headerFill, excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F4E78"}, Border: border, Fill: fill("BDD7EE"), Alignment: center}},
		{&st.center, excelize.Style{Border: border, Alignment: center}},
		{&st.wrap, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.date, excelize.Style{Border: border, Alignment: center, CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&st.fill, excelize.Style{Border: border, Fill: fill("DDEBF7"), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.red, excelize.Style{Border: border, Alignment: center, Fill: fill("FFC7CE"), Font: &excelize.Font{Bold: true, Color: "9C0006"}}},
		{&st.yellow, excelize.Style{Border: border, Alignment: center, Fill: fill("FFEB9C"), Font: &excelize.Font{Bold: true, Color: "9C5700"}}},
		{&st.green, excelize.Style{Border: border, Alignment: center, Fill: fill("C6EFCE"), Font: &excelize.Font{Bold: true, Color: "006100"}}},
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

// cell names a cell; col and row are always in range here.
func cell(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}
