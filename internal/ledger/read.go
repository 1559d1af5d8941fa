package ledger

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"rectify/internal/apperr"
	"rectify/internal/limits"
)

// ProgressLine is one data row of an uploaded progress sheet.
type ProgressLine struct {
	// Line is the row number as Excel shows it.
	Line     int
	ItemID   string
	Revision int64
	// Progress is 本期进展, trimmed; empty when the unit wrote nothing.
	Progress     string
	RequestClose bool
	CloseNote    string
}

// Limits of an uploaded workbook, checked on the zip directory before excelize
// opens anything.
const (
	DefaultMaxBytes       = 20 << 20
	MaxUncompressed       = 200 << 20
	MaxRatio              = 100
	ratioFloor            = 1 << 20 // entries smaller than this cannot bomb anything
	maxHeaderSearch       = 30      // rows searched for the header
	maxReportedProblems   = 100
	maxZipEntries         = 10000
	fileField             = "file"
	requestCloseFieldName = "申请销号"
)

// ReadProgressSheet reads back a sheet written by WriteProgressSheet, also after a
// person edited it in Excel or WPS. The header row is found by its names, so moved
// columns and a deleted title row do no harm. Every non-blank data row is returned,
// including rows whose 本期进展 is empty. Problems are an *apperr.Error of kind
// Invalid whose fields name row and column (第5行 申请销号). maxBytes <= 0 means
// DefaultMaxBytes.
func ReadProgressSheet(r io.Reader, maxBytes int64) ([]ProgressLine, error) {
	lines, err := readProgressSheet(r, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("ledger.ReadProgressSheet: %w", err)
	}
	return lines, nil
}

func readProgressSheet(r io.Reader, maxBytes int64) ([]ProgressLine, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBytes {
		return nil, apperr.Newf(apperr.Invalid, fileField, "文件超过 %s，请删去无关内容后重新上传", sizeText(maxBytes))
	}
	if err := checkXLSX(data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUncompressed})
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.Invalid, Field: fileField,
			Message: "无法读取该 Excel 文件，请用 Excel 或 WPS 打开后另存为 .xlsx 再上传", Err: err}
	}
	defer func() { _ = f.Close() }()

	for _, sheet := range f.GetSheetList() {
		lines, found, err := readSheet(f, sheet)
		if err != nil {
			return nil, err
		}
		if found {
			return lines, nil
		}
	}
	return nil, apperr.New(apperr.Invalid, fileField,
		"未找到表头行（应有“本期进展”列），请使用系统导出的本期进展填报表填写")
}

// checkXLSX refuses data that is not an .xlsx (zip) workbook, and archives whose
// entries would expand beyond MaxUncompressed in total or MaxRatio:1 each.
func checkXLSX(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return apperr.New(apperr.Invalid, fileField,
			"不支持 .xls 格式或加密的 Excel 文件，请在 Excel/WPS 中另存为 .xlsx（不设密码）后上传")
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return apperr.New(apperr.Invalid, fileField, "文件不是 Excel（.xlsx）文件，请上传系统导出的本期进展填报表")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &apperr.Error{Kind: apperr.Invalid, Field: fileField, Message: "文件已损坏或不是有效的 .xlsx 文件", Err: err}
	}
	if len(zr.File) > maxZipEntries {
		return apperr.New(apperr.Invalid, fileField, "文件内部结构异常（条目过多），已拒绝")
	}
	var total uint64
	for _, e := range zr.File {
		u, c := e.UncompressedSize64, e.CompressedSize64
		total += u
		if total > MaxUncompressed || total < u {
			return apperr.Newf(apperr.Invalid, fileField, "文件解压后超过 %s，已拒绝", sizeText(MaxUncompressed))
		}
		if u >= ratioFloor && (c == 0 || u/c > MaxRatio) {
			return apperr.Newf(apperr.Invalid, fileField, "文件压缩比异常（%s 超过 %d:1），疑为压缩炸弹，已拒绝", e.Name, MaxRatio)
		}
	}
	return nil
}

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// role of a column the reader needs.
type role int

const (
	roleProgress role = iota
	roleRequest
	roleNote
	roleKey
	nRoles
)

var roleNames = [nRoles]string{HeaderProgress, requestCloseFieldName, HeaderCloseNote, HeaderKey}

// normHeader folds the ways a header may have been retyped: spaces, line breaks,
// full-width brackets and quotes, case.
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '\n', '\r', '\u3000', '“', '”', '"', '\'', '‘', '’':
			continue
		case '（':
			r = '('
		case '）':
			r = ')'
		case '｜':
			r = '|'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// roleOf tells which needed column a header names.
func roleOf(h string) (role, bool) {
	n := normHeader(h)
	switch {
	case n == "":
		return 0, false
	case n == normHeader(HeaderProgress) || n == normHeader(HeaderProgressEN):
		return roleProgress, true
	case strings.HasPrefix(n, "申请销号") || strings.HasPrefix(n, "requestclosure"):
		return roleRequest, true
	case n == normHeader(HeaderCloseNote) || n == normHeader(HeaderCloseNoteEN):
		return roleNote, true
	case n == normHeader(HeaderKey) || n == normHeader(HeaderKeyEN):
		return roleKey, true
	}
	return 0, false
}

