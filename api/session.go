package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"rectify/internal/auth"
)

// sessionRoutes are signing in and out and the caller's own account: who they are, their
// password and their personal API tokens. Signing in and out need no actor; the session
// they act on is the one auth.Middleware loaded.
//
//	POST   /api/session      {"login","password"} → 200 actor (429 when throttled)
//	DELETE /api/session      → 204
//	GET    /api/me           → 200 actor
//	PUT    /api/me/password  {"old_password","new_password"} → 204, other sessions ended
//	GET    /api/tokens       → 200 {"tokens":[...]} (without secrets)
//	POST   /api/tokens       {"name","expires_in_days"} → 201 {"id","name","token","expires_at",...}
//	DELETE /api/tokens/{id}  → 204
func (s *server) sessionRoutes(r chi.Router) {
	a := s.Auth
	r.Post("/api/session", replyTo(http.StatusOK, s.signIn))
	r.Delete("/api/session", acknowledge(func(r *http.Request, _ auth.Actor) error { return a.SignOut(r.Context()) }))
	r.Group(func(r chi.Router) {
		r.Use(a.RequireActor)
		r.Get("/api/me", reply(http.StatusOK, func(_ *http.Request, me auth.Actor) (auth.Actor, error) { return me, nil }))
		r.Put("/api/me/password", noContent(s.changePassword))
		r.Get("/api/tokens", reply(http.StatusOK, asActor(a.OwnTokens)))
		r.Post("/api/tokens", replyTo(http.StatusCreated, withBody(a.CreateOwnToken)))
		r.Delete("/api/tokens/{id}", acknowledge(s.revokeToken))
	})
}

type signInInput struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *server) signIn(r *http.Request, _ auth.Actor, in signInInput) (auth.Actor, error) {
	return s.Auth.SignIn(r.Context(), in.Login, in.Password, s.Auth.ClientAddress(r))
}

type passwordInput struct {
	Old string `json:"old_password"`
	New string `json:"new_password"`
}

func (s *server) changePassword(r *http.Request, a auth.Actor, in passwordInput) error {
	_, bearer := auth.BearerToken(r)
	return s.Auth.ChangeOwnPassword(r.Context(), a, in.Old, in.New, s.Auth.ClientAddress(r), bearer)
}

func (s *server) revokeToken(r *http.Request, a auth.Actor) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		// Not byID's 400: an id that is no number names none of the caller's tokens, which
		// is a 404 like anyone else's token.
		return notFound("id", "访问令牌不存在")
	}
	return s.Auth.RevokeToken(r.Context(), a.PersonID, id)
}
