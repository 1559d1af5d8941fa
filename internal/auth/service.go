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
	"rectify/internal/audit"
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
	// sessionKeyVersion is the person's credentials_version at sign-in; a password change
	// raises it and so ends every session signed in before.
	sessionKeyVersion = "credentials_version"
	maxTokenNameRunes = 100

	// DefaultTokenDays is a personal API token's lifetime when none is asked for;
	// MaxTokenDays is the longest that may be asked for.
	DefaultTokenDays = 90
	MaxTokenDays     = 365

	// DefaultHashConcurrency bounds argon2id checks running at once (64 MiB each).
	DefaultHashConcurrency = 4
	// DefaultHashWait is how long a sign-in waits for a free hashing slot.
	DefaultHashWait = 2 * time.Second

	maxLoginRunes    = 100
	maxPasswordBytes = 1024
)

// Messages people see; kept in one place so handlers and tests agree.
const (
	msgBadCredentials = "用户名或密码错误"
	msgBadToken       = "访问令牌无效或已撤销"
	msgTokenExpired   = "访问令牌已过期，请登录后重新创建"
	msgSignInFirst    = "请先登录"
	msgTokenName      = "令牌名称不能为空"
	msgHashBusy       = "登录请求较多，请稍后再试"
	msgOldPassword    = "原密码不正确"
)

// Options configure a Service.
type Options struct {
	// SecureCookie sets the Secure attribute on the session cookie (serve over HTTPS).
	SecureCookie bool
	// Lifetime is the absolute session lifetime; zero means DefaultLifetime.
	Lifetime time.Duration
	// Limits throttle sign-in attempts; zero means DefaultLimits.
	Limits Limits
	// HashConcurrency bounds password checks running at once; zero means
	// DefaultHashConcurrency.
	HashConcurrency int
	// HashWait is how long a request waits for a hashing slot before 503; zero means
	// DefaultHashWait.
	HashWait time.Duration
	// ClientIPHeader names the header in which a trusted reverse proxy passes the client's
	// address (X-Real-IP, X-Forwarded-For); empty means the connection's peer.
	ClientIPHeader string
}

// Service signs people in and resolves the acting person of a request.
type Service struct {
	pool     *pgxpool.Pool
	sessions *scs.SessionManager
	opts     Options
	// slots is a semaphore of HashConcurrency places for argon2id work.
	slots chan struct{}

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
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.HashConcurrency <= 0 {
		opts.HashConcurrency = DefaultHashConcurrency
	}
	if opts.HashWait <= 0 {
		opts.HashWait = DefaultHashWait
	}
	s := &Service{pool: pool, sessions: sm, opts: opts, slots: make(chan struct{}, opts.HashConcurrency),
		stop: make(chan struct{}), done: make(chan struct{})}
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
			if err != nil {
				slog.Error("auth: delete expired sessions", "err", err)
			}
			_, err = s.pool.Exec(ctx, `DELETE FROM sign_in_attempts WHERE window_start < now() - $1::interval`, s.opts.Limits.Window)
			if err != nil {
				slog.Error("auth: delete old sign-in attempts", "err", err)
			}
			cancel()
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

// Authenticate checks a login and password tried from the client address addr (see
// ClientAddress). A wrong login and a wrong password give the same Unauthenticated error
// and take about the same time. Attempts are throttled per login and per address (429 with
// Retry-After), and the check waits for a hashing slot (503 when none frees up in time).
func (s *Service) Authenticate(ctx context.Context, login, pw, addr string) (Actor, error) {
	if err := s.reserveAttempt(ctx, login, addr); err != nil {
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", err)
	}
	a, err := s.checkCredentials(ctx, login, pw)
	outcome := attemptFailed
	switch {
	case err == nil:
		outcome = attemptSucceeded
	case apperr.KindOf(err) != apperr.Unauthenticated:
		// Busy, or a database fault: no password was judged.
		outcome = attemptUnjudged
	}
	if serr := s.settle(ctx, login, addr, outcome); serr != nil && err == nil {
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", serr)
	}
	if err != nil {
		return Actor{}, fmt.Errorf("auth.Authenticate: %w", err)
	}
	return a, nil
}

// checkCredentials is Authenticate without the throttle.
func (s *Service) checkCredentials(ctx context.Context, login, pw string) (Actor, error) {
	var hash string
	a, err := scanActor(s.pool.QueryRow(ctx,
		actorColumns+`, p.password_hash`+actorFrom+` WHERE p.login = $1`, login), &hash)
	found := true
	if errors.Is(err, pgx.ErrNoRows) {
		found = false
	} else if err != nil {
		return Actor{}, err
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return Actor{}, err
	}
	defer release()
	if !found || hash == "" {
		_ = password.Check(dummyHash(), pw)
		return Actor{}, apperr.New(apperr.Unauthenticated, "", msgBadCredentials)
	}
	if err := password.Check(hash, pw); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			// A malformed stored hash is our fault, but the person still only learns
			// that signing in failed.
			return Actor{}, fmt.Errorf("person %d: %w", a.PersonID,
				&apperr.Error{Kind: apperr.Unauthenticated, Message: msgBadCredentials, Err: err})
		}
		return Actor{}, apperr.New(apperr.Unauthenticated, "", msgBadCredentials)
	}
	return a, nil
}

