// Package weakcasemsg holds the messages of the weak-branch case workflow
// (workflows/weakcase): the case's input, state, stages and policy, the actions people take
// on it and their results, and what the workflow asks its activities (activities/weakacts) to
// record and to send. The internal/weak store and the API use them too; the workflow package
// imports its activities, so the messages live here to keep imports acyclic. No I/O here.
package weakcasemsg

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/light"
	"rectify/internal/role"
)

// UpdateCaseAction is the Update through which people act on a case.
const UpdateCaseAction = "case-action"

// WorkflowID names a case's workflow.
func WorkflowID(deployment string, caseID int64) string {
	return deployment + "-weak-case-" + itoa(caseID)
}

// Stage is where a case is.
type Stage string

// Stages.
const (
	Rectifying    Stage = "rectifying"    // 整顿中
	Prechecked    Stage = "prechecked"    // 已初验
	Consolidating Stage = "consolidating" // 已验收销号（巩固期）
	Closed        Stage = "closed"        // 已结案
)

// Label is the stage as users read it.
func (s Stage) Label() string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return string(s)
}

// stageLabels are the stages as users read them.
var stageLabels = map[Stage]string{
	Rectifying:    "整顿中",
	Prechecked:    "已初验",
	Consolidating: "已验收销号（巩固期）",
	Closed:        "已结案",
}

// Kind of action on a case.
type Kind string

// Actions.
const (
	Report      Kind = "report"       // 月度报告
	Precheck    Kind = "precheck"     // 乡镇初验
	Accept      Kind = "accept"       // 县级验收
	Lookback    Kind = "lookback"     // 回头看
	SampleCheck Kind = "sample_check" // 抽查
	Assign      Kind = "assign"       // 调整四个一
)

// Policy is how a case is supervised; counts are working days.
type Policy struct {
	ReportWorkday       int     `json:"report_workday"`        // a month's report is due by this working day of the next month
	ReportEscalateAfter int     `json:"report_escalate_after"` // then escalated to the leaders after this many more
	PassScore           float64 `json:"pass_score"`            // 验收 passes at this score or more
	ConsolidationMonths int     `json:"consolidation_months"`  // after 销号
	LookbackMonths      []int   `json:"lookback_months"`       // 回头看 after 销号
	SampleWindowMonths  int     `json:"sample_window_months"`  // a closed case may still be sampled this long
	calendar.Hours              // deadlines end at DueTime; messages go out from SendStart until SendEnd
}

// DefaultPolicy is the usual practice: reports by the 5th working day, pass at 70, one year
// of consolidation with look-backs at 6 and 12 months.
func DefaultPolicy() Policy {
	return Policy{ReportWorkday: 5, ReportEscalateAfter: 3, PassScore: 70, ConsolidationMonths: 12,
		LookbackMonths: []int{6, 12}, SampleWindowMonths: 12, Hours: calendar.Hours{DueTime: "17:30", SendStart: "08:30", SendEnd: "17:30"}}
}

// FourOnes are the people (and unit) assigned to a case (四个一).
type FourOnes struct {
	CountyLeader   int64 `json:"county_leader"`   // 县级联系领导
	TownshipLeader int64 `json:"township_leader"` // 乡镇包村领导
	FirstSecretary int64 `json:"first_secretary"` // 驻村第一书记
	PairedUnit     int64 `json:"paired_unit"`     // 结对帮扶单位
}

// Actor is who acts, as the API resolved them.
type Actor struct {
	PersonID int64       `json:"person_id"`
	UnitID   int64       `json:"unit_id"`
	Roles    []role.Role `json:"roles"`
}

// ScoreLine is one line of the acceptance score sheet.
type ScoreLine struct {
	Item  string  `json:"item"`
	Score float64 `json:"score"`
}

// Action is the input of UpdateCaseAction.
type Action struct {
	Kind  Kind   `json:"kind"`
	Actor Actor  `json:"actor"`
	Key   string `json:"key,omitempty"` // idempotency key
	Note  string `json:"note,omitempty"`
	// report
	Month string `json:"month,omitempty"` // YYYY-MM
	// precheck, lookback (Pass false = relapse), sample_check
	Pass bool `json:"pass,omitempty"`
	// PlanOpen is how many plan items are still open, as the API read it.
	PlanOpen int `json:"plan_open"`
	// accept
	Scores       []ScoreLine `json:"scores,omitempty"`
	Polled       int         `json:"polled,omitempty"`
	Dissatisfied int         `json:"dissatisfied,omitempty"`
	// assign
	Role     string `json:"role,omitempty"` // county_leader | township_leader | first_secretary | paired_unit
	Assignee int64  `json:"assignee,omitempty"`
}

