package api

import (
	"io"
	"net/http"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/rectification"
)

// exportLedger is the ledger (台账) of an order (?order=), a unit (?unit=) or the whole
// scope (?open=true for its open items) as .xlsx; ?lang=en switches the headers to English.
func (s *server) exportLedger(r *http.Request, a auth.Actor) (rectification.Download, error) {
	f, err := itemFilter(r)
	if err != nil {
		return rectification.Download{}, err
	}
	return s.Rectification.Ledger(r.Context(), a, rectification.LedgerInput{Filter: f, English: english(r)})
}

// english is ?lang=en.
func english(r *http.Request) bool { return r.URL.Query().Get("lang") == "en" }

// progressSheet exports the caller's unit's open items to fill 本期进展 offline.
func (s *server) progressSheet(r *http.Request, a auth.Actor) (rectification.Download, error) {
	return s.Rectification.ProgressSheet(r.Context(), a, rectification.SheetInput{English: english(r)})
}

// previewProgress reads a filled progress sheet (the multipart field "file") and shows what
// it would do.
func (s *server) previewProgress(r *http.Request, a auth.Actor) (rectification.Preview, error) {
	part, err := filePart(r, "上传内容无法读取或超过25MB")
	if err != nil {
		return rectification.Preview{}, err
	}
	data, err := io.ReadAll(part)
	if err != nil {
		return rectification.Preview{}, apperr.New(apperr.Invalid, "file", "上传内容无法读取或超过25MB")
	}
	return s.Rectification.PreviewProgress(r.Context(), a, rectification.FilledSheet{Filename: part.FileName(), Data: data})
}
