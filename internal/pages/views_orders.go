package pages

import (
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// The county's order pages (整改通知): the list, one order with its reminder plan before
// issue, the new-order form and the import of a problem list.

// itemStates are the states an order's items are counted in, in lifecycle order.
var itemStates = []itemmsg.State{itemmsg.Issued, itemmsg.Acknowledged, itemmsg.InProgress, itemmsg.CloseRequested,
	itemmsg.Closed, itemmsg.Cancelled}

// ordersView is 整改通知: the orders the person sees, filtered by status, with their items
// by state and 销号率 over all of them.
type ordersView struct {
	Page
	Filters  []stateFilter
	Counts   []stateCount
	Rate     closeRate
	Orders   []orderCard
	CanIssue bool
}

// stateCount is a number of items in one state.
type stateCount struct {
	Label string
	N     int
}

// closeRate is 销号率: items closed out of all items.
type closeRate struct{ Closed, All int }

// Percent is the rate as people read it, or a dash when there are no items yet.
func (r closeRate) Percent() string {
	if r.All == 0 {
		return "—"
	}
	return strconv.Itoa(r.Closed*100/r.All) + "%"
}

func rateOf(counts map[string]int) closeRate {
	r := closeRate{Closed: counts[string(itemmsg.Closed)]}
	for _, n := range counts {
		r.All += n
	}
	return r
}

// stateCounts are counts by state in lifecycle order, leaving out the states with none.
func stateCounts(c *catalog, counts map[string]int) []stateCount {
	var out []stateCount
	for _, s := range itemStates {
		if n := counts[string(s)]; n > 0 {
			out = append(out, stateCount{Label: c.State(string(s)), N: n})
		}
	}
	return out
}

// orderCard is one order on the list.
type orderCard struct {
	order.Order
	Status string
	Date   string
	Rate   closeRate
	Counts []stateCount
}

// orderView is one order: its four lists, its items' states by unit once issued, and for
// a draft its reminder plan and the 下发 button.
type orderView struct {
	Page
	Order    *order.Order
	Status   string
	Created  string
	Issued   string
	Counts   []stateCount
	Rate     closeRate
	Problems []problemView
	// Plan is the reminder plan of a draft its issuer may issue; CanIssue offers 下发.
	Plan     *planView
	CanIssue bool
	// Message is a refusal of 下发.
	Message string
}

type problemView struct {
	Seq                   int
	Description, Category string
	Measures              []measureView
}

type measureView struct {
	Seq                          int
	Content, Criterion, Evidence string
	People                       []personLine
	Deadline                     string
	// Items are the measure's items at each target unit, once issued.
	Items []itemLine
}

type personLine struct{ Role, Who string }

type itemLine struct {
	ID, Unit, State string
	Light           light.Light
	Reason          string
}

// planView is the reminder plan of an order: who gets what, when, if nobody acts.
type planView struct {
	Rules    string
	Warning  string
	Steps    int
	Measures []planMeasure
}

type planMeasure struct {
	Label string
	Steps []planStep
	// Open shows the steps unfolded: a long plan folds each measure's away.
	Open bool
}

// planUnfolded is how many steps of a plan show without unfolding a measure.
const planUnfolded = 40

type planStep struct{ When, Rung, Unit, To string }

// orderFormView is the new-order form (问题 → 措施 → 责任 → 时限), filled with what was
// typed, each refusal beside its field and all of them listed on top.
type orderFormView struct {
	Page
	// Basics are the order's title, source and document number.
	Basics   basics
	Targets  targetChoice
	Problems []problemForm
	// ProblemsErr are refusals of the problem list as a whole (问题清单不能为空).
	ProblemsErr []string
	// Summary lists every refusal with a link to its field; Message is one that belongs to
	// no field; Valid says a check passed.
	Summary []fieldProblem
	Message string
	Valid   bool
}

type basics struct{ Title, Source, DocNumber *formField }

// formField is one input of a form, with what was typed and its refusals.
type formField struct {
	Name, ID, Label string
	// Kind is text, textarea, date, number or select.
	Kind, Value, Hint, Min string
	Required               bool
	Groups                 []optionGroup
	Errs                   []string
}

type optionGroup struct {
	Label   string
	Options []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// targetChoice is the units an order may go to: those directly below the issuer, each with
// the units below it folded away.
type targetChoice struct {
	Name, ID string
	Groups   []targetGroup
	Errs     []string
}

type targetGroup struct {
	Top   targetBox
	Below []targetBox
	// Open unfolds the units below when one of them is chosen.
	Open bool
}

type targetBox struct {
	Code, Name, ID string
	Checked        bool
}

type problemForm struct {
	// N counts from 1 for people; At (0) and ID place it for the buttons that edit it.
	N           int
	Prefix      string
	At, ID      string
	Description *formField
	Measures    []measureForm
	MeasuresErr []string
}

type measureForm struct {
	N                            int
	Prefix                       string
	At, ID                       string
	Content, Criterion, Evidence *formField
	Primary, Direct, Handler     *formField
	Kind, Due, WorkingDays, From *formField
	Checkpoints                  []*formField
	// More unfolds the other ways of writing a deadline when one of them is used.
	More bool
}

// fieldProblem is a refusal in the list on top of a form: where, and why.
type fieldProblem struct {
	ID, Where, Message string
}

// importView is the import of a problem list (问题清单) from Excel or CSV; a sheet that
// cannot be imported shows every place to fix in a table.
type importView struct {
	Page
	// OrderTitle, Source and DocNumber are what was typed, kept after a refusal.
	OrderTitle, Source, DocNumber string
	Sources                       []string
	FileErr, SourceErr            string
	Rows                          []sheetProblem
	Message                       string
}

// sheetProblem is one place to fix in a sheet.
type sheetProblem struct{ Row, Column, Message string }

// sheetProblems spreads an import's refusal over the file, the source and the rows of the
// sheet. A sheet's fields read "Sheet1!第4行 完成时限" and their messages repeat the place
// ("第4行 完成时限：…"), which the table says in its own columns; a draft built from the
// sheet that the order rules refuse names the draft's field instead.
func sheetProblems(c *catalog, err error) (rows []sheetProblem, fileErr, sourceErr, msg string) {
	_, body := apperr.ToBody(err)
	list := body.Error.Fields
	if len(list) == 0 {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	for _, f := range list {
		switch {
		case f.Field == "file":
			fileErr = join(fileErr, f.Message)
		case f.Field == "source":
			sourceErr = join(sourceErr, f.Message)
		case strings.HasPrefix(f.Field, "problems") || f.Field == "title" || f.Field == "targets":
			rows = append(rows, sheetProblem{Row: "—", Column: fieldLabel(c, f.Field), Message: f.Message})
		case strings.Contains(f.Field, "!"):
			_, where, _ := strings.Cut(f.Field, "!")
			p := sheetProblem{Row: "—", Column: where, Message: strings.TrimPrefix(f.Message, where+"：")}
			if i := strings.LastIndex(where, " "); i > 0 {
				p.Row, p.Column = where[:i], where[i+1:]
			}
			rows = append(rows, p)
		default:
			msg = join(msg, f.Message)
		}
	}
	return rows, fileErr, sourceErr, msg
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "；" + b
}

// fieldLabel names a draft's field as people read it: problems[0].measures[1].deadline.due
// is 问题1 措施2 完成时限.
func fieldLabel(c *catalog, field string) string {
	var parts []string
	for _, seg := range strings.Split(field, ".") {
		name, idx, indexed := strings.Cut(seg, "[")
		n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		switch {
		case indexed && name == "problems":
			parts = append(parts, c.T("order.problem_n", n+1))
		case indexed && name == "measures":
			parts = append(parts, c.T("order.measure_n", n+1))
		case indexed && name == "checkpoints":
			parts = append(parts, c.T("order.checkpoint_n", n+1))
		case name == "responsibility" || name == "deadline" || name == "position" || name == "login":
		case c.texts["order.f."+name] != "":
			parts = append(parts, c.T("order.f."+name))
		default:
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, " ")
}

// Rung is a step of reminders and escalation as this language reads it.
func (c *catalog) Rung(r itemmsg.Rung) string {
	if c.lang == "zh" {
		return r.Label()
	}
	return c.T("rung." + string(r))
}

// OrderStatus is an order's status (草稿, 下发中, 已下发).
func (c *catalog) OrderStatus(s string) string { return c.T("orders.status." + s) }

// measureDeadline is a stored measure's deadline as people read it: 限期整改 · 2026-06-30,
// 交办后10个工作日, or 长期坚持 with its checkpoints.
func measureDeadline(c *catalog, m order.StoredMeasure) string {
	kind := c.DeadlineKind(m.DeadlineKind)
	switch {
	case m.WorkingDays > 0 && m.WorkingDaysFrom == "acknowledge":
		return kind + " · " + c.T("order.days_after_ack", m.WorkingDays)
	case m.WorkingDays > 0:
		return kind + " · " + c.T("order.days_after_issue", m.WorkingDays)
	case len(m.Checkpoints) > 0:
		s := kind + " · " + c.T("order.checkpoints_at", strings.Join(m.Checkpoints, "、"))
		if m.Due != "" {
			s += " · " + m.Due
		}
		return s
	case m.Due != "":
		return kind + " · " + m.Due
	}
	return kind
}

// policyRules says a supervision policy in one sentence.
func policyRules(c *catalog, p itemmsg.Policy) string {
	before := make([]string, len(p.RemindBefore))
	for i, d := range p.RemindBefore {
		before[i] = strconv.Itoa(d)
	}
	return c.T("plan.rules", p.AckWithin, strings.Join(before, "、"), p.UrgeAfter, p.EscalateUnitAfter, p.EscalateIssuerAfter,
		p.ListAfter, p.SendStart, p.SendEnd)
}

// inputID is the element id of a form input named like problems[0].measures[1].due.
func inputID(name string) string {
	return "f-" + strings.NewReplacer("[", "", "]", "", ".", "-").Replace(name)
}

// itemOf is the id of the item a measure became at a unit.
func itemOf(measureID, unitID int64) string { return itemmsg.ItemID(measureID, unitID) }
