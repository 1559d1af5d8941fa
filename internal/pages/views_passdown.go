package pages

import (
	"rectify/internal/items"
	"rectify/internal/rectification"
)

// The views of passing work down (分办, 转办) and checking it after 销号 (回头看, 抽查复核).

// splitRow is one unit below an item's unit in the 转办 form: ticked to include it, with
// its sub-item's content, criterion, handler and deadline (prefilled from the parent).
type splitRow struct {
	Code, Name                       string
	People                           []rectification.PersonChoice
	Picked                           bool
	Content, Criterion, Handler, Due string
}

// childRow is a sub-item as its parent's page lists it.
type childRow struct {
	Row      items.Row
	Deadline string
}

// splitRows are the 转办 form's rows as first shown: every unit below, none ticked, each
// prefilled from the parent, with its first person as the handler.
func splitRows(o rectification.PassDownOffer, parent items.Row) []splitRow {
	rows := make([]splitRow, 0, len(o.Below))
	for _, u := range o.Below {
		r := splitRow{Code: u.Code, Name: u.Name, People: u.People, Content: parent.Measure, Criterion: parent.Criterion, Due: o.ParentDue}
		if len(u.People) > 0 {
			r.Handler = u.People[0].Login
		}
		rows = append(rows, r)
	}
	return rows
}

// lookBacksView is 回头看: the closed items whose re-check round has come.
type lookBacksView struct {
	Page
	Items []lookBackCard
}

// lookBackCard is one closed item waiting for its re-check: the round (days after 销号) and
// how long ago it was closed.
type lookBackCard struct {
	Item      items.Row
	Days      int
	DueOn     string
	ClosedAgo int
}

// samplesView is 抽查复核: the draw form and the unit's draws.
type samplesView struct {
	Page
	Orders  []orderChoice
	Samples []items.Sample
	// Share (in %) and OrderID are what the draw form holds; Errors and Message its refusal.
	Share   string
	OrderID int64
	Errors  fieldErrors
	Message string
}

// orderChoice is an order of the actor's unit a draw may be limited to.
type orderChoice struct {
	ID    int64
	Title string
}

// sampleView is one draw: each drawn item with its re-inspection and its pass and fail forms.
type sampleView struct {
	Page
	Sample items.Sample
	// ErrItem and ErrForm (pass or fail) say which form a refusal belongs to.
	ErrItem, ErrForm string
	Errors           fieldErrors
	Message          string
	Note, Due        string
	MinDue           string
	Key              string
}

// Err is the refusal of a field of one item's form, when that form was the one sent.
func (v sampleView) Err(itemID, form, field string) string {
	if v.ErrItem != itemID || v.ErrForm != form {
		return ""
	}
	return v.Errors[field]
}

// Msg is the refusal of one item's form as a whole, when that form was the one sent.
func (v sampleView) Msg(itemID, form string) string {
	if v.ErrItem != itemID || v.ErrForm != form {
		return ""
	}
	return v.Message
}

// Kept is what was typed into one item's form, when that form was the one sent.
func (v sampleView) Kept(itemID, form, field string) string {
	if v.ErrItem != itemID || v.ErrForm != form {
		return ""
	}
	if field == "due" {
		return v.Due
	}
	return v.Note
}
