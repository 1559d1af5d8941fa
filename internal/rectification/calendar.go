package rectification

import (
	"context"
	"time"

	"rectify/workflows/recalendar"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/holidays"
)

// CalendarInput is a working-day question: is Date (2006-01-02) a working day, and with
// Add > 0, which day is Add working days later. Without a date it asks nothing.
type CalendarInput struct {
	Date string
	Add  int64
}

// CalendarView is the working-day calendar in force, and the answer to a question.
type CalendarView struct {
	Years       []int              `json:"years"`
	Uploaded    []holidays.Version `json:"uploaded"`
	Fingerprint string             `json:"fingerprint"`
	Warning     string             `json:"warning"`
	// With a date only:
	Date         string  `json:"date,omitempty"`
	Workday      *bool   `json:"workday,omitempty"`
	Name         *string `json:"name,omitempty"` // the holiday or worked weekend's name
	PlusWorkdays string  `json:"plus_workdays,omitempty"`
}

// Calendar tells which years are known and warns when next year's table is missing, and
// answers a working-day question when asked one.
func (s *Service) Calendar(ctx context.Context, a auth.Actor, in CalendarInput) (CalendarView, error) {
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		return CalendarView{}, err
	}
	var v CalendarView
	for _, y := range cal.Years() {
		v.Years = append(v.Years, y.Year)
	}
	if v.Uploaded, err = s.Holidays.InForce(ctx); err != nil {
		return CalendarView{}, err
	}
	v.Fingerprint, v.Warning = cal.Fingerprint(), cal.MissingYearWarning(s.Now())
	if in.Date == "" {
		return v, nil
	}
	t, err := calendar.ParseDate(in.Date)
	if err != nil {
		return CalendarView{}, apperr.New(apperr.Invalid, "date", "“"+in.Date+"”不是日期，应写作2006-01-02")
	}
	ok, name := cal.IsWorkday(t)
	v.Date, v.Workday, v.Name = in.Date, &ok, &name
	if in.Add > 0 {
		sum, err := addWorkdays(cal, t, in.Add)
		if err != nil {
			return CalendarView{}, err
		}
		v.PlusWorkdays = sum.Format("2006-01-02")
	}
	return v, nil
}

// addWorkdays is t plus n working days, refusing spans the calendar does not count.
func addWorkdays(cal *calendar.Calendar, t time.Time, n int64) (time.Time, error) {
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

// YearInput is a year's holiday table in holiday-cn JSON.
type YearInput struct {
	Data []byte
}

// YearUploaded is a year's table taken into force.
type YearUploaded struct {
	Year              int              `json:"year"`
	Days              int              `json:"days"`
	Version           holidays.Version `json:"version"`
	Fingerprint       string           `json:"fingerprint"`
	RecomputeWorkflow string           `json:"recompute_workflow"`
}

// UploadYear loads a year's holiday table without a rebuild, as that year's next version,
// and has every open item's working-day deadline recomputed; approved extensions stay. Only
// org staff of the top unit may (the store checks).
func (s *Service) UploadYear(ctx context.Context, a auth.Actor, in YearInput) (YearUploaded, error) {
	v, err := s.Holidays.Upload(ctx, in.Data, a.PersonID)
	if err != nil {
		return YearUploaded{}, err
	}
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		return YearUploaded{}, err
	}
	wfID := recalendar.RecalendarWorkflowID(s.Deployment, cal.Fingerprint())
	if _, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wfID, TaskQueue: s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, recalendar.RecalendarWorkflow); err != nil {
		return YearUploaded{}, err
	}
	return YearUploaded{Year: v.Year, Days: v.Days, Version: v, Fingerprint: cal.Fingerprint(), RecomputeWorkflow: wfID}, nil
}
