package weak

import (
	"fmt"
	"slices"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/limits"
	"rectify/workflows/weakcase/weakcasemsg"
)

// PolicyErrors is every problem with a campaign's policy: the workflow's own rules and the
// bounds that keep its working-day and month counts within reach of the calendar.
func PolicyErrors(p weakcasemsg.Policy) []apperr.FieldError {
	var c limits.Check
	c.Errs = p.Validate()
	if p.ReportEscalateAfter > limits.MaxPolicyWorkdays {
		c.Add("policy.report_escalate_after", "逾期督办不能超过%d个工作日，现为%d", limits.MaxPolicyWorkdays, p.ReportEscalateAfter)
	}
	if p.SampleWindowMonths > limits.MaxMonths {
		c.Add("policy.sample_window_months", "抽查期不能超过%d个月，现为%d", limits.MaxMonths, p.SampleWindowMonths)
	}
	c.List("policy.lookback_months", "回头看时点", len(p.LookbackMonths), limits.MaxListItems)
	slices.SortStableFunc(c.Errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return c.Errs
}

// CheckAction bounds the free parts of an action on a case before it becomes a workflow
// payload: texts and the score sheet by size, numbers by range. The workflow's validator
// still decides whether the action is allowed.
func CheckAction(a weakcasemsg.Action) error {
	var c limits.Check
	c.Text("note", "说明", a.Note, limits.MaxNote)
	c.Text("month", "月份", a.Month, limits.MaxName)
	c.Text("role", "四个一角色", a.Role, limits.MaxName)
	c.List("scores", "评分表", len(a.Scores), limits.MaxListItems)
	for i, s := range a.Scores {
		if i >= limits.MaxListItems {
			break
		}
		f := fmt.Sprintf("scores[%d]", i)
		c.Text(f+".item", "评分项", s.Item, limits.MaxName)
		if !(s.Score >= 0 && s.Score <= 100) {
			c.Add(f+".score", "评分应在0到100分之间，现为%g", s.Score)
		}
	}
	c.Range("polled", "测评人数", a.Polled, 0, limits.MaxPolled, "人")
	c.Range("dissatisfied", "不满意人数", a.Dissatisfied, 0, limits.MaxPolled, "人")
	return c.Err()
}

// checkNote bounds a decision's note.
func checkNote(note string) error {
	var c limits.Check
	c.Text("note", "说明", note, limits.MaxNote)
	return c.Err()
}
