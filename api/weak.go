package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/auth"
	"rectify/internal/rectification"
	"rectify/internal/weakbranch"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Weak-branch rectification (软弱涣散党组织整顿): the handlers that read more of the request
// than an adapter of handle.go does; the weakbranch service does the work.

func (s *server) decline(r *http.Request, a auth.Actor, in weakbranch.Declining) error {
	id, err := pathID(r, "id", "proposal_id")
	if err != nil {
		return err
	}
	return s.Weak.Decline(r.Context(), a, id, in)
}

func (s *server) caseAction(r *http.Request, a auth.Actor, act weakcasemsg.Action) (weakcasemsg.Result, error) {
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		return weakcasemsg.Result{}, err
	}
	return s.Weak.Act(r.Context(), a, id, chi.URLParam(r, "kind"), strings.TrimSpace(r.Header.Get("Idempotency-Key")), act)
}

// campaignLedger sends the campaign's ledger as .xlsx; ?lang=en switches it to English.
func (s *server) campaignLedger(r *http.Request, a auth.Actor) (rectification.Download, error) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return rectification.Download{}, err
	}
	return s.Weak.Ledger(r.Context(), a, id, english(r))
}
