package problemlist

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/order"
)

// Resolver finds the units and people a sheet names, within the issuer's subtree.
type Resolver interface {
	// Unit finds a unit by name within the issuer's subtree; ok false when unknown or
	// ambiguous (say which in reason).
	Unit(name string) (code string, reason string, ok bool)
	// Person finds a person by name (or recognizes a position) for the given unit code;
	// returns a PersonRef.
	Person(name, unitCode string) (ref order.PersonRef, reason string, ok bool)
}

// Draft turns the rows into an order draft: consecutive rows with the same 问题 become one
// problem, each row one measure. All rows must name the same set of lead units (牵头单位),
// which become the draft's Targets; see the package documentation for why. title and
// source are the order's; source may be empty when the sheet's 问题来源 column gives it.
// Every error is reported, each naming sheet, row and column; the draft is returned only
// when there are none.
func (s *Sheet) Draft(title, source string, res Resolver) (order.Draft, error) {
	c := &converter{e: errs{sheet: s.Name}, res: res, units: map[string]unitResult{}, people: map[[2]string]personResult{}}
	d := order.Draft{Title: strings.TrimSpace(title)}

	source = strings.TrimSpace(source)
	if a, ok := sourceAliases[source]; ok {
		source = a
	}
	if source != "" && !slices.Contains(order.Sources, source) {
		c.e.list = append(c.e.list, fieldError("source", fmt.Sprintf("问题来源“%s”无效，应为%s之一", source, strings.Join(order.Sources, "、"))))
		source = ""
	}
	callerSource := source
	anySource := false
	sourceLine := 0

	var targets []string // lead codes of the first row whose leads all resolved
	targetsLine := 0
	var targetsText string

	if len(s.Rows) == 0 {
		c.e.addf("问题", "没有可导入的问题和整改措施")
	}
	var cur *order.Problem
	curCategoryLine := 0
	for i, r := range s.Rows {
		// problem
		if r.Problem == "" {
			c.e.cell(r.Line, colProblem, "不能为空")
		}
		if cur == nil || i == 0 || r.Problem != s.Rows[i-1].Problem {
			d.Problems = append(d.Problems, order.Problem{Description: r.Problem, Category: r.Category})
			cur = &d.Problems[len(d.Problems)-1]
			curCategoryLine = r.Line
		} else if r.Category != "" {
			switch {
			case cur.Category == "":
				cur.Category, curCategoryLine = r.Category, r.Line
			case cur.Category != r.Category:
				c.e.cell(r.Line, colCategory, "“%s”与同一问题第%d行的“%s”不一致", r.Category, curCategoryLine, cur.Category)
			}
		}

		// source
		if r.Source != "" {
			anySource = true
			src := r.Source
			if a, ok := sourceAliases[src]; ok {
				src = a
			}
			switch {
			case !slices.Contains(order.Sources, src):
				c.e.cell(r.Line, colSource, "“%s”无效，应为%s之一", r.Source, strings.Join(order.Sources, "、"))
			case callerSource != "" && src != callerSource:
				c.e.cell(r.Line, colSource, "“%s”与本次导入选择的问题来源“%s”不一致（一份整改通知只有一个问题来源，不同来源的问题请分别导入）", r.Source, callerSource)
			case source == "":
				source, sourceLine = src, r.Line
			case src != source:
				c.e.cell(r.Line, colSource, "“%s”与第%d行的“%s”不一致（一份整改通知只有一个问题来源，不同来源的问题请分别导入）", r.Source, sourceLine, source)
			}
		}

		m := order.Measure{Content: r.Measure, Criterion: r.Criterion, EvidenceExpected: r.Evidence}
		if r.Measure == "" {
			c.e.cell(r.Line, colMeasure, "不能为空")
		}
		if r.Criterion == "" {
			c.e.cell(r.Line, colCriterion, "不能为空：整改措施须可检验、可考核")
		}

		// lead units
		leads, leadsOK := c.unitList(r.Line, colLead, r.Lead)
		if r.Lead == "" {
			c.e.cell(r.Line, colLead, "不能为空")
			leadsOK = false
		}
		if leadsOK {
			if targets == nil {
				targets, targetsLine, targetsText = leads, r.Line, r.Lead
			} else if !sameSet(targets, leads) {
				c.e.cell(r.Line, colLead, "“%s”与第%d行的牵头单位“%s”不同。一份整改通知的每项措施都交办给全部牵头单位，请把牵头单位不同的问题分别导入",
					r.Lead, targetsLine, targetsText)
			}
		}

		// cooperating units
		coop, _ := c.unitList(r.Line, colCooperating, r.Cooperating)
		for _, code := range coop {
			if slices.Contains(leads, code) {
				c.e.cell(r.Line, colCooperating, "“%s”同时是本行的牵头单位", c.unitName(code, r.Cooperating))
			}
		}
		if len(coop) > 0 {
			m.Responsibility.CooperatingUnits = coop
		}

		// people, looked up in the row's first lead unit
		lead := ""
		if leadsOK && len(leads) > 0 {
			lead = leads[0]
		}
		m.Responsibility.Primary = c.person(r.Line, colPrimary, r.Primary, lead, true)
		m.Responsibility.Direct = c.person(r.Line, colDirect, r.Direct, lead, false)
		m.Responsibility.Handler = c.person(r.Line, colHandler, r.Handler, lead, true)

		m.Deadline = c.deadline(r)
		cur.Measures = append(cur.Measures, m)
	}
	if source == "" && callerSource == "" && !anySource {
		c.e.list = append(c.e.list, fieldError("source", "未指定问题来源：请在导入时选择，或在表中填写“问题来源”列"))
	}
	if err := c.e.err(); err != nil {
		return order.Draft{}, err
	}
	d.Source = source
	d.Targets = targets
	return d, nil
}

