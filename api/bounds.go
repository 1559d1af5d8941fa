package api

import (
	"time"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
)

// checkActionBody bounds what a person sends with an action on an item before it becomes a
// workflow payload: the note and the evidence list by size, the extension within the

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
