package itemmsg

import (
	"fmt"
	"slices"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
)

// Policy is how an order is supervised (督办规则): when lights turn, who is reminded and
// when, and when overdue work climbs the ladder. Counts are working days.
type Policy struct {
	YellowDays          int   `json:"yellow_days"`           // yellow when this close to the deadline
	RemindBefore        []int `json:"remind_before"`         // reminders this many working days before
	AckWithin           int   `json:"ack_within"`            // remind when not signed for within
	UrgeAfter           int   `json:"urge_after"`            // 催办 to handler and 直接责任人
	EscalateUnitAfter   int   `json:"escalate_unit_after"`   // 督办 to the unit's head (第一责任人)
	EscalateIssuerAfter int   `json:"escalate_issuer_after"` // 督办 to the issuing department
	ListAfter           int   `json:"list_after"`            // 挂牌督办
	// LookBackDays are the calendar days after 销号 when the issuer re-checks (回头看); nil
	// (a policy from before look-backs) means the default, an empty list none.
	LookBackDays   []int `json:"look_back_days"`
	calendar.Hours       // deadlines end at DueTime; messages go out from SendStart until SendEnd
}

// DefaultPolicy is the department default when none is set.
func DefaultPolicy() Policy {
	return Policy{YellowDays: 3, RemindBefore: []int{3, 1}, AckWithin: 1, UrgeAfter: 1,
		EscalateUnitAfter: 3, EscalateIssuerAfter: 5, ListAfter: 10, LookBackDays: DefaultLookBackDays(),
		Hours: calendar.Hours{DueTime: "17:30", SendStart: "08:30", SendEnd: "17:30"}}
}

// DefaultLookBackDays are the re-check days after 销号 when a policy names none.
func DefaultLookBackDays() []int { return []int{30, 60, 90} }

// LookBacks are the policy's re-check days after 销号.
func (p Policy) LookBacks() []int {
	if p.LookBackDays == nil {
		return DefaultLookBackDays()
	}
	return p.LookBackDays
}

// Validate reports every problem with the policy, each naming its field.
func (p Policy) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(f, m string) { errs = append(errs, apperr.FieldError{Field: "policy." + f, Message: m}) }
	if p.YellowDays < 0 || p.YellowDays > 60 {
		add("yellow_days", "黄灯提前量应在0到60个工作日之间")
	}
	for i, d := range p.RemindBefore {
		if d < 0 || d > 60 {
			add(fmt.Sprintf("remind_before[%d]", i), "到期前提醒应在0到60个工作日之间")
		}
	}
	if p.AckWithin < 1 {
		add("ack_within", "签收时限至少1个工作日")
	}
	if p.UrgeAfter < 1 {
		add("urge_after", "催办至少在超期后第1个工作日")
	}
	if p.EscalateUnitAfter < p.UrgeAfter {
		add("escalate_unit_after", "督办责任单位负责人不能早于催办")
	}
	if p.EscalateIssuerAfter < p.EscalateUnitAfter {
		add("escalate_issuer_after", "督办交办部门不能早于督办责任单位负责人")
	}
	if p.ListAfter < p.EscalateIssuerAfter {
		add("list_after", "挂牌督办不能早于督办交办部门")
	}
	for i, d := range p.LookBackDays {
		switch {
		case d < 1 || d > 730:
			add(fmt.Sprintf("look_back_days[%d]", i), "回头看应在销号后1到730天之间")
		case i > 0 && d <= p.LookBackDays[i-1]:
			add(fmt.Sprintf("look_back_days[%d]", i), "回头看的天数应从小到大排列且不重复")
		}
	}
	p.Hours.Check(add)
	slices.SortFunc(errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// Rung is a step of reminders and escalation.
type Rung string

// Rungs, in the order they usually come.
const (
	RungNotAcknowledged Rung = "not_acknowledged"   // 未签收提醒
	RungBefore          Rung = "reminder_before"    // 到期提醒
	RungProgressMissing Rung = "progress_missing"   // 进展报送提醒
	RungUrge            Rung = "overdue_urge"       // 催办
	RungUnitHead        Rung = "escalate_unit_head" // 督办（责任单位负责人）
	RungIssuer          Rung = "escalate_issuer"    // 督办（交办部门）
	RungListed          Rung = "listed"             // 挂牌督办
	RungLookBack        Rung = "look_back"          // 回头看提醒 (to the issuer, after 销号)
)

// rungLabels are the rungs as users read them.
var rungLabels = map[Rung]string{
	RungNotAcknowledged: "未签收提醒",
	RungBefore:          "到期提醒",
	RungProgressMissing: "进展报送提醒",
	RungUrge:            "催办",
	RungUnitHead:        "督办（责任单位负责人）",
	RungIssuer:          "督办（交办部门）",
	RungListed:          "挂牌督办",
	RungLookBack:        "回头看提醒",
}

// Label is the rung as users read it.
func (r Rung) Label() string { return label(rungLabels, r) }

// Consolidated rungs are reminders: at most one message per person, channel and working
// day. Escalations go out as they happen.
func (r Rung) Consolidated() bool {
	return r == RungNotAcknowledged || r == RungBefore || r == RungProgressMissing || r == RungUrge || r == RungLookBack
}
