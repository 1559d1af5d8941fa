package problemlist

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"rectify/internal/apperr"
)

// Limits of Read.
const (
	// DefaultMaxBytes is the file size limit when Options.MaxBytes is zero.
	DefaultMaxBytes = 20 << 20
	// MaxUncompressed is the largest total uncompressed size of an .xlsx archive.
	MaxUncompressed = 200 << 20
	// MaxRatio is the largest compression ratio of an .xlsx archive entry of at least
	// ratioFloor bytes.
	MaxRatio = 100

	ratioFloor       = 1 << 20
	maxEntries       = 10000
	headerSearchRows = 10
	progressEvery    = 500
)

// Options tells Read what it is reading.
type Options struct {
	// Filename decides the format by its extension: .xlsx or .csv. .xls is refused.
	Filename string
	// MaxBytes limits the file size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Progress, when set, is called with the number of sheet rows read so far (title,
	// header and blank rows included): every 500 rows and once at the end with the total.
	Progress func(rows int)
}

// Row is one measure row of the sheet, every value trimmed but otherwise as written. Problem,
// Category and Source are filled in from merged cells and from the rows above when the row
// continues the previous problem. Deadline holds an Excel date cell as YYYY-MM-DD.
type Row struct {
	Line        int // row number in the sheet (1-based, as Excel shows it)
	Problem     string
	Category    string
	Source      string
	Measure     string
	Criterion   string
	Evidence    string
	Lead        string
	Cooperating string
	Primary     string
	Direct      string
	Handler     string
	Deadline    string
	Kind        string
}

// Sheet is the measure rows read from the first worksheet (or the CSV file).
type Sheet struct {
	Name string
	Rows []Row
}

// Read reads a problem list. Errors about the file or its layout (format, size, zip bomb,
// headers, merged cells) are apperr Invalid errors with one FieldError per problem, each
// Field naming the sheet and place, like "Sheet1!第5行至第7行 整改措施". Other errors are
// I/O errors of r.
func Read(r io.Reader, o Options) (*Sheet, error) {
	ext := strings.ToLower(extension(o.Filename))
	switch ext {
	case ".xlsx", ".csv":
	case ".xls":
		return nil, fileError("旧版.xls格式不支持，请另存为.xlsx")
	case "":
		return nil, fileError("无法识别文件类型，请上传.xlsx或.csv文件")
	default:
		return nil, fileError(fmt.Sprintf("不支持“%s”文件，请上传.xlsx或.csv文件", ext))
	}
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("problemlist: reading upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fileError(fmt.Sprintf("文件超过%s的大小上限", humanSize(limit)))
	}
	if len(data) == 0 {
		return nil, fileError("文件是空的")
	}
	var src *source
	if ext == ".csv" {
		src, err = openCSV(data, o.Filename)
	} else {
		src, err = openXLSX(data)
	}
	if err != nil {
		return nil, err
	}
	defer src.close()
	return readRows(src, o.Progress)
}

func extension(name string) string {
	i := strings.LastIndexAny(name, "./\\")
	if i < 0 || name[i] != '.' {
		return ""
	}
	return name[i:]
}

func baseName(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, extension(name))
}

func humanSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%dMB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%d字节", n)
}

// fileError is an error about the file as a whole.
func fileError(msg string) error {
	return apperr.InvalidFields([]apperr.FieldError{{Field: "file", Message: msg}})
}

func fieldError(field, msg string) apperr.FieldError {
	return apperr.FieldError{Field: field, Message: msg}
}

// errs collects field errors of one sheet.
type errs struct {
	sheet string
	list  []apperr.FieldError
}

func (e *errs) addf(where, format string, args ...any) {
	e.list = append(e.list, apperr.FieldError{Field: e.sheet + "!" + where, Message: fmt.Sprintf(format, args...)})
}

// cell adds an error about one cell; the message starts with its place, like
// "第7行 完成时限：".
func (e *errs) cell(line int, c column, format string, args ...any) {
	where := fmt.Sprintf("第%d行 %s", line, c.label())
	e.addf(where, "%s：%s", where, fmt.Sprintf(format, args...))
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return apperr.InvalidFields(e.list)
}

// source is an open sheet: rows one by one, plus what the format knows about them.
type source struct {
	name string
	// next returns the next row and its 1-based line, or io.EOF.
	next   func() (int, []string, error)
	merges []mergeRange
	// excelDates says numbers in 完成时限 are Excel date serials.
	excelDates bool
	date1904   bool
	close      func()
}

// mergeRange is a merged cell range, 1-based rows and 0-based columns, inclusive.
type mergeRange struct {
	ref            string
	r1, c1, r2, c2 int
}

// fill carries a merged problem cell's value down its range.
type fill struct {
	col    column
	r1, r2 int
}

type reader struct {
	src      *source
	h        header
	e        errs
	fills    map[int][]fill // by first row
	active   map[column]activeFill
	rows     []Row
	progress func(int)
	reported int
	last     int // line of the last row read
}

type activeFill struct {
	end   int
	value string
}

