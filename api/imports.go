package api

import (
	"bytes"
	"net/http"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/imports"
	"rectify/internal/rectification"
)

// problemList reads the upload of a problem list: the file and the optional title, source
// and doc_number. The service calls it once the caller may import.
func problemList(r *http.Request) rectification.ImportInput {
	return rectification.ImportInput{Read: func() (imports.List, error) {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return imports.List{}, apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件（字段名file），且不超过20MB")
		}
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return imports.List{}, apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）")
		}
		defer f.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(f); err != nil {
			return imports.List{}, apperr.New(apperr.Invalid, "file", "上传内容无法读取")
		}
		return imports.List{Filename: hdr.Filename, Title: r.FormValue("title"), Source: r.FormValue("source"),
			DocNumber: r.FormValue("doc_number"), Data: buf.Bytes()}, nil
	}}
}

// importSync imports a problem list and answers with the draft order, or every error.
func (s *server) importSync(r *http.Request, a auth.Actor) (rectification.Imported, error) {
	return s.Rectification.ImportOrder(r.Context(), a, problemList(r))
}

// importAsync keeps an import as a job and answers at once with the job to poll.
func (s *server) importAsync(r *http.Request, a auth.Actor) (rectification.ImportQueued, error) {
	return s.Rectification.EnqueueImport(r.Context(), a, problemList(r))
}

// importStatus answers one of the caller's import jobs.
func (s *server) importStatus(r *http.Request, a auth.Actor) (imports.Job, error) {
	return s.Rectification.ImportJob(r.Context(), a, chi.URLParam(r, "id"))
}
