package api

import (
	"io"
	"net/http"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// reminderPlan shows every reminder and escalation each item of the order would get if
// nobody acted.
func (s *server) reminderPlan(r *http.Request, a auth.Actor) (rectification.ReminderPlan, error) {
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		return rectification.ReminderPlan{}, err
	}
	return s.Rectification.ReminderPlan(r.Context(), a, id)
}

// getPolicy returns the caller's department default supervision policy.
func (s *server) getPolicy(r *http.Request, a auth.Actor) (itemmsg.Policy, error) {
	return s.Rectification.Policy(r.Context(), a)
}

// putPolicy sets the caller's department default; new orders copy it.
func (s *server) putPolicy(r *http.Request, a auth.Actor, p itemmsg.Policy) (itemmsg.Policy, error) {
	return s.Rectification.SetPolicy(r.Context(), a, p)
}

// getCalendar answers ?date= (and &add=N, read only with a date) besides the years known.
func (s *server) getCalendar(r *http.Request, a auth.Actor) (rectification.CalendarView, error) {
	in := rectification.CalendarInput{Date: r.URL.Query().Get("date")}
	if in.Date != "" {
		var err error
		if in.Add, err = queryInt(r, "add"); err != nil {
			return rectification.CalendarView{}, err
		}
	}
	return s.Rectification.Calendar(r.Context(), a, in)
}

// uploadYear loads a year's holiday table: the body is holiday-cn JSON, up to 1 MB.
func (s *server) uploadYear(r *http.Request, a auth.Actor) (rectification.YearUploaded, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return rectification.YearUploaded{}, apperr.New(apperr.Invalid, "body", "请求体无法读取")
	}
	return s.Rectification.UploadYear(r.Context(), a, rectification.YearInput{Data: body})
}
