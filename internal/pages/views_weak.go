package pages

import (
	"rectify/internal/weak"
)

// weakView is 整顿: a campaign's figures, the township's proposal form, the proposals with
// the county's determination (四个一) or decline, and the cases by stage.
type weakView struct {
	Page
	Campaigns []stateFilter
	Campaign  *weak.Campaign
	Lines     []weakLine
	Ledger    string
	// CanPropose: the person may propose a branch; CanDecide: determine or decline.
	CanPropose, CanDecide bool
	Branches              []weakOption
	Reasons               []weakOption
	Proposals             []proposalCard
	Stages                []weakStage
	// ErrForm is the form a refusal belongs to ("propose", or "p-<proposal id>"), Message its reason.
	ErrForm, Message string
	// Posted is what the refused proposal form sent, kept for the person to fix.
	Posted proposalForm
}

type weakOption struct {
	Value, Label string
	Chosen       bool
}

type proposalForm struct {
	Branch, Note string
	Reasons      []string
	Ones         weak.FourOnes
	Decline      string
}

// proposalCard is one proposal with what it says and, while undecided, the county's forms.
type proposalCard struct {
	weak.Proposal
	Status, Reasons, Decided string
	Open                     bool
}

// weakStage is the cases at one stage.
type weakStage struct {
	Label string
	Cases []weak.CaseRow
}

// weakCaseView is one case: its branch, four ones, plan progress and events, with the
// monthly report and pre-check forms.
type weakCaseView struct {
	Page
	Case    weak.CaseRow
	Stage   string
	Reasons string
	Events  []weakEvent
	// CanAct: the monthly report; CanPrecheck: the township's pre-check; CanAccept: the
	// county's acceptance with its score sheet.
	CanAct, CanPrecheck, CanAccept bool
	Scores                         []scoreRow
	Polled, Dissatisfied           string
	Month, Note, Key               string
	ErrForm, Message               string
	Determined, Score              string
}

type weakEvent struct {
	When, Kind, Stage, Month, Note, Outcome string
}

// scoreRow is one line of the acceptance score sheet as the form shows it.
type scoreRow struct {
	// N numbers the form's inputs from 0, Seq the lines as people count them.
	N, Seq      int
	Item, Score string
}
