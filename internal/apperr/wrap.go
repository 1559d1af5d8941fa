package apperr

import "fmt"

// Wrap prefixes *err, when there is one, with what failed, keeping it in the chain
// (%w) so that its Kind and message for people survive. Deferred at the top of a
// function with a named error result, it annotates every return at once:
//
//	defer apperr.Wrap(&err, "order.Issue(%d)", id)
func Wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *err)
	}
}
