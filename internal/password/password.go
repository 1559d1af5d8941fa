// Package password hashes and checks sign-in passwords with argon2id, in the PHC string
// format so that parameters can be raised later without breaking stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Parameters follow the RFC 9106 second recommendation scaled for a small server.
const (
	memoryKiB = 64 * 1024
	passes    = 1
	threads   = 2
	keyLen    = 32
	saltLen   = 16
)

// ErrMismatch is returned when the password does not match the hash.
var ErrMismatch = errors.New("password: mismatch")

// Hash returns the PHC-encoded argon2id hash of pw.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password.Hash: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Check compares pw with an encoded hash in constant time.
func Check(encoded, pw string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("password.Check: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return fmt.Errorf("password.Check: unsupported version %q", parts[2])
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return fmt.Errorf("password.Check: parameters %q: %w", parts[3], err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("password.Check: salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("password.Check: key: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// Rules for a new password (a password change); passwords loaded with the organization
// tree are the loader's business.
const (
	MinRunes = 8
	MaxRunes = 64
)

// Validate checks a new password against the rules: 8 to 64 characters, at least two of
// letters, digits and other characters, no control characters, not the login itself. The
// error's text is the reason in Chinese, for the person choosing it.
func Validate(pw, login string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinRunes:
		return fmt.Errorf("密码至少需要%d个字符", MinRunes)
	case n > MaxRunes:
		return fmt.Errorf("密码不能超过%d个字符", MaxRunes)
	case !utf8.ValidString(pw):
		return errors.New("密码含有无法识别的字符")
	}
	var letters, digits, others bool
	for _, r := range pw {
		switch {
		case unicode.IsControl(r):
			return errors.New("密码不能包含控制字符")
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsLetter(r):
			letters = true
		default:
			others = true
		}
	}
	classes := 0
	for _, has := range []bool{letters, digits, others} {
		if has {
			classes++
		}
	}
	if classes < 2 {
		return errors.New("密码应至少包含字母、数字、符号中的两类")
	}
	if login != "" && strings.EqualFold(strings.TrimSpace(pw), login) {
		return errors.New("密码不能与用户名相同")
	}
	return nil
}
