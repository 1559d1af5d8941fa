package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
)

const maxBodyBytes = 1 << 20

type loadedKey struct{}

// Middleware loads and saves the session and puts the acting person in the request
// context: from an "Authorization: Bearer rct_..." header if there is one (an unknown
// or revoked token is a 401), otherwise from the session. A request with neither
// passes through without an actor.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadedKey{}, true)
		if token, ok := bearerToken(r); ok {
			a, err := s.actorByToken(ctx, token)
			if err != nil {
				apperr.WriteJSON(w, r, fmt.Errorf("auth.Middleware: %w", err))
				return
			}
			ctx = WithActor(ctx, a)
		} else if id := s.sessions.GetInt64(ctx, sessionKeyPersonID); id != 0 {
			a, version, err := s.actorAndVersion(ctx, id)
			switch {
			case apperr.KindOf(err) == apperr.NotFound || (err == nil && version != s.sessions.GetInt(ctx, sessionKeyVersion)):
				// The person is gone, or changed their password since this session signed
				// in: the session is worth nothing.
				if err := s.sessions.Destroy(ctx); err != nil {
					apperr.WriteJSON(w, r, fmt.Errorf("auth.Middleware: destroy stale session: %w", err))
					return
				}
			case err != nil:
				apperr.WriteJSON(w, r, fmt.Errorf("auth.Middleware: %w", err))
				return
			default:
				ctx = WithActor(ctx, a)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// bearerToken returns the token of an "Authorization: Bearer ..." header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// RequireActor answers 401 when the request has no acting person.
func (s *Service) RequireActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := ActorFrom(r.Context()); !ok {
			apperr.WriteJSON(w, r, apperr.New(apperr.Unauthenticated, "", msgSignInFirst))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ensureMiddleware applies Middleware unless an outer router already did.
func (s *Service) ensureMiddleware(next http.Handler) http.Handler {
	wrapped := s.Middleware(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(loadedKey{}) != nil {
			next.ServeHTTP(w, r)
			return
		}
		wrapped.ServeHTTP(w, r)
	})
}

// Mount registers the sign-in and token endpoints on r:
//
//	POST   /api/session      {"login","password"} → 200 actor (429 when throttled)
//	DELETE /api/session      → 204
//	GET    /api/me           → 200 actor
//	PUT    /api/me/password  {"old_password","new_password"} → 204, other sessions ended
//	GET    /api/tokens       → 200 {"tokens":[...]} (without secrets)
//	POST   /api/tokens       {"name","expires_in_days"} → 201 {"id","name","token","expires_at",...}
//	DELETE /api/tokens/{id}  → 204
//
// Middleware is applied to these routes unless it already wraps r.
func (s *Service) Mount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.ensureMiddleware)
		r.Post("/api/session", s.handleSignIn)
		r.Delete("/api/session", s.handleSignOut)
		r.Group(func(r chi.Router) {
			r.Use(s.RequireActor)
			r.Get("/api/me", s.handleMe)
			r.Put("/api/me/password", s.handleChangePassword)
			r.Get("/api/tokens", s.handleListTokens)
			r.Post("/api/tokens", s.handleCreateToken)
			r.Delete("/api/tokens/{id}", s.handleRevokeToken)
		})
	})
}

func (s *Service) handleSignIn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if !decoded(w, r, &in) {
		return
	}
	a, err := s.SignIn(r.Context(), in.Login, in.Password, s.ClientAddress(r))
	if err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// startSession gives the request a new session token (so that a planted one is
// worthless) signed in as personID at credentials version.
func (s *Service) startSession(ctx context.Context, personID int64, version int) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("auth.startSession: renew session: %w", err)
	}
	s.sessions.Put(ctx, sessionKeyPersonID, personID)
	s.sessions.Put(ctx, sessionKeyVersion, version)
	return nil
}

// handleChangePassword changes the caller's own password. Every other session of theirs
// ends; the one making the change (if it is a session) continues under a new token.
// Personal API tokens are credentials of their own and stay until revoked or expired.
func (s *Service) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	var in struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if !decoded(w, r, &in) {
		return
	}
	version, err := s.ChangePassword(r.Context(), a, in.Old, in.New, s.ClientAddress(r))
	if err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	if _, bearer := bearerToken(r); !bearer {
		if err := s.startSession(r.Context(), a.PersonID, version); err != nil {
			apperr.WriteJSON(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if err := s.SignOut(r.Context()); err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	writeJSON(w, http.StatusOK, a)
}

func (s *Service) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	var in struct {
		Name string `json:"name"`
		// Days is optional: DefaultTokenDays when absent, 1 to MaxTokenDays when given.
		Days *int `json:"expires_in_days"`
	}
	if !decoded(w, r, &in) {
		return
	}
	days := DefaultTokenDays
	if in.Days != nil {
		days = *in.Days
		if days == 0 {
			days = -1 // an explicit 0 is not "the default"
		}
	}
	t, err := s.CreateToken(r.Context(), a.PersonID, in.Name, days)
	if err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Service) handleListTokens(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	list, err := s.Tokens(r.Context(), a.PersonID)
	if err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	if list == nil {
		list = []Token{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": list})
}

func (s *Service) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	a, _ := ActorFrom(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		apperr.WriteJSON(w, r, apperr.New(apperr.NotFound, "id", "访问令牌不存在"))
		return
	}
	if err := s.RevokeToken(r.Context(), a.PersonID, id); err != nil {
		apperr.WriteJSON(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decoded reads the JSON body into v; when it cannot, it writes the error and says false.
func decoded(w http.ResponseWriter, r *http.Request, v any) bool {
	err := decodeJSON(w, r, v)
	if err != nil {
		apperr.WriteJSON(w, r, err)
	}
	return err == nil
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apperr.Error{Kind: apperr.Invalid, Field: "body", Message: "请求体过大", Err: err}
		}
		return &apperr.Error{Kind: apperr.Invalid, Field: "body", Message: "请求体不是有效的JSON", Err: err}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
