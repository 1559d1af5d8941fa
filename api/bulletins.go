package api

import (
	"fmt"
	"net/http"
	"net/url"

	"go.temporal.io/sdk/client"

	"rectify/internal/bulletin"
	bulletinwf "rectify/workflows/bulletin"
	"rectify/workflows/bulletin/bulletinmsg"
)

func (s *server) listBulletins(w http.ResponseWriter, r *http.Request) {
	sc := scopeOf(actor(r))
	list, err := s.Bulletins.List(r.Context(), sc.UnitID, sc.Path, sc.Subtree)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bulletins": list})
}

// publishBulletin starts a bulletin of the caller's department now (专项通报), through the
// same workflow as the scheduled ones, and answers at once: the bulletin appears in the list
// when computed, and is emailed even if the mail server is down for a while.
func (s *server) publishBulletin(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireIssuer(a); err != nil {
		writeError(w, r, err)
		return
	}
	run, err := s.Temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{TaskQueue: s.TaskQueue,
		ID: fmt.Sprintf("%s-bulletin-on-demand-%d-%d", s.Deployment, a.UnitID, s.Now().UnixNano())},
		bulletinwf.BulletinWorkflow, bulletinmsg.BulletinInput{Deployment: s.Deployment, Kind: bulletin.OnDemand, IssuerUnitID: a.UnitID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"workflow_id": run.GetID()})
}

func (s *server) getBulletin(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "bulletin_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	sc := scopeOf(actor(r))
	b, _, err := s.Bulletins.Get(r.Context(), id, sc.UnitID, sc.Path, sc.Subtree)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *server) bulletinXLSX(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "bulletin_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	sc := scopeOf(actor(r))
	b, xlsx, err := s.Bulletins.Get(r.Context(), id, sc.UnitID, sc.Path, sc.Subtree)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(b.Title()+".xlsx"))
	_, _ = w.Write(xlsx)
}