// ChangePassword sets a's password to newPw after checking oldPw, and raises the
// person's credentials version so that every session signed in before ends; it returns
// the new version. Wrong old passwords count as failed sign-in attempts.
func (s *Service) ChangePassword(ctx context.Context, a Actor, oldPw, newPw, addr string) (version int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("auth.ChangePassword: person %d: %w", a.PersonID, err)
		}
	}()
	var fields []apperr.FieldError
	if oldPw == "" {
		fields = append(fields, apperr.FieldError{Field: "old_password", Message: "请输入原密码"})
	}
	if verr := password.Validate(newPw, a.Login); verr != nil {
		fields = append(fields, apperr.FieldError{Field: "new_password", Message: verr.Error()})
	} else if newPw == oldPw {
		fields = append(fields, apperr.FieldError{Field: "new_password", Message: "新密码不能与原密码相同"})
	}
	if len(fields) > 0 {
		return 0, apperr.InvalidFields(fields)
	}
	if err := s.reserveAttempt(ctx, a.Login, addr); err != nil {
		return 0, err
	}
	version, err = s.replacePassword(ctx, a, oldPw, newPw)
	outcome := attemptSucceeded
	if err != nil {
		outcome = attemptUnjudged
		if e, ok := apperr.As(err); ok && e.Field == "old_password" {
			outcome = attemptFailed
		}
	}
	if serr := s.settle(ctx, a.Login, addr, outcome); serr != nil && err == nil {
		return 0, serr
	}
	return version, err
}

func (s *Service) replacePassword(ctx context.Context, a Actor, oldPw, newPw string) (int, error) {
	var hash string
	if err := s.pool.QueryRow(ctx, `SELECT password_hash FROM people WHERE id = $1`, a.PersonID).Scan(&hash); err != nil {
		return 0, err
	}
	release, err := s.hashSlot(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	if hash == "" {
		return 0, apperr.New(apperr.Invalid, "old_password", msgOldPassword)
	}
	if err := password.Check(hash, oldPw); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return 0, apperr.New(apperr.Invalid, "old_password", msgOldPassword)
		}
		return 0, err
	}
	newHash, err := password.Hash(newPw)
	if err != nil {
		return 0, err
	}
	var version int
	// The change and its audit row are one transaction (the hash itself is never logged).
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Compare-and-set on the old hash: two changes at once cannot both succeed on one
		// old password.
		err := tx.QueryRow(ctx, `UPDATE people SET password_hash = $2, credentials_version = credentials_version + 1
			WHERE id = $1 AND password_hash = $3 RETURNING credentials_version`, a.PersonID, newHash, hash).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.Conflict, "old_password", "密码刚刚已被修改，请重新登录后再试")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.PersonID, Action: "password.change",
			Subject: fmt.Sprintf("person:%d", a.PersonID), Detail: map[string]any{"credentials_version": version}})
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// ActorByPersonID loads a person with their unit; NotFound when there is no such person.
func (s *Service) ActorByPersonID(ctx context.Context, id int64) (Actor, error) {
	a, _, err := s.actorAndVersion(ctx, id)
	return a, err
}

