// Package order holds rectification orders (整改通知) built from the four lists (四张清单):
// problems, measures, responsibilities and deadlines. It validates a draft the way the
// domain demands (实化、细化、量化、具体化: no measure without an owner, a deadline and a
// verifiable criterion), stores it in one transaction, and reads orders back with counts.
package order

import (
	"time"

	_ "time/tzdata" // Asia/Shanghai even where the system has no zoneinfo

	"rectify/workflows/item/itemmsg"
)

// Shanghai is the zone every date in an order is read in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Sources of problems (问题来源), stored as users write them.
var Sources = []string{"巡察", "督查", "调研", "自查", "群众反映"}

var sourceAliases = map[string]string{
	"inspection": "巡察", "supervision": "督查", "research": "调研", "self_check": "自查", "public_report": "群众反映",
}

// Deadline kinds (整改类型).
const (
	Immediate = "immediate" // 立行立改
	ByDate    = "by_date"   // 限期整改
	Ongoing   = "ongoing"   // 长期坚持
)

var deadlineAliases = map[string]string{
	"立行立改": Immediate, "限期整改": ByDate, "长期坚持": Ongoing,
	Immediate: Immediate, ByDate: ByDate, Ongoing: Ongoing,
}

// DeadlineLabel is a deadline kind as users read it.
func DeadlineLabel(kind string) string {
	switch kind {
	case Immediate:
		return "立行立改"
	case ByDate:
		return "限期整改"
	case Ongoing:
		return "长期坚持"
	}
	return kind
}

// Draft is an order as submitted for validation or creation.
type Draft struct {
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	DocNumber string    `json:"doc_number,omitempty"`
	Targets   []string  `json:"targets"` // unit codes in the issuer's subtree
	Problems  []Problem `json:"problems"`
	// Policy overrides the issuing department's supervision policy for this order.
	Policy *itemmsg.Policy `json:"policy,omitempty"`
}

// Problem is one entry of the problem list (问题清单).
type Problem struct {
	Description string    `json:"description"`
	Category    string    `json:"category,omitempty"`
	Severity    string    `json:"severity,omitempty"`
	Measures    []Measure `json:"measures"`
}

// Measure is one entry of the measure list (措施清单) with its responsibility and deadline.
type Measure struct {
	Content          string         `json:"content"`
	Criterion        string         `json:"criterion"` // 验收标准
	EvidenceExpected string         `json:"evidence_expected,omitempty"`
	Responsibility   Responsibility `json:"responsibility"`
	Deadline         Deadline       `json:"deadline"`
}

// Responsibility is one entry of the responsibility list (责任清单). The lead unit (牵头单位)
// is each target unit itself.
type Responsibility struct {
	CooperatingUnits []string  `json:"cooperating_units,omitempty"` // 配合单位, unit codes
	Primary          PersonRef `json:"primary"`                     // 第一责任人
	Direct           PersonRef `json:"direct"`                      // 直接责任人 (optional)
	Handler          PersonRef `json:"handler"`                     // 具体责任人
}

// PersonRef names a person by login, or by position (岗位, e.g. 书记) at each target unit,
// which is how one order reaches the right person in every township.
type PersonRef struct {
	Login    string `json:"login,omitempty"`
	Position string `json:"position,omitempty"`
}

// Empty reports whether the reference names nobody.
func (p PersonRef) Empty() bool { return p.Login == "" && p.Position == "" }

// Deadline is one entry of the deadline list (时限清单).
type Deadline struct {
	Kind string `json:"kind"`
	Due  string `json:"due,omitempty"` // YYYY-MM-DD
	// WorkingDays counts the deadline in working days (工作日) from From: "issue" (交办,
	// the default) or "acknowledge" (签收). Either Due or WorkingDays, not both.
	WorkingDays int      `json:"working_days,omitempty"`
	From        string   `json:"from,omitempty"`
	Checkpoints []string `json:"checkpoints,omitempty"` // YYYY-MM-DD, for 长期坚持
}

// Order is a stored order with what pages show about it.
type Order struct {
	ID           int64           `json:"id"`
	IssuerUnitID int64           `json:"issuer_unit_id"`
	IssuerUnit   string          `json:"issuer_unit"`
	Title        string          `json:"title"`
	Source       string          `json:"source"`
	DocNumber    string          `json:"doc_number,omitempty"`
	Status       string          `json:"status"`
	CreatedAt    time.Time       `json:"created_at"`
	IssuedAt     *time.Time      `json:"issued_at,omitempty"`
	Targets      []Target        `json:"targets,omitempty"`
	Problems     []StoredProblem `json:"problems,omitempty"`
	Counts       map[string]int  `json:"counts"`
	Policy       *itemmsg.Policy `json:"policy,omitempty"`
	Items        int             `json:"items"`
	// Partial is true when the caller does not see the issuing unit and so sees only the
	// targets in their own scope, with those targets' items and counts.
	Partial bool `json:"partial,omitempty"`
}

// Target is a unit an order was issued to.
type Target struct {
	UnitID int64  `json:"unit_id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
}

// StoredProblem is a problem with its measures as stored.
type StoredProblem struct {
	ID          int64           `json:"id"`
	Seq         int             `json:"seq"`
	Description string          `json:"description"`
	Category    string          `json:"category,omitempty"`
	Severity    string          `json:"severity"`
	Measures    []StoredMeasure `json:"measures"`
}

// StoredMeasure is a measure as stored.
type StoredMeasure struct {
	ID               int64          `json:"id"`
	Seq              int            `json:"seq"`
	Content          string         `json:"content"`
	Criterion        string         `json:"criterion"`
	EvidenceExpected string         `json:"evidence_expected,omitempty"`
	Responsibility   Responsibility `json:"responsibility"`
	DeadlineKind     string         `json:"deadline_kind"`
	Due              string         `json:"due,omitempty"`
	WorkingDays      int            `json:"working_days,omitempty"`
	WorkingDaysFrom  string         `json:"working_days_from,omitempty"`
	Checkpoints      []string       `json:"checkpoints,omitempty"`
}
