package order

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"rectify/internal/apperr"
	"rectify/internal/limits"
	"rectify/workflows/item/itemmsg"
)

// unitInfo and personInfo are the slices of the organization tree validation needs.
type unitInfo struct {
	ID   int64
	Code string
	Name string
	Path string
}

type personInfo struct {
	ID       int64
	Login    string
	UnitID   int64
	Position string
}

// directory is the issuer's subtree: its units and people, loaded once per validation.
type directory struct {
	issuer     unitInfo
	units      map[string]unitInfo // by code
	byLogin    map[string]personInfo
	byPosition map[[2]string]personInfo // (unit id, position) -> first person by id
}

func (d *directory) addPerson(p personInfo) {
	d.byLogin[p.Login] = p
	if p.Position == "" {
		return
	}
	k := [2]string{fmt.Sprint(p.UnitID), p.Position}
	if cur, ok := d.byPosition[k]; !ok || p.ID < cur.ID {
		d.byPosition[k] = p
	}
}

// resolve finds who a reference means at one target unit; 0 when it names nobody.
func (d *directory) resolve(ref PersonRef, target unitInfo) (int64, bool) {
	if ref.Login != "" {
		p, ok := d.byLogin[ref.Login]
		return p.ID, ok
	}
	if ref.Position != "" {
		p, ok := d.byPosition[[2]string{fmt.Sprint(target.ID), ref.Position}]
		return p.ID, ok
	}
	return 0, true
}

// validated is a draft that passed, with its references resolved.
type validated struct {
	draft   Draft
	source  string
	targets []unitInfo
	// cooperating[p][m] holds the unit ids of measure m of problem p.
	cooperating [][][]int64
}

// collector gathers every problem of a draft; its bounds checks are limits.Check's.
type collector struct{ limits.Check }

func (c *collector) add(field, format string, args ...any) { c.Add(field, format, args...) }

