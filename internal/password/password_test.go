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
