package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/telemetry"
)

// loadedKey marks a context into which Middleware loaded the session.
type loadedKey struct{}

// Middleware loads and saves the session and puts the acting person in the request
// context: from an "Authorization: Bearer rct_..." header if there is one (an unknown
// or revoked token is a 401), otherwise from the session. A request with neither
// passes through without an actor.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadedKey{}, true)
		if token, ok := BearerToken(r); ok {
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
		if a, ok := ActorFrom(ctx); ok {
			telemetry.AddLogAttrs(ctx, slog.Int64("person_id", a.PersonID), slog.String("login", a.Login))
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// BearerToken returns the token of an "Authorization: Bearer ..." header. A request that
// has one acts by that token alone, whatever session cookie it also carries.
func BearerToken(r *http.Request) (string, bool) {
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
