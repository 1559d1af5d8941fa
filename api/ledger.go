package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/items"
	"rectify/internal/ledger"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func attachment(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
}

// ledgerRow turns an item into a ledger line, with working days overdue by cal.
func ledgerRow(x items.Row, cal *calendar.Calendar, now time.Time) ledger.Row {
	r := ledger.Row{ItemID: x.ID, Problem: x.Problem, Measure: x.Measure, Criterion: x.Criterion, Unit: x.UnitName,
		Primary: x.PrimaryName, Direct: x.DirectName, Handler: x.HandlerName, Due: x.Due,
		DeadlineKind: order.DeadlineLabel(x.DeadlineKind), Progress: x.LastProgress, Status: x.StateLabel,
		Light: x.Light, LightReason: x.LightReason, Listed: x.Listed, Revision: x.Revision}
	if x.DueAt != nil {
		r.Due = x.DueAt.In(calendar.Shanghai).Format("2006-01-02")
		if x.Overdue {
			r.DaysOverdue = cal.WorkdaysBetween(calendar.Date(x.DueAt.In(calendar.Shanghai).Date()), calendar.Date(now.In(calendar.Shanghai).Date()))
		}
	}
	if itemmsg.State(x.State).Terminal() {
		r.Light = ledger.LightNone
	}
	return r
}

// exportLedger streams the ledger (台账) of an order (?order=), a unit (?unit=) or the whole
// scope (?open=true for its open items) as .xlsx; ?lang=en switches the headers to English.
func (s *server) exportLedger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.itemFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		writeError(w, r, err)
		return
	}
	a := actor(r)
	title := "整改台账（" + a.UnitName + "）"
	if f.OrderID != 0 {
		o, err := s.Orders.Get(ctx, scopeOf(a), f.OrderID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		title = o.Title + " 整改台账"
	} else if f.UnitCode != "" {
		title = "整改台账（" + f.UnitCode + "）"
	}
	now := s.Now()
	// The whole sheet goes to a buffer first so that a failure mid-way is still an error
	// response, not a broken download.
	var buf bytes.Buffer
	rows := make(chan items.Row, 256)
	errc := make(chan error, 1)
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(rows)
		errc <- s.Items.Each(qctx, scopeOf(a), f, now, func(x items.Row) error {
			select {
			case rows <- x:
				return nil
			case <-qctx.Done():
				return qctx.Err()
			}
		})
	}()
	_, err = ledger.Write(&buf, ledger.Options{Title: title, English: r.URL.Query().Get("lang") == "en", GeneratedAt: now},
		func() (ledger.Row, bool, error) {
			x, ok := <-rows
			if !ok {
				return ledger.Row{}, false, <-errc
			}
			return ledgerRow(x, cal, now), true, nil
		})
	if err != nil {
		writeError(w, r, err)
		return
	}
	attachment(w, title+".xlsx")
	_, _ = io.Copy(w, &buf)
}

// progressSheet exports the caller's unit's open items to fill 本期进展 offline.
func (s *server) progressSheet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := s.Now()
	var rows []ledger.Row
	own := auth.Actor{PersonID: a.PersonID, UnitID: a.UnitID, UnitPath: a.UnitPath} // own unit only
	if err := s.Items.Each(ctx, scopeOf(own), items.Filter{UnitCode: a.UnitCode, Open: true}, now, func(x items.Row) error {
		rows = append(rows, ledgerRow(x, cal, now))
		return nil
	}); err != nil {
		writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	title := a.UnitName + " 整改进展填报表"
	if err := ledger.WriteProgressSheet(&buf, ledger.Options{Title: title, English: r.URL.Query().Get("lang") == "en", GeneratedAt: now}, rows); err != nil {
		writeError(w, r, err)
		return
	}
	attachment(w, title+".xlsx")
	_, _ = io.Copy(w, &buf)
}

// PreviewLine is one row of a re-imported progress sheet and what would happen to it.
type PreviewLine struct {
	Line         int    `json:"line"`
	ItemID       string `json:"item_id"`
	Outcome      string `json:"outcome"` // progress | close | progress_close | unchanged | stale | error
	Progress     string `json:"progress,omitempty"`
	RequestClose bool   `json:"request_close,omitempty"`
	CloseNote    string `json:"close_note,omitempty"`
	Message      string `json:"message,omitempty"`
}

// Preview is what a re-imported sheet would change; nothing is applied until confirmed.
type Preview struct {
	ID            int64         `json:"id"`
	Progress      int           `json:"progress_reports"`
	CloseRequests int           `json:"close_requests"`
	Unchanged     int           `json:"unchanged"`
	Stale         int           `json:"stale"`
	Errors        int           `json:"errors"`
	Lines         []PreviewLine `json:"lines"`
}

