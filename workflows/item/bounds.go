package item

import (
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/limits"
	"rectify/workflows/item/itemmsg"
)

// MaxKeyLength bounds an Idempotency-Key, in bytes: keys are remembered in the workflow.
const MaxKeyLength = 200

// Bounds refuses a request whose texts, lists or extension date exceed internal/limits, so
// that nothing a person sends can outgrow a payload or the workflow's remembered state. The
// API checks it before sending, and the workflow's validator again for every way in.
func Bounds(req itemmsg.ActionRequest, now time.Time) error {
	var c limits.Check
	c.Text("note", "说明", req.Note, limits.MaxNote)
	c.List("evidence_ids", "佐证材料", len(req.EvidenceIDs), limits.MaxEvidenceIDs)
	if len(req.Key) > MaxKeyLength {
		c.Add("Idempotency-Key", "幂等键不能超过%d个字符", MaxKeyLength)
	}
	if s := strings.TrimSpace(req.ExtendTo); s != "" {
		to, err := calendar.ParseDate(s)
		last := limits.Horizon(calendar.Date(now.In(calendar.Shanghai).Date()))
		switch {
		case err != nil:
			c.Add("extend_to", "延期后的完成时限不是日期，应写作2006-01-02")
		case to.After(last):
			c.Add("extend_to", "延期后的完成时限%s太远，不能晚于%d年后（%s）", s, limits.MaxHorizonYears, last.Format("2006-01-02"))
		}
	}
	return c.Err()
}

// boundsRejection is Bounds as a workflow validator answers: the first field and its reason.
func boundsRejection(req itemmsg.ActionRequest, now time.Time) error {
	err := Bounds(req, now)
	if err == nil {
		return nil
	}
	if e, ok := apperr.As(err); ok {
		return rejection(apperr.Invalid, e.Field, e.Message)
	}
	return rejection(apperr.Invalid, "body", err.Error())
}
