package pages

import (
	"log/slog"
	"net/http"
	"strconv"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/ledger"
	"rectify/internal/rectification"
)

// progressView is 进度表 in its three steps: the download and the upload form; the preview
// of an uploaded sheet with 确认; the outcome of each applied row.
type progressView struct {
	Page
	FileErr string
	Rows    []sheetProblem
	Message string
	Preview *rectification.Preview
	// Outcomes are the preview's lines as people read them, in the sheet's order.
	Outcomes []progressLine
	// Applicable: the preview has rows to apply, so 确认 is offered.
	Applicable bool
	Applied    []appliedLine
}

type progressLine struct {
	Line                       int
	ItemID, Measure            string
	Outcome, Progress          string
	RequestClose               bool
	CloseNote, Message, Status string
}

type appliedLine struct {
	Line                          int
	ItemID, Measure, State, Error string
}

// measures names the unit's open items by their measure, so that a row of the sheet reads
// as people wrote it rather than as an item number.
func (h *handler) measures(r *http.Request, a auth.Actor) map[string]string {
	out := map[string]string{}
	list, err := h.Rectification.ListItems(r.Context(), a, items.Filter{UnitCode: a.UnitCode, Open: true, Limit: 1000})
	if err != nil {
		// Only the names are lost: each row still shows its item's number.
		slog.WarnContext(r.Context(), "pages: progress: measures", "err", err)
		return out
	}
	for _, x := range list.Items {
		out[x.ID] = x.Measure
	}
	return out
}

func (h *handler) progressPage(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	h.render(w, r, http.StatusOK, "progress", progressView{Page: h.page(w, r, "progress.title")})
}

// progressSheet sends the unit's open items as the sheet to fill, headed in the page's
// language.
func (h *handler) progressSheet(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	d, err := h.Rectification.ProgressSheet(r.Context(), a, rectification.SheetInput{English: language(w, r) == "en"})
	h.download(w, r, d, err)
}

// previewProgress reads an uploaded sheet and shows what each row would do; nothing
// changes until it is confirmed. A sheet that cannot be read shows every place to fix.
func (h *handler) previewProgress(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, ledger.DefaultMaxBytes+1<<20)
	p, err := func() (rectification.Preview, error) {
		name, data, err := upload(r, "file")
		if err != nil {
			return rectification.Preview{}, err
		}
		return h.Rectification.PreviewProgress(r.Context(), a, rectification.FilledSheet{Filename: name, Data: data})
	}()
	v := progressView{Page: h.page(w, r, "progress.title")}
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			h.fail(w, r, err)
			return
		}
		v.Rows, v.FileErr, _, v.Message = sheetProblems(v.c, err)
		h.render(w, r, apperr.Report(w, r, err), "progress", v)
		return
	}
	v.Preview = &p
	names := h.measures(r, a)
	for _, l := range p.Lines {
		pl := progressLine{Line: l.Line, ItemID: l.ItemID, Measure: cmpOr(names[l.ItemID], l.ItemID), Outcome: v.c.T("progress.outcome." + l.Outcome), Progress: l.Progress,
			RequestClose: l.RequestClose, CloseNote: l.CloseNote, Message: l.Message, Status: l.Outcome}
		v.Outcomes = append(v.Outcomes, pl)
	}
	v.Applicable = p.Progress+p.CloseRequests > 0
	h.render(w, r, http.StatusOK, "progress", v)
}

// applyProgress carries out a confirmed preview and shows each row's outcome; confirming
// again acts once, as the service keys every row.
func (h *handler) applyProgress(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	// An id that is no number names no upload of theirs, which the service refuses as such.
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	res, err := h.Rectification.ApplyProgress(r.Context(), a, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := progressView{Page: h.page(w, r, "progress.title"), Applied: []appliedLine{}}
	v.Flash = v.c.T("progress.applied", len(res.Applied))
	names := h.measures(r, a)
	for _, l := range res.Applied {
		al := appliedLine{Line: l.Line, ItemID: l.ItemID, Measure: cmpOr(names[l.ItemID], l.ItemID), Error: l.Error}
		if l.State != "" {
			al.State = v.c.State(l.State)
		}
		v.Applied = append(v.Applied, al)
	}
	h.render(w, r, http.StatusOK, "progress", v)
}
