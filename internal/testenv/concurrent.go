package testenv

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Concurrently starts f(0) … f(n-1) each in its own goroutine, for the tests that show a
// race is safe. The returned wait blocks until all have returned and requires that none
// failed.
func Concurrently(t testing.TB, n int, f func(i int) error) (wait func()) {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f(i) })
	}
	return func() {
		t.Helper()
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "call %d of %d", i, n)
		}
	}
}
