package auth

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"rectify/internal/apperr"
)

// SignIn checks a login and password tried from the client address addr and, when they
// are right, starts a new session for the request whose context is ctx (it must run inside
// Middleware). The JSON sign-in and the sign-in page both come through here, so they refuse
// the same input with the same messages and are throttled together.
func (s *Service) SignIn(ctx context.Context, login, pw, addr string) (Actor, error) {
	login = strings.TrimSpace(login)
	var fields []apperr.FieldError
	if login == "" {
		fields = append(fields, apperr.FieldError{Field: "login", Message: "请输入用户名"})
	}
	if utf8.RuneCountInString(login) > maxLoginRunes {
		fields = append(fields, apperr.FieldError{Field: "login", Message: fmt.Sprintf("用户名不能超过%d个字", maxLoginRunes)})
	}
	if pw == "" {
		fields = append(fields, apperr.FieldError{Field: "password", Message: "请输入密码"})
	} else if len(pw) > maxPasswordBytes {
		fields = append(fields, apperr.FieldError{Field: "password", Message: "密码过长"})
	}
	if len(fields) > 0 {
		return Actor{}, apperr.InvalidFields(fields)
	}
	a, err := s.Authenticate(ctx, login, pw, addr)
	if err != nil {
		return Actor{}, err
	}
	_, version, err := s.actorAndVersion(ctx, a.PersonID)
	if err != nil {
		return Actor{}, fmt.Errorf("auth.SignIn: %w", err)
	}
	if err := s.startSession(ctx, a.PersonID, version); err != nil {
		return Actor{}, err
	}
	return a, nil
}

// SignOut ends the session of the request whose context is ctx.
func (s *Service) SignOut(ctx context.Context) error {
	if err := s.sessions.Destroy(ctx); err != nil {
		return fmt.Errorf("auth.SignOut: %w", err)
	}
	return nil
}