var sourceAliases = map[string]string{
	"inspection": "巡察", "supervision": "督查", "research": "调研", "self_check": "自查", "public_report": "群众反映",
}

type unitResult struct {
	code, reason string
	ok           bool
}

type personResult struct {
	ref    order.PersonRef
	reason string
	ok     bool
}

// converter resolves names once each, however many rows repeat them.
type converter struct {
	e      errs
	res    Resolver
	units  map[string]unitResult
	people map[[2]string]personResult
}

func (c *converter) unit(name string) unitResult {
	u, ok := c.units[name]
	if !ok {
		u.code, u.reason, u.ok = c.res.Unit(name)
		c.units[name] = u
	}
	return u
}

// unitName finds which name in the cell resolved to code, for messages.
func (c *converter) unitName(code, cell string) string {
	for _, n := range splitList(cell) {
		if u := c.unit(n); u.ok && u.code == code {
			return n
		}
	}
	return code
}

// unitList resolves the units a cell names, distinct, in order; ok is false when any of
// them did not resolve.
func (c *converter) unitList(line int, col column, cell string) ([]string, bool) {
	var codes []string
	ok := true
	for _, n := range splitList(cell) {
		u := c.unit(n)
		if !u.ok {
			ok = false
			c.e.cell(line, col, "“%s”无法识别：%s", n, reasonOr(u.reason, "单位不存在或不在本单位管辖范围内"))
			continue
		}
		if !slices.Contains(codes, u.code) {
			codes = append(codes, u.code)
		}
	}
	return codes, ok
}

func (c *converter) person(line int, col column, name, unit string, required bool) order.PersonRef {
	if name == "" {
		if required {
			c.e.cell(line, col, "不能为空：每项措施都要有明确的责任人")
		}
		return order.PersonRef{}
	}
	if unit == "" {
		return order.PersonRef{} // the lead unit is wrong and already reported
	}
	k := [2]string{name, unit}
	p, ok := c.people[k]
	if !ok {
		p.ref, p.reason, p.ok = c.res.Person(name, unit)
		c.people[k] = p
	}
	if !p.ok {
		c.e.cell(line, col, "“%s”无法识别：%s", name, reasonOr(p.reason, "查无此人，也不是岗位名称"))
		return order.PersonRef{}
	}
	return p.ref
}

