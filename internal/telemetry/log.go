// Package telemetry is what every request carries for operators: its log attributes (request
// id, the signed-in person, the workflow an action went to), the route it matched and the
// HTTP metrics by that route.
package telemetry

import (
	"context"
	"log/slog"
	"sync"
)

type attrsKey struct{}

// logAttrs are a request's attributes, added to by the layers it passes (auth adds the
// person, the Temporal client the workflow id) and read by every log record made with its
// context. A layer below cannot hand a context back up, so the list is shared and mutable.
type logAttrs struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

// WithLogAttrs gives ctx a fresh list of log attributes holding attrs; AddLogAttrs adds to it.
func WithLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	return context.WithValue(ctx, attrsKey{}, &logAttrs{attrs: attrs})
}

// AddLogAttrs adds attrs to the log attributes of ctx's request; outside a request (no list)
// it does nothing.
func AddLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	l, _ := ctx.Value(attrsKey{}).(*logAttrs)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attrs = append(l.attrs, attrs...)
}

// LogAttrs are the attributes of ctx's request so far.
func LogAttrs(ctx context.Context) []slog.Attr {
	l, _ := ctx.Value(attrsKey{}).(*logAttrs)
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]slog.Attr(nil), l.attrs...)
}

// LogHandler adds the request's attributes to every record logged with a context
// (slog.InfoContext and the like).
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs := LogAttrs(ctx); len(attrs) > 0 {
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }
