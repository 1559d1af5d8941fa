// Package limits holds the bounds on what people may send: lengths of texts (counted in
// characters, i.e. runes, as users count 字), sizes of lists, and ranges of working-day
// counts and dates. The API validators and the workflows' validators use the same numbers,
// so nothing a person sends can outgrow a Temporal payload (2 MB) or history, nor send the
// calendar arithmetic on an unbounded walk.
//
// The arithmetic behind the caps: a unit's workflow carries every item of one order at that
// unit, each with its last progress note and extension reason. MaxMeasures items × 2 texts ×
// MaxNote runes × at most 3 bytes (6 when JSON escapes them) stays well under 2 MB.
package limits

import (
	"fmt"
	"time"
	"unicode/utf8"

	"rectify/internal/apperr"
)

// Caps on texts, in characters (runes).
const (
	// MaxNote bounds free text: notes, reasons, problem descriptions, measures, criteria.
	MaxNote = 2000
	// MaxTitle bounds titles of orders and campaigns.
	MaxTitle = 200
	// MaxName bounds short labels: codes, logins, positions, categories, names, months.
	MaxName = 100
)

// Caps on lists.
const (
	// MaxEvidenceIDs bounds the evidence files cited by one action.
	MaxEvidenceIDs = 50
	// MaxTargets bounds the units one order goes to (a county has a few thousand branches).
	MaxTargets = 5000
	// MaxMeasures bounds the measures of one order when it is issued, all problems together:
	// every target unit's workflow carries that many items.
	MaxMeasures = 100
	// MaxDraftMeasures bounds the measures of a draft: a whole problem list may be imported
	// and looked at, and is split into orders of at most MaxMeasures to be issued.
	MaxDraftMeasures = 10000
	// MaxCheckpoints bounds the check dates of one 长期坚持 measure (monthly for five years).
	MaxCheckpoints = 60
	// MaxListItems bounds other lists in a request: reasons, score lines, cooperating
	// units, reminder offsets, look-backs.
	MaxListItems = 50
)

// Bounds on numbers that reach calendar arithmetic.
const (
	// MaxWorkingDays bounds a measure's deadline in working days (about a year).
	MaxWorkingDays = 250
	// MaxPolicyWorkdays bounds each count of a supervision policy (签收时限, 催办, 督办, 挂牌).
	MaxPolicyWorkdays = 250
	// MaxHorizonYears bounds how far ahead a due date, checkpoint or extension may lie.
	MaxHorizonYears = 5
	// MaxMonths bounds month counts of a weak-branch policy (consolidation, sampling window).
	MaxMonths = 60
	// MaxPolled bounds the number of people polled at an acceptance (群众满意度测评).
	MaxPolled = 100000
)

// MaxJSONBody bounds a JSON request body, in bytes.
const MaxJSONBody = 1 << 20

// Horizon is the last date a deadline may have when today is today: MaxHorizonYears ahead.
func Horizon(today time.Time) time.Time { return today.AddDate(MaxHorizonYears, 0, 0) }

// Check collects field errors about bounds; Err reports them as one apperr Invalid error.
type Check struct {
	Errs []apperr.FieldError
}

// Add records a problem with a field.
func (c *Check) Add(field, format string, args ...any) {
	c.Errs = append(c.Errs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Text refuses s when it has more than max characters; label is the field as users know it.
func (c *Check) Text(field, label, s string, max int) {
	if n := utf8.RuneCountInString(s); n > max {
		c.Add(field, "%s不能超过%d字，现为%d字", label, max, n)
	}
}

// List refuses a list of n entries when n > max.
func (c *Check) List(field, label string, n, max int) {
	if n > max {
		c.Add(field, "%s不能超过%d项，现为%d项", label, max, n)
	}
}

// Range refuses n outside [lo, hi]; unit is what n counts (e.g. 个工作日).
func (c *Check) Range(field, label string, n, lo, hi int, unit string) {
	if n < lo || n > hi {
		c.Add(field, "%s应在%d到%d%s之间，现为%d", label, lo, hi, unit, n)
	}
}

// Err is nil when nothing was refused.
func (c *Check) Err() error {
	if err := apperr.InvalidFields(c.Errs); err != nil {
		return err
	}
	return nil
}
