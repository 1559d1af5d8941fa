// Package password hashes and checks sign-in passwords with argon2id, in the PHC string
// format so that parameters can be raised later without breaking stored hashes.
package password

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// params follow the RFC 9106 second recommendation scaled for a small server. Stored
// hashes carry their own parameters, so raising these later breaks none of them.
var params = &argon2id.Params{
	Memory:      64 * 1024, // KiB
	Iterations:  1,
	Parallelism: 2,
	SaltLength:  16,
	KeyLength:   32,
}

// ErrMismatch is returned when the password does not match the hash.
var ErrMismatch = errors.New("password: mismatch")

// Hash returns the PHC-encoded argon2id hash of pw.
func Hash(pw string) (string, error) {
	h, err := argon2id.CreateHash(pw, params)
	if err != nil {
		return "", fmt.Errorf("password.Hash: %w", err)
	}
	return h, nil
}

// Check compares pw with an encoded hash in constant time.
func Check(encoded, pw string) error {
	ok, err := argon2id.ComparePasswordAndHash(pw, encoded)
	if err != nil {
		return fmt.Errorf("password.Check: %w", err)
	}
	if !ok {
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
