package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
	"rectify/internal/limits"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, r *http.Request, err error) { apperr.WriteJSON(w, r, err) }

func notFound(field, msg string) error { return apperr.New(apperr.NotFound, field, msg) }

// decode reads a JSON body strictly: unknown fields and trailing data are errors that name
// what is wrong, and a body over limits.MaxJSONBody is refused unread beyond the limit.
func decode(r *http.Request, v any) error {
	return decodeJSON(http.MaxBytesReader(nil, r.Body, limits.MaxJSONBody), v)
}

// decodeJSON is decode on any reader, for the fuzz tests.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return apperr.Newf(apperr.Invalid, "body", "请求体不能超过%dKB", limits.MaxJSONBody>>10)
		case errors.Is(err, io.EOF):
			return apperr.New(apperr.Invalid, "body", "请求体不能为空")
		case errors.As(err, &typeErr):
			if typeErr.Field == "" {
				return apperr.New(apperr.Invalid, "body", "请求体应是一个JSON对象")
			}
			return apperr.Newf(apperr.Invalid, typeErr.Field, "字段“%s”类型错误，应为%s", typeErr.Field, typeErr.Type.String())
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			field := f
			if field == "" { // a key "" still needs a field to name
				field = "body"
			}
			return apperr.Newf(apperr.Invalid, field, "未知字段“%s”", f)
		}
		return apperr.New(apperr.Invalid, "body", "请求体不是有效的JSON")
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "body", "请求体只能包含一个JSON对象")
	}
	return nil
}

func pathID(r *http.Request, name, field string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.Invalid, field, "编号应为正整数")
	}
	return id, nil
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.New(apperr.Invalid, name, fmt.Sprintf("参数%s应为非负整数", name))
	}
	return n, nil
}

func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, apperr.New(apperr.Invalid, name, fmt.Sprintf("参数%s应为true或false", name))
	}
	return b, nil
}
