package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/auth"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// passDownRoutes are the JSON routes of passing work down (分办, 转办) and checking it
// afterwards (回头看, 抽查复核). Their static segments take precedence over the generic
// /api/items/{id}/{action}.
func (s *server) passDownRoutes(r chi.Router) {
	rect := s.Rectification
	r.Post("/api/items/{id}/assign", replyTo(http.StatusOK, onItem(rect.Assign, func(in *rectification.AssignInput, id, key string) { in.ItemID, in.Key = id, key })))
	r.Post("/api/items/{id}/split", replyTo(http.StatusCreated, onItem(rect.Split, func(in *rectification.SplitInput, id, key string) { in.ItemID, in.Key = id, key })))
	r.Get("/api/items/{id}/children", reply(http.StatusOK, s.children))
	r.Post("/api/items/{id}/look-back", replyTo(http.StatusOK, onItem(rect.LookBack, recheckOf)))
	r.Get("/api/look-backs", reply(http.StatusOK, asActor(rect.LookBacksDue)))
	r.Post("/api/samples", replyTo(http.StatusCreated, withBody(rect.DrawSample)))
	r.Get("/api/samples", reply(http.StatusOK, asActor(rect.Samples)))
	r.Get("/api/samples/{id}", reply(http.StatusOK, byID("sample_id", rect.Sample)))
	r.Post("/api/samples/{id}/items/{item}", replyTo(http.StatusOK, s.reinspect))
}

// onItem serves a command on the item in the path: set puts the path's id and the
// Idempotency-Key header into the decoded body.
func onItem[In, T any](f func(context.Context, auth.Actor, In) (T, error), set func(in *In, id, key string)) func(*http.Request, auth.Actor, In) (T, error) {
	return func(r *http.Request, a auth.Actor, in In) (T, error) {
		set(&in, chi.URLParam(r, "id"), strings.TrimSpace(r.Header.Get("Idempotency-Key")))
		return f(r.Context(), a, in)
	}
}

func recheckOf(in *rectification.RecheckInput, id, key string) { in.ItemID, in.Key = id, key }

func (s *server) children(r *http.Request, a auth.Actor) (rectification.ItemList, error) {
	return s.Rectification.Children(r.Context(), a, chi.URLParam(r, "id"))
}

// reinspect records the re-inspection of the sampled item in the path.
func (s *server) reinspect(r *http.Request, a auth.Actor, in rectification.RecheckInput) (itemmsg.ActionResult, error) {
	id, err := pathID(r, "id", "sample_id")
	if err != nil {
		return itemmsg.ActionResult{}, err
	}
	in.ItemID, in.Key = chi.URLParam(r, "item"), strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	return s.Rectification.Reinspect(r.Context(), a, id, in)
}
