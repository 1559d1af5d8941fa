package apperr

import (
	"errors"
	"testing"
)

func TestWrap(t *testing.T) {
	f := func(fail error) (err error) {
		defer Wrap(&err, "pkg.F(%d)", 7)
		return fail
	}
	if err := f(nil); err != nil {
		t.Fatalf("nil error wrapped: %v", err)
	}
	inner := New(NotFound, "id", "不存在")
	err := f(inner)
	if got, want := err.Error(), "pkg.F(7): not_found: 不存在 (id)"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, inner) || KindOf(err) != NotFound {
		t.Fatalf("wrapped error lost its chain: %v", err)
	}
}
