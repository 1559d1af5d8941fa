package rectification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/ledger"
	"rectify/internal/order"
	"rectify/workflows/item/itemmsg"
)

// The progress sheet (整改进展填报表) is how a unit reports offline: it exports its open
// items, fills 本期进展 (and 申请销号), re-imports the sheet to see what it would change, and
// confirms; the confirmed rows go through Act like any other action.

// SheetInput is how a spreadsheet is written.
type SheetInput struct {
	English bool // English headers
}

// ProgressSheet exports the open items of the actor's own unit to fill offline.
func (s *Service) ProgressSheet(ctx context.Context, a auth.Actor, in SheetInput) (Download, error) {
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		return Download{}, err
	}
	now := s.Now()
	var rows []ledger.Row
	own := auth.Actor{PersonID: a.PersonID, UnitID: a.UnitID, UnitPath: a.UnitPath} // own unit only
	if err := s.Items.Each(ctx, order.ScopeOf(own), items.Filter{UnitCode: a.UnitCode, Open: true}, now, func(x items.Row) error {
		rows = append(rows, ledgerRow(x, cal, now))
		return nil
	}); err != nil {
		return Download{}, err
	}
	var buf bytes.Buffer
	title := a.UnitName + " 整改进展填报表"
	if err := ledger.WriteProgressSheet(&buf, ledger.Options{Title: title, English: in.English, GeneratedAt: now}, rows); err != nil {
		return Download{}, err
	}
	return Spreadsheet(title+".xlsx", buf.Bytes()), nil
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

// FilledSheet is a filled progress sheet as uploaded.
type FilledSheet struct {
	Filename string
	Data     []byte
}

// PreviewProgress reads a filled progress sheet and keeps what it would do, for the actor
// to confirm: rows whose item changed since the export are flagged, not overwritten.
func (s *Service) PreviewProgress(ctx context.Context, a auth.Actor, in FilledSheet) (Preview, error) {
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(in.Data), 0)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Lines: []PreviewLine{}}
	for _, l := range lines {
		pl := PreviewLine{Line: l.Line, ItemID: l.ItemID, Progress: l.Progress, RequestClose: l.RequestClose, CloseNote: l.CloseNote}
		row, err := s.Items.Get(ctx, order.ScopeOf(a), l.ItemID, s.Now())
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
	if p.ID, err = s.Progress.Save(ctx, a.UnitID, a.PersonID, in.Filename, js); err != nil {
		return Preview{}, err
	}
	return p, nil
}

func (s *Service) hasEvidence(ctx context.Context, itemID string) bool {
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

// Applied is a confirmed preview carried out.
type Applied struct {
	ID      int64         `json:"id"`
	Applied []AppliedLine `json:"applied"`
}

// ApplyProgress carries out one of the actor's previews through Act, so the same checks and
// audit trail apply; applying twice acts once (each row has its idempotency keys).
func (s *Service) ApplyProgress(ctx context.Context, a auth.Actor, id int64) (Applied, error) {
	raw, err := s.Progress.Preview(ctx, id, a.PersonID)
	if err != nil {
		return Applied{}, err
	}
	var p Preview
	if err := json.Unmarshal(raw, &p); err != nil {
		return Applied{}, err
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
			done, err = s.Act(ctx, a, ActInput{ItemID: l.ItemID, Action: itemmsg.Progress, ActionBody: ActionBody{Note: l.Progress},
				Key: key + "-progress"})
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
				done, err = s.Act(ctx, a, ActInput{ItemID: l.ItemID, Action: itemmsg.RequestClose,
					ActionBody: ActionBody{Note: l.CloseNote, EvidenceIDs: ids}, Key: key + "-close"})
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
		return Applied{}, err
	}
	return Applied{ID: id, Applied: out}, nil
}
