package api

import (
	"bytes"
	"net/http"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
	"rectify/internal/imports"
	"rectify/internal/problemlist"
)

// importForm reads the upload of an issuing person: the file and the optional title,
// source and doc_number.
func importForm(w http.ResponseWriter, r *http.Request) (imports.Upload, error) {
	a := actor(r)
	if err := requireIssuer(a); err != nil {
		return imports.Upload{}, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, problemlist.DefaultMaxBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return imports.Upload{}, apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件（字段名file），且不超过20MB")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return imports.Upload{}, apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return imports.Upload{}, apperr.New(apperr.Invalid, "file", "上传内容无法读取")
	}
	return imports.Upload{PersonID: a.PersonID, UnitID: a.UnitID, Filename: hdr.Filename, Title: r.FormValue("title"),
		Source: r.FormValue("source"), DocNumber: r.FormValue("doc_number"), Data: buf.Bytes()}, nil
}

// importSync imports a problem list and answers with the draft order, or every error.
func (s *server) importSync(w http.ResponseWriter, r *http.Request) {
	u, err := importForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.Imports.Import(r.Context(), u)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": res.OrderID, "status": "draft", "measures": res.Measures})
}

// importAsync keeps an import as a job and answers at once with the job to poll.
func (s *server) importAsync(w http.ResponseWriter, r *http.Request) {
	u, err := importForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	job, err := s.Imports.Enqueue(r.Context(), u)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": job.ID, "status": job.Status})
}

// importStatus answers one of the caller's import jobs.
func (s *server) importStatus(w http.ResponseWriter, r *http.Request) {
	job, err := s.Imports.Job(r.Context(), chi.URLParam(r, "id"), actor(r).PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}
