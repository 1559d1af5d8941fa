package api

import (
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/limits"
)

// checkActionBody bounds what a person sends with an action on an item before it becomes a
// workflow payload: the note and the evidence list by size, the extension within the
// horizon. The workflow's validator still decides whether the action is allowed.
func checkActionBody(b actionBody, today time.Time) error {
	var c limits.Check
	c.Text("note", "说明", b.Note, limits.MaxNote)
	c.List("evidence_ids", "佐证材料", len(b.EvidenceIDs), limits.MaxEvidenceIDs)
	if s := strings.TrimSpace(b.ExtendTo); s != "" {
		to, err := calendar.ParseDate(s)
		last := limits.Horizon(calendar.Date(today.In(calendar.Shanghai).Date()))
		switch {
		case err != nil:
			c.Add("extend_to", "延期后的完成时限不是日期，应写作2006-01-02")
		case to.After(last):
			c.Add("extend_to", "延期后的完成时限%s太远，不能晚于%d年后（%s）", s, limits.MaxHorizonYears, last.Format("2006-01-02"))
		}
	}
	return c.Err()
}

// workdaysQuery answers ?date=…&add=N of the calendar endpoint, refusing spans the calendar
// does not count.
func workdaysQuery(cal *calendar.Calendar, t time.Time, n int64) (time.Time, error) {
	if n > calendar.MaxSpan || n < -calendar.MaxSpan {
		return time.Time{}, apperr.Newf(apperr.Invalid, "add", "工作日数应在-%d到%d之间", calendar.MaxSpan, calendar.MaxSpan)
	}
	out, err := cal.AddWorkdaysChecked(t, int(n))
	if re, ok := err.(*calendar.RangeError); ok {
		field := "add"
		if re.Field == "date" {
			field = "date"
		}
		return time.Time{}, apperr.New(apperr.Invalid, field, re.Message)
	}
	return out, err
}
