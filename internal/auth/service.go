package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/password"
)

const (
	// CookieName is the name of the session cookie.
	CookieName = "rectify_session"
	// DefaultLifetime is the absolute session lifetime when Options.Lifetime is zero.
	DefaultLifetime = 12 * time.Hour
	// TokenPrefix starts every personal API token.
	TokenPrefix = "rct_"

	sessionKeyPersonID = "person_id"
	maxTokenNameRunes  = 100
)

// Messages people see; kept in one place so handlers and tests agree.
const (
	msgBadCredentials = "用户名或密码错误"
	msgBadToken       = "访问令牌无效或已撤销"
	msgSignInFirst    = "请先登录"
	msgTokenName      = "令牌名称不能为空"
)

// Options configure a Service.
type Options struct {
	// SecureCookie sets the Secure attribute on the session cookie (serve over HTTPS).
	SecureCookie bool
	// Lifetime is the absolute session lifetime; zero means DefaultLifetime.
	Lifetime time.Duration
}

// Service signs people in and resolves the acting person of a request.
type Service struct {
	pool     *pgxpool.Pool
	sessions *scs.SessionManager

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// sessionCleanupInterval is how often expired sessions are deleted.
const sessionCleanupInterval = 5 * time.Minute

// NewService builds the session manager on the sessions table of pool.
func NewService(pool *pgxpool.Pool, opts Options) *Service {
	// pgxstore's own cleanup goroutine races with its StopCleanup, so run our own.
	store := pgxstore.NewWithCleanupInterval(pool, 0)
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = opts.Lifetime
	if sm.Lifetime <= 0 {
		sm.Lifetime = DefaultLifetime
	}
	// Keep only a hash of the session token in the database.
	sm.HashTokenInStore = true
	sm.Cookie.Name = CookieName
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.SecureCookie
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		apperr.WriteJSON(w, r, fmt.Errorf("auth.session: %w", err))
	}
	s := &Service{pool: pool, sessions: sm, stop: make(chan struct{}), done: make(chan struct{})}
	go s.cleanupSessions(sessionCleanupInterval)
	return s
}

// Close stops the background removal of expired sessions. It is safe to call more
// than once.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
	})
}

func (s *Service) cleanupSessions(interval time.Duration) {
	defer close(s.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
			cancel()
			if err != nil {
				slog.Error("auth: delete expired sessions", "err", err)
			}
		}
	}
}

// dummyHash is checked against for unknown logins so that they take as long as a
// wrong password for a known one.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash(rand.Text())
	if err != nil {
		// Still a well-formed hash with the same parameters; the key never matches.
		return "$argon2id$v=19$m=65536,t=1,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	}
	return h
})

const (
	actorColumns = `SELECT p.id, p.login, p.name, u.id, u.code, u.name, u.path, p.roles`
	actorFrom    = ` FROM people p JOIN units u ON u.id = p.unit_id`
	actorSelect  = actorColumns + actorFrom
)

func scanActor(row pgx.Row, extra ...any) (Actor, error) {
	var a Actor
	dest := append([]any{&a.PersonID, &a.Login, &a.Name, &a.UnitID, &a.UnitCode, &a.UnitName, &a.UnitPath, &a.Roles}, extra...)
	err := row.Scan(dest...)
	return a, err
}

// Authenticate checks a login and password. A wrong login and a wrong password give the
// same Unauthenticated error and take about the same time.
func (s *Service) Authenticate(ctx context.Context, login, pw string) (Actor, error) {
	var hash string
	a, err := scanActor(s.pool.QueryRow(ctx,
		actorColumns+`, p.password_hash`+actorFrom+` WHERE p.login = $1`, login), &hash)
	found := true
	if errors.Is(err, pgx.ErrNoRows) {
		found = false
	} else if err != nil {
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", err)
	}
	if !found || hash == "" {
		_ = password.Check(dummyHash(), pw)
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", apperr.New(apperr.Unauthenticated, "", msgBadCredentials))
	}
	if err := password.Check(hash, pw); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			// A malformed stored hash is our fault, but the person still only learns
			// that signing in failed.
			return Actor{}, fmt.Errorf("auth.Authenticate: person %d: %w", a.PersonID,
				&apperr.Error{Kind: apperr.Unauthenticated, Message: msgBadCredentials, Err: err})
		}
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", apperr.New(apperr.Unauthenticated, "", msgBadCredentials))
	}
	return a, nil
}

// ActorByPersonID loads a person with their unit; NotFound when there is no such person.
func (s *Service) ActorByPersonID(ctx context.Context, id int64) (Actor, error) {
	a, err := scanActor(s.pool.QueryRow(ctx, actorSelect+` WHERE p.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, fmt.Errorf("auth.ActorByPersonID: %w", apperr.New(apperr.NotFound, "", "人员不存在"))
	}
	if err != nil {
		return Actor{}, fmt.Errorf("auth.ActorByPersonID: %w", err)
	}
	return a, nil
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateToken makes a personal API token for personID. The token is returned once;
// only its SHA-256 is stored.
func (s *Service) CreateToken(ctx context.Context, personID int64, name string) (token string, id int64, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", 0, fmt.Errorf("auth.CreateToken: %w", apperr.New(apperr.Invalid, "name", msgTokenName))
	}
	if utf8.RuneCountInString(name) > maxTokenNameRunes {
		return "", 0, fmt.Errorf("auth.CreateToken: %w",
			apperr.Newf(apperr.Invalid, "name", "令牌名称不能超过%d个字", maxTokenNameRunes))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", 0, fmt.Errorf("auth.CreateToken: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err = s.pool.QueryRow(ctx,
		`INSERT INTO api_tokens (person_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id`,
		personID, name, hashToken(token)).Scan(&id)
	if err != nil {
		return "", 0, fmt.Errorf("auth.CreateToken: %w", err)
	}
	return token, id, nil
}

// RevokeToken revokes one of personID's own tokens; NotFound for anyone else's or no
// such token. Revoking twice is not an error.
func (s *Service) RevokeToken(ctx context.Context, personID, tokenID int64) error {
	tag, err := s.pool.Exec(ctx,
		`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND person_id = $2`,
		tokenID, personID)
	if err != nil {
		return fmt.Errorf("auth.RevokeToken: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("auth.RevokeToken: %w", apperr.New(apperr.NotFound, "id", "访问令牌不存在"))
	}
	return nil
}

// actorByToken resolves a bearer token; Unauthenticated when unknown or revoked.
func (s *Service) actorByToken(ctx context.Context, token string) (Actor, error) {
	bad := apperr.New(apperr.Unauthenticated, "", msgBadToken)
	if !strings.HasPrefix(token, TokenPrefix) {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", bad)
	}
	a, err := scanActor(s.pool.QueryRow(ctx, actorSelect+
		` JOIN api_tokens t ON t.person_id = p.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
		hashToken(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", bad)
	}
	if err != nil {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", err)
	}
	return a, nil
}