// Result is the output of UpdateCaseAction.
type Result struct {
	Stage    Stage  `json:"stage"`
	Revision int64  `json:"revision"`
	Outcome  string `json:"outcome"` // what happened, in Chinese
	// Pending: the action took effect but its read-model write missed the action's budget;
	// the workflow records it shortly (已受理，正在记录).
	Pending bool `json:"pending,omitempty"`
	// Fingerprint identifies the request a remembered key answered; it stays in the workflow.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Input starts (or continues) a case's workflow.
type Input struct {
	Deployment     string    `json:"deployment"`
	CaseID         int64     `json:"case_id"`
	BranchUnitID   int64     `json:"branch_unit_id"`
	TownshipUnitID int64     `json:"township_unit_id"`
	CountyUnitID   int64     `json:"county_unit_id"`
	DeterminedAt   time.Time `json:"determined_at"`
	Policy         *Policy   `json:"policy,omitempty"`
	Ones           FourOnes  `json:"ones"`
	Carried        *State    `json:"carried,omitempty"`
}

// State is everything a case remembers, handed from run to run.
type State struct {
	Stage       Stage             `json:"stage"`
	Revision    int64             `json:"revision"`
	Ones        FourOnes          `json:"ones"`
	Reports     []string          `json:"reports"` // months reported, YYYY-MM
	Fired       []string          `json:"fired"`   // reminders sent
	AcceptedAt  time.Time         `json:"accepted_at,omitzero"`
	ClosedAt    time.Time         `json:"closed_at,omitzero"`
	Relapses    int               `json:"relapses"`
	Score       *float64          `json:"score,omitempty"`
	Light       light.Light       `json:"light"`
	LightReason string            `json:"light_reason"`
	Handled     map[string]Result `json:"handled,omitempty"`
	Runs        int               `json:"runs"`
	MaxHistory  int               `json:"max_history"` // the longest history of any run so far
	Calendar    []calendar.Year   `json:"calendar,omitempty"`
}

// Event is one entry of a case's history in the read model.
type Event struct {
	Revision int64          `json:"revision"`
	At       time.Time      `json:"at"`
	ActorID  int64          `json:"actor_id,omitempty"`
	Kind     string         `json:"kind"`
	From     Stage          `json:"from"`
	To       Stage          `json:"to"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// Record is what RecordCase writes: the case's state and its new events.
type Record struct {
	CaseID int64     `json:"case_id"`
	At     time.Time `json:"at"`
	State  State     `json:"state"`
	Events []Event   `json:"events"`
}

// Notice asks NotifyCase to tell people something once.
type Notice struct {
	Key     string    `json:"key"`
	At      time.Time `json:"at"`
	CaseID  int64     `json:"case_id"`
	People  []int64   `json:"people"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Validate reports every problem with a policy, naming the field.
func (p Policy) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(f, m string) { errs = append(errs, apperr.FieldError{Field: "policy." + f, Message: m}) }
	if p.ReportWorkday < 1 || p.ReportWorkday > 20 {
		add("report_workday", "月度报告报送时限应为每月第1至第20个工作日")
	}
	if p.ReportEscalateAfter < 1 {
		add("report_escalate_after", "逾期督办至少在1个工作日后")
	}
	if p.PassScore <= 0 || p.PassScore > 100 {
		add("pass_score", "验收通过分数应在0到100分之间")
	}
	if p.ConsolidationMonths < 1 || p.ConsolidationMonths > 36 {
		add("consolidation_months", "巩固期应为1至36个月")
	}
	for i, m := range p.LookbackMonths {
		if m < 1 || m > p.ConsolidationMonths {
			add("lookback_months["+strconv.Itoa(i)+"]", "回头看时点应在巩固期之内")
		}
	}
	if p.SampleWindowMonths < 0 {
		add("sample_window_months", "抽查期不能为负")
	}
	p.Hours.Check(add)
	slices.SortFunc(errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}