// readSheet reads one sheet; found is false when it has no header row.
func readSheet(f *excelize.File, sheet string) (lines []ProgressLine, found bool, err error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, false, &apperr.Error{Kind: apperr.Invalid, Field: fileField, Message: "无法读取工作表“" + sheet + "”", Err: err}
	}
	defer func() { _ = rows.Close() }()

	var (
		cols     [nRoles]int
		headLine int
		problems []apperr.FieldError
		seen     = map[string]int{}
	)
	add := func(line int, col, msg string) {
		field := fmt.Sprintf("第%d行 %s", line, col)
		problems = append(problems, apperr.FieldError{Field: field, Message: field + "：" + msg})
	}
	line := 0
	for rows.Next() {
		line++
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, false, &apperr.Error{Kind: apperr.Invalid, Field: fileField, Message: "读取表格失败，文件可能已损坏", Err: err}
		}
		if headLine == 0 {
			if line > maxHeaderSearch {
				return nil, false, nil
			}
			for i := range cols {
				cols[i] = -1
			}
			hasProgress := false
			for i, h := range rec {
				if ro, ok := roleOf(h); ok && cols[ro] < 0 {
					cols[ro] = i
					hasProgress = hasProgress || ro == roleProgress
				}
			}
			if !hasProgress {
				continue
			}
			headLine = line
			for ro, i := range cols {
				if i >= 0 {
					continue
				}
				msg := fmt.Sprintf("缺少“%s”列，请重新导出后填写", roleNames[ro])
				if role(ro) == roleKey {
					msg = fmt.Sprintf("缺少隐藏列“%s”（系统用来识别事项，请勿删除），请重新导出后填写", HeaderKey)
				}
				problems = append(problems, apperr.FieldError{Field: fmt.Sprintf("第%d行", line), Message: fmt.Sprintf("第%d行 表头：%s", line, msg)})
			}
			if len(problems) > 0 {
				return nil, true, apperr.InvalidFields(problems)
			}
			continue
		}
		if blank(rec) {
			continue
		}
		get := func(ro role) string {
			if i := cols[ro]; i < len(rec) {
				return clean(rec[i])
			}
			return ""
		}
		pl := ProgressLine{Line: line, Progress: get(roleProgress), CloseNote: get(roleNote)}
		for _, x := range []struct{ header, text string }{{HeaderProgress, pl.Progress}, {HeaderCloseNote, pl.CloseNote}} {
			if n := utf8.RuneCountInString(x.text); n > limits.MaxNote {
				add(line, x.header, fmt.Sprintf("不能超过%d字，现为%d字", limits.MaxNote, n))
			}
		}
		key := get(roleKey)
		id, rev, ok := parseKey(key)
		switch {
		case key == "":
			add(line, HeaderKey, "为空；本行不是系统导出的事项，请勿新增行，也不要清除隐藏列")
		case !ok:
			add(line, HeaderKey, fmt.Sprintf("“%s”格式不正确（应为 事项编号|版本），请勿修改隐藏列", shorten(key)))
		default:
			if prev, dup := seen[id]; dup {
				add(line, HeaderKey, fmt.Sprintf("事项与第%d行重复，请删去重复的行", prev))
			} else {
				seen[id] = line
			}
			pl.ItemID, pl.Revision = id, rev
		}
		switch v := get(roleRequest); strings.ToLower(v) {
		case "是", "yes", "y":
			pl.RequestClose = true
			if pl.CloseNote == "" {
				add(line, HeaderCloseNote, "申请销号时须填写销号说明（整改完成情况、佐证材料）")
			}
		case "", "否", "no", "n":
		default:
			add(line, requestCloseFieldName, fmt.Sprintf("“%s”应填“是”或留空", shorten(v)))
		}
		lines = append(lines, pl)
		if len(problems) >= maxReportedProblems {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, false, &apperr.Error{Kind: apperr.Invalid, Field: fileField, Message: "读取表格失败，文件可能已损坏", Err: err}
	}
	if headLine == 0 {
		return nil, false, nil
	}
	if len(problems) > 0 {
		return nil, true, apperr.InvalidFields(problems)
	}
	return lines, true, nil
}

func parseKey(s string) (id string, rev int64, ok bool) {
	id, r, found := strings.Cut(s, "|")
	id = strings.TrimSpace(id)
	if !found || id == "" || strings.ContainsAny(id, " \t\n|") {
		return "", 0, false
	}
	rev, err := strconv.ParseInt(strings.TrimSpace(r), 10, 64)
	if err != nil || rev < 0 {
		return "", 0, false
	}
	return id, rev, true
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// shorten keeps a quoted cell short in a message: a cell may hold 32,767 characters.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}