// validate checks a draft against the domain rules and the issuer's subtree. Every problem
// is reported, each naming its field.
func validate(d Draft, dir *directory, today time.Time) (*validated, error) {
	c := &collector{}
	v := &validated{draft: d}
	title := strings.TrimSpace(d.Title)
	switch {
	case title == "":
		c.add("title", "标题不能为空")
	case utf8.RuneCountInString(title) > limits.MaxTitle:
		c.add("title", "标题不能超过%d字", limits.MaxTitle)
	}
	c.Text("doc_number", "文号", d.DocNumber, limits.MaxName)
	v.source = strings.TrimSpace(d.Source)
	if a, ok := sourceAliases[v.source]; ok {
		v.source = a
	}
	if v.source == "" {
		c.add("source", "问题来源不能为空，应为%s之一", strings.Join(Sources, "、"))
	} else if !slices.Contains(Sources, v.source) {
		c.add("source", "问题来源“%s”无效，应为%s之一", d.Source, strings.Join(Sources, "、"))
	}
	if len(d.Targets) == 0 {
		c.add("targets", "至少指定一个责任单位")
	}
	c.List("targets", "责任单位", len(d.Targets), limits.MaxTargets)
	seen := map[string]bool{}
	for i, code := range capped(d.Targets, limits.MaxTargets) {
		f := fmt.Sprintf("targets[%d]", i)
		u, ok := dir.units[code]
		switch {
		case seen[code]:
			c.add(f, "责任单位“%s”重复", code)
		case !ok:
			c.add(f, "单位“%s”不存在或不在本单位管辖范围内", code)
		case u.ID == dir.issuer.ID:
			c.add(f, "不能向本单位交办，应交办给下级单位")
		default:
			v.targets = append(v.targets, u)
		}
		seen[code] = true
	}
	if len(d.Problems) == 0 {
		c.add("problems", "问题清单不能为空")
	}
	if d.Policy != nil {
		c.Errs = append(c.Errs, PolicyErrors(*d.Policy)...)
	}
	measures := 0
	for _, p := range d.Problems {
		measures += len(p.Measures)
	}
	c.List("problems", "整改措施（全部问题合计）", measures, limits.MaxDraftMeasures)
	v.cooperating = make([][][]int64, len(d.Problems))
	for pi, p := range d.Problems {
		pf := fmt.Sprintf("problems[%d]", pi)
		if strings.TrimSpace(p.Description) == "" {
			c.add(pf+".description", "问题描述不能为空")
		}
		c.Text(pf+".description", "问题描述", p.Description, limits.MaxNote)
		c.Text(pf+".category", "问题类别", p.Category, limits.MaxName)
		c.Text(pf+".severity", "严重程度", p.Severity, limits.MaxName)
		if len(p.Measures) == 0 {
			c.add(pf+".measures", "每个问题至少要有一项整改措施")
		}
		v.cooperating[pi] = make([][]int64, len(p.Measures))
		for mi, m := range p.Measures {
			mf := fmt.Sprintf("%s.measures[%d]", pf, mi)
			if strings.TrimSpace(m.Content) == "" {
				c.add(mf+".content", "整改措施内容不能为空")
			}
			if strings.TrimSpace(m.Criterion) == "" {
				c.add(mf+".criterion", "验收标准不能为空：整改措施须可检验、可考核")
			}
			c.Text(mf+".content", "整改措施", m.Content, limits.MaxNote)
			c.Text(mf+".criterion", "验收标准", m.Criterion, limits.MaxNote)
			c.Text(mf+".evidence_expected", "佐证材料要求", m.EvidenceExpected, limits.MaxNote)
			v.cooperating[pi][mi] = validateResponsibility(c, mf+".responsibility", m.Responsibility, dir, v.targets)
			validateDeadline(c, mf+".deadline", m.Deadline, today)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

func validateResponsibility(c *collector, f string, r Responsibility, dir *directory, targets []unitInfo) []int64 {
	coop := []int64{}
	c.List(f+".cooperating_units", "配合单位", len(r.CooperatingUnits), limits.MaxListItems)
	for i, code := range capped(r.CooperatingUnits, limits.MaxListItems) {
		u, ok := dir.units[code]
		if !ok {
			c.add(fmt.Sprintf("%s.cooperating_units[%d]", f, i), "配合单位“%s”不存在或不在本单位管辖范围内", code)
			continue
		}
		coop = append(coop, u.ID)
	}
	refs := []struct {
		field, label string
		ref          PersonRef
		required     bool
	}{
		{"primary", "第一责任人", r.Primary, true},
		{"direct", "直接责任人", r.Direct, false},
		{"handler", "具体责任人", r.Handler, true},
	}
	for _, x := range refs {
		rf := f + "." + x.field
		c.Text(rf+".login", x.label+"账号", x.ref.Login, limits.MaxName)
		c.Text(rf+".position", x.label+"岗位", x.ref.Position, limits.MaxName)
		switch {
		case x.ref.Empty() && x.required:
			c.add(rf, "%s不能为空：每项措施都要有明确的责任人", x.label)
			continue
		case x.ref.Empty():
			continue
		case x.ref.Login != "" && x.ref.Position != "":
			c.add(rf, "%s只能按账号或按岗位指定其一", x.label)
			continue
		case x.ref.Login != "":
			if _, ok := dir.byLogin[x.ref.Login]; !ok {
				c.add(rf+".login", "%s“%s”不存在或不在本单位管辖范围内", x.label, x.ref.Login)
			}
			continue
		}
		for _, t := range targets {
			if _, ok := dir.resolve(x.ref, t); !ok {
				c.add(rf+".position", "%s：责任单位“%s”没有岗位为“%s”的人员", x.label, t.Name, x.ref.Position)
			}
		}
	}
	return coop
}

func parseDate(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", strings.TrimSpace(s), Shanghai)
}

func validateDeadline(c *collector, f string, d Deadline, today time.Time) {
	kind, ok := deadlineAliases[strings.TrimSpace(d.Kind)]
	if strings.TrimSpace(d.Kind) == "" {
		c.add(f+".kind", "整改类型不能为空，应为立行立改、限期整改或长期坚持")
		return
	}
	if !ok {
		c.add(f+".kind", "整改类型“%s”无效，应为立行立改、限期整改或长期坚持", d.Kind)
		return
	}
	checkDate := func(field, s string) {
		t, err := parseDate(s)
		if err != nil {
			c.add(field, "“%s”不是日期，应写作2006-01-02的形式", s)
			return
		}
		if t.Before(today) {
			c.add(field, "完成时限%s早于今天", s)
		}
		if last := limits.Horizon(today); t.After(last) {
			c.add(field, "完成时限%s太远，不能晚于%d年后（%s）", strings.TrimSpace(s), limits.MaxHorizonYears, last.Format("2006-01-02"))
		}
	}
	switch kind {
	case Immediate, ByDate:
		due := strings.TrimSpace(d.Due)
		switch {
		case due != "" && d.WorkingDays != 0:
			c.add(f+".working_days", "完成时限只能写日期或工作日数之一")
		case d.WorkingDays < 0 || d.WorkingDays > limits.MaxWorkingDays:
			c.add(f+".working_days", "工作日数应在1到%d之间", limits.MaxWorkingDays)
		case d.WorkingDays > 0:
			if _, ok := fromAliases[strings.TrimSpace(d.From)]; !ok {
				c.add(f+".from", "工作日起算点“%s”无效，应为交办(issue)或签收(acknowledge)", d.From)
			}
		case due == "":
			c.add(f+".due", "%s须有完成时限（日期或工作日数）", DeadlineLabel(kind))
		default:
			checkDate(f+".due", d.Due)
		}
	case Ongoing:
		if len(d.Checkpoints) == 0 {
			c.add(f+".checkpoints", "长期坚持的措施须设定阶段性检查时间")
		}
		c.List(f+".checkpoints", "阶段性检查时间", len(d.Checkpoints), limits.MaxCheckpoints)
		for i, cp := range capped(d.Checkpoints, limits.MaxCheckpoints) {
			checkDate(fmt.Sprintf("%s.checkpoints[%d]", f, i), cp)
		}
		if d.Due != "" {
			checkDate(f+".due", d.Due)
		}
	}
}

var fromAliases = map[string]string{"": "issue", "issue": "issue", "交办": "issue", "acknowledge": "acknowledge", "签收": "acknowledge"}

// normalizedKind maps a validated deadline kind to its stored value.
func normalizedKind(k string) string { return deadlineAliases[strings.TrimSpace(k)] }

// PolicyErrors is every problem with a supervision policy: the workflow's own rules and the
// bounds that keep its working-day counts within reach of the calendar.
func PolicyErrors(p itemmsg.Policy) []apperr.FieldError {
	var c limits.Check
	c.Errs = p.Validate()
	for _, x := range []struct {
		field, label string
		n            int
	}{
		{"ack_within", "签收时限", p.AckWithin},
		{"urge_after", "催办", p.UrgeAfter},
		{"escalate_unit_after", "督办责任单位负责人", p.EscalateUnitAfter},
		{"escalate_issuer_after", "督办交办部门", p.EscalateIssuerAfter},
		{"list_after", "挂牌督办", p.ListAfter},
	} {
		if x.n > limits.MaxPolicyWorkdays {
			c.Add("policy."+x.field, "%s不能超过%d个工作日，现为%d", x.label, limits.MaxPolicyWorkdays, x.n)
		}
	}
	c.List("policy.remind_before", "到期前提醒", len(p.RemindBefore), limits.MaxListItems)
	slices.SortStableFunc(c.Errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return c.Errs
}

// capped is a list to check entry by entry: none of it when it is over its cap (that one
// error says enough, and checking a flood of entries would not be bounded work).
func capped[T any](list []T, max int) []T {
	if len(list) > max {
		return nil
	}
	return list
}
