package api

import (
	"net/http"

	"rectify/internal/auth"
)

// The one shape of a JSON endpoint: a handler reads the request into the service's typed
// input, calls the service, and returns a typed result or an error; these adapters write the
// JSON or the error body, so no handler writes a response itself.

// reply serves a handler that reads only the path and query.
func reply[T any](status int, h func(r *http.Request, a auth.Actor) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r, actor(r))
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, status, v)
	}
}

// replyTo serves a handler that also takes a JSON body, decoded strictly into In.
func replyTo[In, T any](status int, h func(r *http.Request, a auth.Actor, in In) (T, error)) http.HandlerFunc {
	return reply(status, func(r *http.Request, a auth.Actor) (T, error) {
		var in In
		if err := decode(r, &in); err != nil {
			var zero T
			return zero, err
		}
		return h(r, a, in)
	})
}