// actorAndVersion is ActorByPersonID with the person's credentials version.
func (s *Service) actorAndVersion(ctx context.Context, id int64) (Actor, int, error) {
	var version int
	a, err := scanActor(s.pool.QueryRow(ctx, actorColumns+`, p.credentials_version`+actorFrom+` WHERE p.id = $1`, id), &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, 0, fmt.Errorf("auth.ActorByPersonID: %w", apperr.New(apperr.NotFound, "", "人员不存在"))
	}
	if err != nil {
		return Actor{}, 0, fmt.Errorf("auth.ActorByPersonID: %w", err)
	}
	return a, version, nil
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Token is a personal API token as its owner sees it; Token (the secret) is only ever
// filled in the answer to its creation.
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Token     string     `json:"token,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken makes a personal API token for personID that expires after days (zero
// means DefaultTokenDays, at most MaxTokenDays). The token is returned once; only its
// SHA-256 is stored.
func (s *Service) CreateToken(ctx context.Context, personID int64, name string, days int) (Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Token{}, fmt.Errorf("auth.CreateToken: %w", apperr.New(apperr.Invalid, "name", msgTokenName))
	}
	if utf8.RuneCountInString(name) > maxTokenNameRunes {
		return Token{}, fmt.Errorf("auth.CreateToken: %w",
			apperr.Newf(apperr.Invalid, "name", "令牌名称不能超过%d个字", maxTokenNameRunes))
	}
	if days == 0 {
		days = DefaultTokenDays
	}
	if days < 1 || days > MaxTokenDays {
		return Token{}, fmt.Errorf("auth.CreateToken: %w",
			apperr.Newf(apperr.Invalid, "expires_in_days", "有效期应为1至%d天", MaxTokenDays))
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, fmt.Errorf("auth.CreateToken: %w", err)
	}
	t := Token{Name: name, Token: TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])}
	err := s.pool.QueryRow(ctx,
		`INSERT INTO api_tokens (person_id, name, token_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(days => $4))
		RETURNING id, created_at, expires_at`,
		personID, name, hashToken(t.Token), days).Scan(&t.ID, &t.CreatedAt, &t.ExpiresAt)
	if err != nil {
		return Token{}, fmt.Errorf("auth.CreateToken: %w", err)
	}
	return t, nil
}

// Tokens lists personID's own tokens, newest first, without their secrets.
func (s *Service) Tokens(ctx context.Context, personID int64) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_at, expires_at, revoked_at FROM api_tokens
		WHERE person_id = $1 ORDER BY id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("auth.Tokens: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Token, error) {
		var t Token
		err := row.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("auth.Tokens: %w", err)
	}
	return list, nil
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

// actorByToken resolves a bearer token; Unauthenticated when unknown, revoked or expired
// (an expired one says so, so that a script's owner knows to make a new one).
func (s *Service) actorByToken(ctx context.Context, token string) (Actor, error) {
	bad := apperr.New(apperr.Unauthenticated, "", msgBadToken)
	if !strings.HasPrefix(token, TokenPrefix) {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", bad)
	}
	var expired bool
	a, err := scanActor(s.pool.QueryRow(ctx, actorColumns+`, t.expires_at <= now()`+actorFrom+
		` JOIN api_tokens t ON t.person_id = p.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
		hashToken(token)), &expired)
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", bad)
	}
	if err != nil {
		return Actor{}, fmt.Errorf("auth.actorByToken: %w", err)
	}
	if expired {
		return Actor{}, fmt.Errorf("auth.actorByToken: token of person %d: %w", a.PersonID,
			apperr.New(apperr.Unauthenticated, "", msgTokenExpired))
	}
	return a, nil
}
