package api

import (
	"net/http"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/workflows/item"
)

func requireIssuer(a auth.Actor) error {
	if !a.CanIssue() {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部可以交办整改通知")
	}
	return nil
}

// draftFrom reads an order draft from an issuing person's request.
func draftFrom(r *http.Request) (auth.Actor, order.Draft, error) {
	a := actor(r)
	var d order.Draft
	if err := requireIssuer(a); err != nil {
		return a, d, err
	}
	return a, d, decode(r, &d)
}

func (s *server) validateOrder(w http.ResponseWriter, r *http.Request) {
	a, d, err := draftFrom(r)
	if err == nil {
		err = s.Orders.Validate(r.Context(), a.UnitID, d)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true})
}

func (s *server) createOrder(w http.ResponseWriter, r *http.Request) {
	a, d, err := draftFrom(r)
	var id int64
	if err == nil {
		id, err = s.Orders.Create(r.Context(), a.UnitID, a.PersonID, d)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "status": "draft"})
}

func (s *server) listOrders(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	switch status {
	case "", "draft", "issuing", "issued":
	default:
		writeError(w, r, apperr.New(apperr.Invalid, "status", "状态应为draft、issuing或issued"))
		return
	}
	list, err := s.Orders.List(r.Context(), scopeOf(actor(r)), status)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": list})
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	o, err := s.Orders.Get(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// issueOrder answers at once: it records the order as issuing and starts the issuance
// workflow, which puts every item under supervision in the background.
func (s *server) issueOrder(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := requireIssuer(a); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.Orders.Get(r.Context(), scopeOf(a), id); err != nil {
		writeError(w, r, err)
		return
	}
	at, err := s.Orders.BeginIssue(r.Context(), id, a.UnitID, a.PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	wfID, err := item.StartIssue(r.Context(), s.Temporal, s.TaskQueue, item.IssueOrderInput{Deployment: s.Deployment, OrderID: id, IssuedBy: a.PersonID, IssuedAt: at})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"order_id": id, "status": "issuing", "workflow_id": wfID})
}