func readRows(src *source, progress func(int)) (*Sheet, error) {
	rd := &reader{src: src, e: errs{sheet: src.name}, progress: progress, active: map[column]activeFill{}}
	var head []rawRow
	for len(head) < headerSearchRows {
		line, cells, ok, err := rd.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		head = append(head, rawRow{line, cells})
		if line > headerSearchRows {
			// rows beyond the search window (after a gap) are data, not header candidates
			break
		}
	}
	candidates := head
	for len(candidates) > 0 && candidates[len(candidates)-1].line > headerSearchRows {
		candidates = candidates[:len(candidates)-1]
	}
	h, ok := findHeader(candidates, &rd.e)
	if !ok {
		return nil, rd.e.err()
	}
	rd.h = h
	rd.checkMerges()
	if err := rd.e.err(); err != nil {
		return nil, err
	}
	for _, r := range head {
		if r.line > h.line {
			rd.row(r.line, r.cells)
		}
	}
	for {
		line, cells, ok, err := rd.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		rd.row(line, cells)
	}
	if err := rd.e.err(); err != nil {
		return nil, err
	}
	if len(rd.rows) == 0 {
		rd.e.addf(fmt.Sprintf("第%d行 表头", h.line), "表头（第%d行）之下没有问题和整改措施", h.line)
		return nil, rd.e.err()
	}
	if progress != nil && rd.last != rd.reported {
		progress(rd.last)
	}
	return &Sheet{Name: src.name, Rows: rd.rows}, nil
}

// next reads the next row, noting its line for the progress; ok is false at the end.
func (rd *reader) next() (line int, cells []string, ok bool, err error) {
	line, cells, err = rd.src.next()
	if err == io.EOF {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, err
	}
	rd.last = line
	rd.tick(line)
	return line, cells, true, nil
}

func (rd *reader) tick(line int) {
	if rd.progress != nil && line/progressEvery > rd.reported/progressEvery {
		rd.reported = line
		rd.progress(line)
	}
}

// checkMerges refuses merged ranges that would hide what row a value belongs to, and
// records the problem-column merges whose value fills their range.
func (rd *reader) checkMerges() {
	hl := rd.h.line
	rd.fills = map[int][]fill{}
	for _, m := range rd.src.merges {
		where := fmt.Sprintf("第%d行至第%d行", m.r1, m.r2)
		var cols []column
		for c := m.c1; c <= m.c2; c++ {
			if col, ok := rd.h.byCol[c]; ok {
				cols = append(cols, col)
			}
		}
		label := m.ref
		if len(cols) > 0 {
			label = cols[0].label()
		}
		switch {
		case m.r2 < hl || m.r1 == m.r2:
			// above the header (a title), or within one row: harmless
		case m.r1 <= hl:
			rd.e.addf(where+" "+label, "%s %s：合并单元格（%s）跨越了表头（第%d行），请取消合并", where, label, m.ref, hl)
		default:
			bad := false
			for _, c := range cols {
				if !c.problemColumn() {
					bad = true
					rd.e.addf(where+" "+c.label(), "%s %s：合并单元格只能用于问题列（序号、问题、问题类别、问题来源），整改措施、责任和时限须逐行填写，请取消合并（%s）",
						where, c.label(), m.ref)
				}
			}
			switch {
			case bad:
			case len(cols) > 1:
				rd.e.addf(where+" "+label, "%s %s：合并单元格不能跨越多列（%s），请取消合并", where, label, m.ref)
			case len(cols) == 1:
				rd.fills[m.r1] = append(rd.fills[m.r1], fill{cols[0], m.r1, m.r2})
			}
		}
	}
}

// clean trims spaces of any width, including full-width and no-break spaces.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' })
}

func (rd *reader) row(line int, cells []string) {
	var v [numColumns]string
	for c := range numColumns {
		if i := rd.h.idx[c]; i >= 0 && i < len(cells) {
			v[c] = clean(cells[i])
		}
	}
	for _, f := range rd.fills[line] {
		rd.active[f.col] = activeFill{end: f.r2, value: v[f.col]}
	}
	for c, a := range rd.active {
		if line > a.end {
			delete(rd.active, c)
			continue
		}
		v[c] = a.value
	}
	blank := true
	for c := colProblem; c < numColumns; c++ {
		if c != colCategory && c != colSource && v[c] != "" {
			blank = false
			break
		}
	}
	if blank {
		return
	}
	if rd.src.excelDates {
		v[colDeadline] = excelDate(v[colDeadline], rd.src.date1904)
	}
	r := Row{
		Line: line, Problem: v[colProblem], Category: v[colCategory], Source: v[colSource],
		Measure: v[colMeasure], Criterion: v[colCriterion], Evidence: v[colEvidence],
		Lead: v[colLead], Cooperating: v[colCooperating],
		Primary: v[colPrimary], Direct: v[colDirect], Handler: v[colHandler],
		Deadline: v[colDeadline], Kind: v[colKind],
	}
	if n := len(rd.rows); n > 0 {
		prev := rd.rows[n-1]
		if r.Problem == "" {
			r.Problem = prev.Problem
		}
		if r.Problem == prev.Problem {
			if r.Category == "" {
				r.Category = prev.Category
			}
			if r.Source == "" {
				r.Source = prev.Source
			}
		}
	}
	rd.rows = append(rd.rows, r)
}

// excelDate turns an Excel date serial (a number between the years 2000 and 2100) into
// YYYY-MM-DD; anything else is returned unchanged.
func excelDate(s string, date1904 bool) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	lo, hi := 36526.0, 73051.0 // 2000-01-01, 2100-01-01 in the 1900 system
	if date1904 {
		lo, hi = lo-1462, hi-1462
	}
	if f < lo || f >= hi {
		return s
	}
	t, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02")
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

func isOLE(data []byte) bool { return bytes.HasPrefix(data, oleMagic) }
