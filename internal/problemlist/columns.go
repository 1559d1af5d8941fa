package problemlist

import (
	"fmt"
	"strings"
	"unicode"
)

// column is a known column of the problem list.
type column int

const (
	colSeq column = iota
	colProblem
	colCategory
	colSource
	colMeasure
	colCriterion
	colEvidence
	colLead
	colCooperating
	colPrimary
	colDirect
	colHandler
	colDeadline
	colKind
	numColumns
)

// label is the canonical header of a column, used in every message.
func (c column) label() string { return columnLabels[c] }

var columnLabels = [numColumns]string{
	"序号", "问题", "问题类别", "问题来源", "整改措施", "验收标准", "佐证材料",
	"牵头单位", "配合单位", "第一责任人", "直接责任人", "具体责任人", "完成时限", "整改类型",
}

// problemColumn reports whether the column belongs to the problem rather than the measure;
// only those may be merged across rows.
func (c column) problemColumn() bool {
	return c == colSeq || c == colProblem || c == colCategory || c == colSource
}

var requiredColumns = []column{colProblem, colMeasure, colCriterion, colLead, colPrimary, colHandler, colDeadline}

var columnSynonyms = [numColumns][]string{
	colSeq:         {"序号", "编号", "问题序号", "问题编号"},
	colProblem:     {"问题", "问题描述", "存在问题", "具体问题", "问题表现", "问题内容", "反馈问题"},
	colCategory:    {"问题类别", "类别", "问题类型", "问题分类"},
	colSource:      {"问题来源", "来源"},
	colMeasure:     {"整改措施", "整改举措", "措施", "具体措施", "整改措施内容"},
	colCriterion:   {"验收标准", "完成标准", "销号标准", "整改标准", "整改目标"},
	colEvidence:    {"佐证材料", "佐证资料", "佐证", "应提供佐证材料", "整改佐证材料"},
	colLead:        {"牵头单位", "责任单位", "牵头部门", "责任部门"},
	colCooperating: {"配合单位", "协同单位", "配合部门", "协办单位"},
	colPrimary:     {"第一责任人", "主要负责人"},
	colDirect:      {"直接责任人", "分管负责人", "分管领导"},
	colHandler:     {"具体责任人", "经办人", "具体负责人", "具体经办人"},
	colDeadline:    {"完成时限", "时限", "整改时限", "完成时间", "整改期限", "完成期限"},
	colKind:        {"整改类型", "类型", "整改方式"},
}

var headerIndex = func() map[string]column {
	m := map[string]column{}
	for c, names := range columnSynonyms {
		for _, n := range names {
			if _, dup := m[n]; dup {
				panic("problemlist: synonym " + n + " listed twice")
			}
			m[n] = column(c)
		}
	}
	return m
}()

// normalizeHeader strips what people add around a column name: whitespace of any width,
// required-marks, bracketed notes and a trailing colon.
func normalizeHeader(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '（' || r == '【' || r == '[':
			depth++
		case r == ')' || r == '）' || r == '】' || r == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0, unicode.IsSpace(r), r == '*', r == '＊', r == '\u200b', r == '\ufeff':
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimRight(b.String(), ":：")
}

// header is the located header row: idx[c] is the 0-based cell index of column c, or -1.
type header struct {
	line  int
	idx   [numColumns]int
	byCol map[int]column // cell index -> column
}

type rawRow struct {
	line  int
	cells []string
}

func matchHeader(r rawRow) (h header, found int, dups []string) {
	h.line = r.line
	for i := range h.idx {
		h.idx[i] = -1
	}
	h.byCol = map[int]column{}
	for i, cell := range r.cells {
		c, ok := headerIndex[normalizeHeader(cell)]
		if !ok {
			continue
		}
		if prev := h.idx[c]; prev >= 0 {
			dups = append(dups, fmt.Sprintf("“%s”列重复（第%s列和第%s列）", c.label(), colName(prev), colName(i)))
			continue
		}
		h.idx[c] = i
		h.byCol[i] = c
		found++
	}
	return h, found, dups
}

// findHeader picks, among the first rows, the one naming the most known columns.
func findHeader(rows []rawRow, e *errs) (header, bool) {
	best, bestFound, bestRow := header{}, 0, -1
	var bestDups []string
	for i, r := range rows {
		h, found, dups := matchHeader(r)
		if found > bestFound {
			best, bestFound, bestRow, bestDups = h, found, i, dups
		}
	}
	if bestRow < 0 || bestFound < 2 {
		for _, c := range requiredColumns {
			e.addf("表头 "+c.label(), "未找到表头：前%d行中没有“%s”列（可用列名：%s）",
				headerSearchRows, c.label(), strings.Join(columnSynonyms[c], "、"))
		}
		return header{}, false
	}
	for _, d := range bestDups {
		e.addf(fmt.Sprintf("第%d行 表头", best.line), "第%d行 表头：%s", best.line, d)
	}
	for _, c := range requiredColumns {
		if best.idx[c] < 0 {
			e.addf("表头 "+c.label(), "缺少必填列“%s”（表头在第%d行；可用列名：%s）",
				c.label(), best.line, strings.Join(columnSynonyms[c], "、"))
		}
	}
	return best, len(e.list) == 0
}

// colName is the spreadsheet letter of a 0-based column index.
func colName(i int) string {
	s := ""
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s
}
