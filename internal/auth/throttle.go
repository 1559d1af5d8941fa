package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"rectify/internal/apperr"
)

// Limits bound sign-in attempts (password checks) in a fixed window, per login and per
// client address. Counts live in PostgreSQL (sign_in_attempts) so that every API process
// sees the same ones and a restart forgets nothing.
type Limits struct {
	// PerLogin is the attempts on one login in a window: five guesses, then wait.
	PerLogin int
	// PerAddress is the attempts from one client address (an IPv6 /64) in a window, on
	// any logins: generous enough for an office behind one NAT address.
	PerAddress int
	// Window is the length of the fixed window.
	Window time.Duration
}

// DefaultLimits are the limits when Options.Limits is zero.
var DefaultLimits = Limits{PerLogin: 5, PerAddress: 30, Window: 15 * time.Minute}

// attempt outcomes, for settle.
const (
	attemptFailed    = iota // a wrong password: the attempt stays counted
	attemptSucceeded        // the login's count starts over; the address gets its attempt back
	attemptUnjudged         // no password was checked (no hashing slot): both get it back
)

// reserveAttempt counts an attempt on login from addr before its password is checked, so
// that concurrent guesses are counted too, and refuses it with 429 when either count is
// over its limit. A refused attempt is counted (up to the limit plus one) but extends
// nothing: the window ends when it ends.
func (s *Service) reserveAttempt(ctx context.Context, login, addr string) error {
	l := s.opts.Limits
	rows, err := s.pool.Query(ctx, `
		INSERT INTO sign_in_attempts AS a (scope, key, window_start, attempts)
		VALUES ('login', $1, now(), 1), ('address', $2, now(), 1)
		ON CONFLICT (scope, key) DO UPDATE SET
			window_start = CASE WHEN a.window_start <= now() - $3::interval THEN now() ELSE a.window_start END,
			attempts = CASE WHEN a.window_start <= now() - $3::interval THEN 1
				ELSE least(a.attempts + 1, CASE a.scope WHEN 'login' THEN $4::int ELSE $5::int END + 1) END
		RETURNING attempts > CASE scope WHEN 'login' THEN $4::int ELSE $5::int END,
			extract(epoch FROM window_start + $3::interval - now())::float8`,
		login, addr, l.Window, l.PerLogin, l.PerAddress)
	if err != nil {
		return fmt.Errorf("auth.reserveAttempt: %w", err)
	}
	defer rows.Close()
	var wait time.Duration
	for rows.Next() {
		var over bool
		var secs float64
		if err := rows.Scan(&over, &secs); err != nil {
			return fmt.Errorf("auth.reserveAttempt: %w", err)
		}
		if d := time.Duration(secs * float64(time.Second)); over && d > wait {
			wait = max(d, time.Second)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("auth.reserveAttempt: %w", err)
	}
	if wait > 0 {
		return fmt.Errorf("auth.reserveAttempt: %w", &apperr.Error{Kind: apperr.TooManyRequests,
			Message:    fmt.Sprintf("登录尝试次数过多，请%d分钟后再试", int((wait+time.Minute-1)/time.Minute)),
			RetryAfter: wait})
	}
	return nil
}

// settle records how a reserved attempt ended. It runs even when the request was
// cancelled, so that a success always clears the count.
func (s *Service) settle(ctx context.Context, login, addr string, outcome int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var err error
	switch outcome {
	case attemptSucceeded:
		_, err = s.pool.Exec(ctx, `
			WITH cleared AS (DELETE FROM sign_in_attempts WHERE scope = 'login' AND key = $1)
			UPDATE sign_in_attempts SET attempts = greatest(attempts - 1, 0) WHERE scope = 'address' AND key = $2`,
			login, addr)
	case attemptUnjudged:
		_, err = s.pool.Exec(ctx, `UPDATE sign_in_attempts SET attempts = greatest(attempts - 1, 0)
			WHERE (scope = 'login' AND key = $1) OR (scope = 'address' AND key = $2)`, login, addr)
	}
	if err != nil {
		return fmt.Errorf("auth.settle: %w", err)
	}
	return nil
}

// ClientAddress is the address sign-in attempts are counted against: the connection's
// peer, or the last address in Options.ClientIPHeader when a trusted reverse proxy sets it
// (the last one is the one the proxy saw; earlier ones are the client's to forge). IPv6
// addresses count by their /64, which one client usually holds whole.
func (s *Service) ClientAddress(r *http.Request) string {
	raw := r.RemoteAddr
	if host, _, err := net.SplitHostPort(raw); err == nil {
		raw = host
	}
	if h := s.opts.ClientIPHeader; h != "" {
		if vs := r.Header.Values(h); len(vs) > 0 {
			parts := strings.Split(vs[len(vs)-1], ",")
			if v := strings.TrimSpace(parts[len(parts)-1]); v != "" {
				raw = v
			}
		}
	}
	ip, err := netip.ParseAddr(raw)
	if err != nil {
		return raw
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// hashSlot waits, at most HashWait and never past ctx, for one of the HashConcurrency
// slots in which an argon2id check (64 MiB) may run. When none frees up in time the
// answer is 503 with Retry-After: the server is busy, not the caller wrong.
func (s *Service) hashSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-s.slots }
	select {
	case s.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(s.opts.HashWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("auth.hashSlot: %w", ctx.Err())
	case <-t.C:
		return nil, fmt.Errorf("auth.hashSlot: all %d busy for %s: %w", cap(s.slots), s.opts.HashWait,
			&apperr.Error{Kind: apperr.Unavailable, Message: msgHashBusy, RetryAfter: 2 * time.Second})
	}
}
