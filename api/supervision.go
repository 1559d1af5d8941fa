package api

import (
	"io"
	"net/http"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/rectification"
)

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
