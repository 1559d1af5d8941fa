package api

import (
	"context"
	"io"
	"mime"
	"net/http"

	"rectify/internal/auth"
	"rectify/internal/rectification"
)

// The one shape of an endpoint: a handler reads the request into the service's typed input,
// calls the service, and returns a typed result or an error; these adapters write the JSON,
// the file or the error body, so no handler writes a response itself.

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

// sendFile serves a handler that answers with a file to save: ranges and conditional
// requests are answered from its content and time.
func sendFile(h func(r *http.Request, a auth.Actor) (rectification.Download, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := h(r, actor(r))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if c, ok := d.Body.(io.Closer); ok {
			defer c.Close()
		}
		attachmentOf(w, d.ContentType, d.Name)
		if d.SHA256 != "" {
			w.Header().Set("X-Content-SHA256", d.SHA256)
		}
		http.ServeContent(w, r, "", d.ModTime, d.Body)
	}
}

// attachmentOf sets the headers of a file to save as name.
func attachmentOf(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
}

// bounded caps a request body at limit bytes: reading past it fails, and the server closes
// the connection after the answer instead of reading the rest.
func bounded(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h(w, r)
	}
}

// acknowledge serves a command that reads only the path and answers 204 No Content, with
// no body and no Content-Type.
func acknowledge(h func(r *http.Request, a auth.Actor) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(r, actor(r)); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// noContent is acknowledge for a command that also takes a JSON body.
func noContent[In any](h func(r *http.Request, a auth.Actor, in In) error) http.HandlerFunc {
	return acknowledge(func(r *http.Request, a auth.Actor) error {
		var in In
		if err := decode(r, &in); err != nil {
			return err
		}
		return h(r, a, in)
	})
}

// Most service methods take the context, the actor and then the path's id, the decoded body,
// or both; these adapters make such a method a handler, so that a route can name the method
// itself and a handler is written only where it reads more of the request.

// asActor serves a service method that needs nothing but the actor.
func asActor[T any](f func(context.Context, auth.Actor) (T, error)) func(*http.Request, auth.Actor) (T, error) {
	return func(r *http.Request, a auth.Actor) (T, error) { return f(r.Context(), a) }
}

// withBody serves a service method that takes the JSON body.
func withBody[In, T any](f func(context.Context, auth.Actor, In) (T, error)) func(*http.Request, auth.Actor, In) (T, error) {
	return func(r *http.Request, a auth.Actor, in In) (T, error) { return f(r.Context(), a, in) }
}

// byID serves a service method on what the path's {id} names; field names the id in the
// error when it is not a positive integer.
func byID[T any](field string, f func(context.Context, auth.Actor, int64) (T, error)) func(*http.Request, auth.Actor) (T, error) {
	return func(r *http.Request, a auth.Actor) (T, error) {
		id, err := pathID(r, "id", field)
		if err != nil {
			var zero T
			return zero, err
		}
		return f(r.Context(), a, id)
	}
}

// byIDWithBody is byID for a method that also takes the JSON body.
func byIDWithBody[In, T any](field string, f func(context.Context, auth.Actor, int64, In) (T, error)) func(*http.Request, auth.Actor, In) (T, error) {
	return func(r *http.Request, a auth.Actor, in In) (T, error) {
		return byID(field, func(ctx context.Context, a auth.Actor, id int64) (T, error) { return f(ctx, a, id, in) })(r, a)
	}
}
