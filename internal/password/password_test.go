package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashThenCheck(t *testing.T) {
	h, err := Hash("正确的密码")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if err := Check(h, "正确的密码"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := Check(h, "错误的密码"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: got %v, want ErrMismatch", err)
	}
	h2, _ := Hash("正确的密码")
	if h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
	if err := Check("plain", "x"); err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("malformed hash should be an error, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]string{
		"rectify-demo":            "",
		"整改督办2026":                "",
		"short-1":                 "密码至少需要8个字符",
		"abcdefghijkl":            "密码应至少包含字母、数字、符号中的两类",
		"1234567890":              "密码应至少包含字母、数字、符号中的两类",
		"lijun-2026":              "",
		"LIJUN2026":               "密码不能与用户名相同",
		"tab\there-123":           "密码不能包含控制字符",
		strings.Repeat("密码1", 22): "密码不能超过64个字符",
	}
	for pw, want := range cases {
		err := Validate(pw, "lijun2026")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Validate(%q) = %q, want %q", pw, got, want)
		}
	}
}

// A hash written by the hand-made encoder this package had before it used
// alexedwards/argon2id: stored hashes like it must still verify.
func TestCheckHashOfEarlierEncoder(t *testing.T) {
	const old = "$argon2id$v=19$m=65536,t=1,p=2$JVSvjXzlpcaTDU7gZ6Fqbg$NDQoplhMPwXbxVotw09PfHgzw3ly5B5PXOuVRaDP8Tc"
	if err := Check(old, "旧密码-2024"); err != nil {
		t.Fatalf("old hash refused: %v", err)
	}
	if err := Check(old, "旧密码-2025"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: got %v, want ErrMismatch", err)
	}
	// The fallback auth checks unknown logins against: well formed, never matching.
	const dummy = "$argon2id$v=19$m=65536,t=1,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if err := Check(dummy, "x"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("dummy hash: got %v, want ErrMismatch", err)
	}
}