// previewProgress reads a filled progress sheet and shows what it would do: rows whose item
// changed since the export are flagged, not overwritten.
func (s *server) previewProgress(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	data, name, err := uploadedFile(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p := Preview{Lines: []PreviewLine{}}
	for _, l := range lines {
		pl := PreviewLine{Line: l.Line, ItemID: l.ItemID, Progress: l.Progress, RequestClose: l.RequestClose, CloseNote: l.CloseNote}
		row, err := s.Items.Get(ctx, scopeOf(a), l.ItemID, s.Now())
		switch {
		case err != nil || row.UnitID != a.UnitID:
			pl.Outcome, pl.Message = "error", fmt.Sprintf("第%d行：事项%s不存在或不属于本单位", l.Line, l.ItemID)
		case row.Revision != l.Revision:
			pl.Outcome, pl.Message = "stale", fmt.Sprintf("第%d行：导出后该事项已有变动（当前状态%s），未覆盖，请重新导出后填报", l.Line, row.StateLabel)
		case l.Progress == "" && !l.RequestClose:
			pl.Outcome = "unchanged"
		case row.State == string(itemmsg.Issued):
			pl.Outcome, pl.Message = "error", fmt.Sprintf("第%d行：该事项尚未签收，请先签收", l.Line)
		case l.RequestClose && !s.hasEvidence(ctx, l.ItemID):
			pl.Outcome, pl.Message = "error", fmt.Sprintf("第%d行：申请销号须先上传佐证材料", l.Line)
		case l.Progress != "" && l.RequestClose:
			pl.Outcome = "progress_close"
		case l.RequestClose:
			pl.Outcome = "close"
		default:
			pl.Outcome = "progress"
		}
		switch pl.Outcome {
		case "progress":
			p.Progress++
		case "close":
			p.CloseRequests++
		case "progress_close":
			p.Progress++
			p.CloseRequests++
		case "unchanged":
			p.Unchanged++
		case "stale":
			p.Stale++
		default:
			p.Errors++
		}
		p.Lines = append(p.Lines, pl)
	}
	js, _ := json.Marshal(p)
	if p.ID, err = s.Progress.Save(ctx, a.UnitID, a.PersonID, name, js); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *server) hasEvidence(ctx context.Context, itemID string) bool {
	files, err := s.Evidence.ForItem(ctx, itemID)
	return err == nil && len(files) > 0
}

// AppliedLine is the outcome of one applied row.
type AppliedLine struct {
	Line   int    `json:"line"`
	ItemID string `json:"item_id"`
	State  string `json:"state,omitempty"`
	Error  string `json:"error,omitempty"`
}

// applyProgress carries out a confirmed preview through the same Update as the API, so the
// same checks and audit trail apply; applying twice acts once (idempotency keys).
func (s *server) applyProgress(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	id, err := pathID(r, "id", "upload_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	raw, err := s.Progress.Preview(ctx, id, a.PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var p Preview
	if err := json.Unmarshal(raw, &p); err != nil {
		writeError(w, r, err)
		return
	}
	out := []AppliedLine{}
	for _, l := range p.Lines {
		if l.Outcome != "progress" && l.Outcome != "close" && l.Outcome != "progress_close" {
			continue
		}
		res := AppliedLine{Line: l.Line, ItemID: l.ItemID}
		key := fmt.Sprintf("upload-%d-%d", id, l.Line)
		var done itemmsg.ActionResult
		var err error
		if l.Progress != "" {
			done, err = s.perform(ctx, a, l.ItemID, itemmsg.Progress, actionBody{Note: l.Progress}, key+"-progress")
		}
		if err == nil && l.RequestClose {
			files, ferr := s.Evidence.ForItem(ctx, l.ItemID)
			if ferr != nil {
				err = ferr
			} else {
				ids := make([]int64, len(files))
				for i, f := range files {
					ids[i] = f.ID
				}
				done, err = s.perform(ctx, a, l.ItemID, itemmsg.RequestClose, actionBody{Note: l.CloseNote, EvidenceIDs: ids}, key+"-close")
			}
		}
		if err != nil {
			_, body := apperr.ToBody(err)
			res.Error = body.Error.Message
		} else {
			res.State = string(done.State)
		}
		out = append(out, res)
	}
	js, _ := json.Marshal(out)
	if err := s.Progress.Applied(ctx, id, js); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "applied": out})
}

// uploadedFile reads the multipart field "file" whole (spreadsheets are bounded by size).
func uploadedFile(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 25<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件，字段名为file")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）")
		}
		if err != nil {
			return nil, "", apperr.New(apperr.Invalid, "file", "上传内容无法读取或超过25MB")
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, "", apperr.New(apperr.Invalid, "file", "上传内容无法读取或超过25MB")
		}
		return data, part.FileName(), nil
	}
}
