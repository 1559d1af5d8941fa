package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/problemlist"
)

// importOrder turns an uploaded problem list into a draft order of the caller's department.
// rowsRead, when not nil, is kept up to date as the sheet is read.
func (s *server) importOrder(ctx context.Context, a auth.Actor, data []byte, filename, title, source, docNumber string, rowsRead *atomic.Int64) (int64, int, error) {
	if err := requireIssuer(a); err != nil {
		return 0, 0, err
	}
	if strings.TrimSpace(title) == "" {
		title = strings.TrimSuffix(filename, ".xlsx")
		title = strings.TrimSuffix(title, ".csv")
	}
	sheet, err := problemlist.Read(bytes.NewReader(data), problemlist.Options{Filename: filename, Progress: func(n int) {
		if rowsRead != nil {
			rowsRead.Store(int64(n))
		}
	}})
	if err != nil {
		return 0, 0, err
	}
	res, err := s.Orders.NameResolver(ctx, a.UnitID)
	if err != nil {
		return 0, 0, err
	}
	d, err := sheet.Draft(title, source, res)
	if err != nil {
		return 0, 0, err
	}
	d.DocNumber = docNumber
	measures := 0
	for _, p := range d.Problems {
		measures += len(p.Measures)
	}
	id, err := s.Orders.Create(ctx, a.UnitID, a.PersonID, d)
	return id, measures, err
}

// importForm reads the upload: the file and the optional title, source and doc_number.
func importForm(w http.ResponseWriter, r *http.Request) (data []byte, filename, title, source, doc string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, problemlist.DefaultMaxBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return nil, "", "", "", "", apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件（字段名file），且不超过20MB")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, "", "", "", "", apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, "", "", "", "", apperr.New(apperr.Invalid, "file", "上传内容无法读取")
	}
	return buf.Bytes(), hdr.Filename, r.FormValue("title"), r.FormValue("source"), r.FormValue("doc_number"), nil
}

// importSync imports a problem list and answers with the draft order, or every error.
func (s *server) importSync(w http.ResponseWriter, r *http.Request) {
	data, name, title, source, doc, err := importForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id, n, err := s.importOrder(r.Context(), actor(r), data, name, title, source, doc, nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "status": "draft", "measures": n})
}

// importJob is a problem-list import running in the background, for large files.
type importJob struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"` // running | done | failed
	RowsRead int64     `json:"rows_read"`
	OrderID  int64     `json:"order_id,omitempty"`
	Measures int       `json:"measures,omitempty"`
	Error    any       `json:"error,omitempty"`
	Started  time.Time `json:"started"`
	person   int64
	rows     atomic.Int64
}

// importJobs keeps this API instance's background imports; they are lost on restart,
// which costs a re-upload and nothing else (nothing is stored until an import succeeds).
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
	seq  int64
}

// importAsync starts an import and answers at once with a job to poll for rows read.
func (s *server) importAsync(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireIssuer(a); err != nil {
		writeError(w, r, err)
		return
	}
	data, name, title, source, doc, err := importForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.imports.mu.Lock()
	s.imports.seq++
	job := &importJob{ID: fmt.Sprintf("imp-%d-%d", s.Now().Unix(), s.imports.seq), Status: "running", Started: s.Now(), person: a.PersonID}
	s.imports.jobs[job.ID] = job
	s.imports.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		id, n, err := s.importOrder(ctx, a, data, name, title, source, doc, &job.rows)
		s.imports.mu.Lock()
		defer s.imports.mu.Unlock()
		if err != nil {
			_, body := apperr.ToBody(err)
			job.Status, job.Error = "failed", body.Error
			return
		}
		job.Status, job.OrderID, job.Measures = "done", id, n
	}()
	writeJSON(w, http.StatusAccepted, map[string]any{"id": job.ID, "status": job.Status})
}

func (s *server) importStatus(w http.ResponseWriter, r *http.Request) {
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	job, ok := s.imports.jobs[chi.URLParam(r, "id")]
	if !ok || job.person != actor(r).PersonID {
		writeError(w, r, notFound("import_id", "导入任务不存在"))
		return
	}
	job.RowsRead = job.rows.Load()
	writeJSON(w, http.StatusOK, job)
}
