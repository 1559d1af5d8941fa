// Package apperr holds the few kinds of error the system reports to people, and the one
// table that maps each kind to an HTTP status and a JSON error code.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// Internal is a fault on our side; the message is generic.
	Internal Kind = iota
	// Invalid input: the field names what to fix.
	Invalid
	// Unauthenticated: no valid session or token.
	Unauthenticated
	// Forbidden: outside the caller's unit scope or role.
	Forbidden
	// NotFound: no such thing, or not visible to the caller.
	NotFound
	// Conflict: the thing exists but its state does not allow the action.
	Conflict
	// TooManyRequests: the caller tried too often (sign-in throttling); retry later.
	TooManyRequests
	// UnsupportedMediaType: the request body is not of the type the endpoint reads.
	UnsupportedMediaType
	// Unavailable: a service we depend on (Temporal, PostgreSQL) does not answer; the
	// request changed nothing it could not repeat, and may be retried shortly.
	Unavailable
)

var kinds = map[Kind]struct {
	status int
	code   string
}{
	Internal:        {http.StatusInternalServerError, "internal"},
	Invalid:         {http.StatusBadRequest, "invalid"},
	Unauthenticated: {http.StatusUnauthorized, "unauthenticated"},
	Forbidden:       {http.StatusForbidden, "forbidden"},
	NotFound:        {http.StatusNotFound, "not_found"},
	Conflict:        {http.StatusConflict, "conflict"},
	TooManyRequests: {http.StatusTooManyRequests, "too_many_requests"},
	Unavailable:     {http.StatusServiceUnavailable, "unavailable"},

	UnsupportedMediaType: {http.StatusUnsupportedMediaType, "unsupported_media_type"},
}

// Messages for the kinds whose errors often carry no message of their own.
const (
	// MsgUnavailable is what a person reads when a dependency is down.
	MsgUnavailable = "服务暂时不可用，请稍后再试"
	// DefaultRetryAfter is the Retry-After of an Unavailable error that names none: about
	// how long a restarted dependency takes to answer again.
	DefaultRetryAfter = 5 * time.Second
)

// Status is the HTTP status for a kind.
func (k Kind) Status() int { return kinds[k].status }

// Code is the JSON error code for a kind.
func (k Kind) Code() string { return kinds[k].code }

// KindFromCode is the inverse of Code; unknown codes are Internal.
func KindFromCode(code string) Kind {
	for k, v := range kinds {
		if v.code == code {
			return k
		}
	}
	return Internal
}

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error meant for a person: Message is in Chinese.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	// Fields lists every problem when input had several.
	Fields []FieldError
	// RetryAfter, when positive, is sent as the Retry-After header (429 and 503).
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := e.Kind.Code() + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error of a kind about a field.
func New(kind Kind, field, message string) *Error {
	return &Error{Kind: kind, Field: field, Message: message}
}

// Newf is New with a formatted message.
func Newf(kind Kind, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields reports several field problems at once; the first is the headline.
func InvalidFields(fields []FieldError) *Error {
	if len(fields) == 0 {
		return nil
	}
	msg := fields[0].Message
	if len(fields) > 1 {
		msg = fmt.Sprintf("%s（共%d处错误）", msg, len(fields))
	}
	return &Error{Kind: Invalid, Field: fields[0].Field, Message: msg, Fields: fields}
}

// As finds the *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf is the kind of err. An error of no kind is Unavailable when it says that
// Temporal or PostgreSQL could not be reached (see unreachable), otherwise Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok && e.Kind != Internal {
		return e.Kind
	}
	if err != nil && unreachable(err) {
		return Unavailable
	}
	return Internal
}

// Body is the JSON error body: {"error": {"code", "message", "field"}}.
type Body struct {
	Error BodyError `json:"error"`
}

// BodyError is the inside of Body.
type BodyError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Field   string       `json:"field,omitempty"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// ToBody turns any error into the status and body a client sees. Errors of no kind
// become a generic internal error so that internals never leak, or the generic
// Unavailable message when a dependency could not be reached.
func ToBody(err error) (int, Body) {
	switch KindOf(err) {
	case Internal:
		return http.StatusInternalServerError, Body{BodyError{Code: Internal.Code(), Message: "服务器内部错误，请稍后重试"}}
	case Unavailable:
		msg := MsgUnavailable
		if e, ok := As(err); ok && e.Kind == Unavailable && e.Message != "" {
			msg = e.Message
		}
		return Unavailable.Status(), Body{BodyError{Code: Unavailable.Code(), Message: msg}}
	}
	e, _ := As(err)
	return e.Kind.Status(), Body{BodyError{Code: e.Kind.Code(), Message: e.Message, Field: e.Field, Fields: e.Fields}}
}

// RetryAfter is how long the caller should wait before trying again: the error's own
// RetryAfter, DefaultRetryAfter for Unavailable, zero otherwise.
func RetryAfter(err error) time.Duration {
	if e, ok := As(err); ok && e.RetryAfter > 0 {
		return e.RetryAfter
	}
	if KindOf(err) == Unavailable {
		return DefaultRetryAfter
	}
	return 0
}