func reasonOr(reason, fallback string) string {
	if strings.TrimSpace(reason) == "" {
		return fallback
	}
	return reason
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// splitList splits a cell listing several names or dates.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', '，', ',', ';', '；', '\n', '\r':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if p = clean(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var kinds = map[string]string{
	"": order.ByDate, "立行立改": order.Immediate, "限期整改": order.ByDate, "长期坚持": order.Ongoing,
	order.Immediate: order.Immediate, order.ByDate: order.ByDate, order.Ongoing: order.Ongoing,
}

const dateHint = "应写作2026-12-31、2026/12/31、2026.12.31或2026年12月31日，或者“N个工作日”“签收后N个工作日”"

func (c *converter) deadline(r Row) order.Deadline {
	kind, ok := kinds[strings.Join(strings.Fields(r.Kind), "")]
	if !ok {
		c.e.cell(r.Line, colKind, "“%s”无效，应为立行立改、限期整改或长期坚持", r.Kind)
		return order.Deadline{}
	}
	d := order.Deadline{Kind: kind}
	if r.Deadline == "" {
		c.e.cell(r.Line, colDeadline, "不能为空：%s须有完成时限", order.DeadlineLabel(kind))
		return d
	}
	if kind == order.Ongoing {
		parts := splitList(r.Deadline)
		if len(parts) < 2 {
			c.e.cell(r.Line, colDeadline, "长期坚持的措施须列出两个以上阶段检查日期，用“、”或“；”分隔，如“2026-06-30、2026-12-31”，现为“%s”", r.Deadline)
			return d
		}
		for _, p := range parts {
			day, ok := parseDate(p)
			if !ok {
				c.e.cell(r.Line, colDeadline, "“%s”不是日期，%s", p, dateHint)
				continue
			}
			d.Checkpoints = append(d.Checkpoints, day)
		}
		return d
	}
	if day, ok := parseDate(r.Deadline); ok {
		d.Due = day
		return d
	}
	if n, from, ok := parseWorkingDays(r.Deadline); ok {
		if n < 1 || n > 250 {
			c.e.cell(r.Line, colDeadline, "工作日数应在1到250之间，现为%d", n)
			return d
		}
		d.WorkingDays, d.From = n, from
		return d
	}
	if len(splitList(r.Deadline)) > 1 {
		c.e.cell(r.Line, colDeadline, "“%s”不是日期：多个日期只用于整改类型为“长期坚持”的措施", r.Deadline)
		return d
	}
	c.e.cell(r.Line, colDeadline, "“%s”不是日期，%s", r.Deadline, dateHint)
	return d
}

var (
	cnDate      = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日?$`)
	sepDate     = regexp.MustCompile(`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$`)
	workingDays = regexp.MustCompile(`^(?:(签收|交办|下发)后)?(\d{1,4})个?工作日内?$`)
)

// parseDate reads the date forms of the 完成时限 column as YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	s = clean(halfWidth(s))
	if t := clean(strings.TrimSuffix(strings.TrimSuffix(s, "之前"), "前")); t != "" {
		s = t
	}
	var y, m, d string
	if p := cnDate.FindStringSubmatch(strings.Join(strings.Fields(s), "")); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if p := sepDate.FindStringSubmatch(s); p != nil && p[2] == p[4] {
		y, m, d = p[1], p[3], p[5]
	} else {
		return "", false
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, order.Shanghai)
	if t.Year() != yy || int(t.Month()) != mm || t.Day() != dd {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func parseWorkingDays(s string) (int, string, bool) {
	p := workingDays.FindStringSubmatch(strings.Join(strings.Fields(halfWidth(s)), ""))
	if p == nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(p[2])
	if err != nil {
		return 0, "", false
	}
	from := "issue"
	if p[1] == "签收" {
		from = "acknowledge"
	}
	return n, from, true
}

// halfWidthPunct are the full-width date punctuation and space with their ASCII forms.
var halfWidthPunct = map[rune]rune{'－': '-', '／': '/', '．': '.', '：': ':', '\u3000': ' '}

// halfWidth folds full-width digits and date punctuation to ASCII.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		if h, ok := halfWidthPunct[r]; ok {
			return h
		}
		return r
	}, s)
}
