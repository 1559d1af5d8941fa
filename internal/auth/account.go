package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"rectify/internal/apperr"
)

// What a person does with their own account: sign in and out, change their password, keep
// their personal API tokens. The JSON API and the pages both call these; the session ones
// need the request context that Middleware loaded the session into.

// errNoSession is a wiring fault: the handler does not run inside Middleware.
var errNoSession = errors.New("no session in the request context (the handler must run inside auth.Middleware)")

// sessionLoaded reports whether Middleware loaded a session into ctx; without one the
// session manager panics instead of failing.
func sessionLoaded(ctx context.Context) bool { return ctx.Value(loadedKey{}) != nil }

// SignIn checks login and password tried from clientAddr (see ClientAddress) and signs the
// request's session in as that person under a new session token. Missing or overlong
// fields are refused before any attempt is counted; see Authenticate for the throttle.
func (s *Service) SignIn(ctx context.Context, login, password, clientAddr string) (Actor, error) {
	if !sessionLoaded(ctx) {
		return Actor{}, fmt.Errorf("auth.SignIn: %w", errNoSession)
	}
	login = strings.TrimSpace(login)
	var fields []apperr.FieldError
	if login == "" {
		fields = append(fields, apperr.FieldError{Field: "login", Message: "请输入用户名"})
	}
	if utf8.RuneCountInString(login) > maxLoginRunes {
		fields = append(fields, apperr.FieldError{Field: "login", Message: fmt.Sprintf("用户名不能超过%d个字", maxLoginRunes)})
	}
	if password == "" {
		fields = append(fields, apperr.FieldError{Field: "password", Message: "请输入密码"})
	} else if len(password) > maxPasswordBytes {
		fields = append(fields, apperr.FieldError{Field: "password", Message: "密码过长"})
	}
	if len(fields) > 0 {
		return Actor{}, apperr.InvalidFields(fields)
	}
	a, err := s.Authenticate(ctx, login, password, clientAddr)
	if err != nil {
		return Actor{}, fmt.Errorf("auth.SignIn: %w", err)
	}
	_, version, err := s.actorAndVersion(ctx, a.PersonID)
	if err != nil {
		return Actor{}, fmt.Errorf("auth.SignIn: %w", err)
	}
	if err := s.startSession(ctx, a.PersonID, version); err != nil {
		return Actor{}, fmt.Errorf("auth.SignIn: %w", err)
	}
	return a, nil
}

// SignOut ends the request's session; signing out when not signed in is not an error.
func (s *Service) SignOut(ctx context.Context) error {
	if !sessionLoaded(ctx) {
		return fmt.Errorf("auth.SignOut: %w", errNoSession)
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return fmt.Errorf("auth.SignOut: %w", err)
	}
	return nil
}

// ChangeOwnPassword is ChangePassword for the person acting: every other session of theirs
// ends, and the one making the change continues under a new token unless the request came
// with a bearer token (which has no session to keep). Personal API tokens are credentials
// of their own and stay until revoked or expired.
func (s *Service) ChangeOwnPassword(ctx context.Context, a Actor, oldPw, newPw, clientAddr string, bearer bool) error {
	// Checked first: the password must not change when the session cannot follow.
	if !bearer && !sessionLoaded(ctx) {
		return fmt.Errorf("auth.ChangeOwnPassword: %w", errNoSession)
	}
	version, err := s.ChangePassword(ctx, a, oldPw, newPw, clientAddr)
	if err != nil {
		return err
	}
	if bearer {
		return nil
	}
	if err := s.startSession(ctx, a.PersonID, version); err != nil {
		return fmt.Errorf("auth.ChangeOwnPassword: %w", err)
	}
	return nil
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

// TokenList is a person's own personal API tokens, newest first, without their secrets.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// OwnTokens lists the acting person's tokens; the list is empty, never nil, when they have
// none.
func (s *Service) OwnTokens(ctx context.Context, a Actor) (TokenList, error) {
	list, err := s.Tokens(ctx, a.PersonID)
	if err != nil {
		return TokenList{}, err
	}
	if list == nil {
		list = []Token{}
	}
	return TokenList{Tokens: list}, nil
}

// TokenInput asks for a personal API token.
type TokenInput struct {
	Name string `json:"name"`
	// Days is optional: DefaultTokenDays when absent, 1 to MaxTokenDays when given.
	Days *int `json:"expires_in_days"`
}

// CreateOwnToken makes a personal API token for the acting person; see CreateToken.
func (s *Service) CreateOwnToken(ctx context.Context, a Actor, in TokenInput) (Token, error) {
	days := DefaultTokenDays
	if in.Days != nil {
		days = *in.Days
		if days == 0 {
			days = -1 // an explicit 0 is not "the default"
		}
	}
	return s.CreateToken(ctx, a.PersonID, in.Name, days)
}
