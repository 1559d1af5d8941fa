package apptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Contract is the OpenAPI document the API serves, ready to judge requests and answers
// against. The document is written by hand; checking every exchange of the integration
// tests against it is what keeps it from drifting away from the code.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
}

// LoadContract parses and validates an OpenAPI document.
func LoadContract(data []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("apptest: load OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("apptest: invalid OpenAPI document: %w", err)
	}
	// Routes match on the path alone, whatever host the test server listens on.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apptest: route OpenAPI document: %w", err)
	}
	return &Contract{doc: doc, router: router}, nil
}

// The document is the same for every scenario of a test binary: it is fetched from the first
// system started and parsed once.
var (
	servedOnce     sync.Once
	servedContract *Contract
	servedErr      error
)

// servedContractOf loads, once per process, the document that h serves at /api/openapi.json.
func servedContractOf(h http.Handler) (*Contract, error) {
	servedOnce.Do(func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
		if rec.Code != http.StatusOK {
			servedErr = fmt.Errorf("apptest: GET /api/openapi.json: status %d", rec.Code)
			return
		}
		servedContract, servedErr = LoadContract(rec.Body.Bytes())
	})
	return servedContract, servedErr
}

// binary reports whether a media type is a download the document describes only by type
// (spreadsheets, evidence files): such answers are checked for status and media type only.
func binary(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return false
	}
	return mt != "application/json" && !strings.HasSuffix(mt, "+json")
}

// Check judges one exchange: the request with its body, and the answer's status, headers
// and body. It returns nil when the document describes the answer, otherwise every
// disagreement found.
//
// A request the document refuses (a wrong parameter, an unknown field, a missing body) is
// what many tests send on purpose; it is a disagreement only when the API accepted it.
// A route the document does not know must be answered 404.
func (c *Contract) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	ctx := req.Context()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status != http.StatusNotFound {
			return fmt.Errorf("route not documented (%v)", err)
		}
		// The API does not serve it either; its answer is still the documented error.
		return c.errorBody(header, body)
	}
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	var problems []error
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 400 {
		problems = append(problems, fmt.Errorf("the document refuses a request the API accepted: %w", err))
	}
	resp := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	ct := header.Get("Content-Type")
	if len(body) > 0 && binary(ct) {
		// Downloads: the documented answer must name this media type; the bytes are not JSON.
		bin := *opts
		bin.ExcludeResponseBody = true
		resp.Options = &bin
		if ref := route.Operation.Responses.Status(status); ref != nil && ref.Value != nil && ref.Value.Content.Get(ct) == nil {
			problems = append(problems, fmt.Errorf("response media type %q not documented", ct))
		}
	} else if len(body) > 0 {
		if ref := route.Operation.Responses.Status(status); ref != nil && ref.Value != nil {
			if mt := ref.Value.Content.Get(ct); mt == nil || mt.Schema == nil {
				problems = append(problems, fmt.Errorf("response body of media type %q has no schema in the document", ct))
			}
		}
	}
	resp.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, resp); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// errorBody checks that an answer is the API's JSON error, as the document describes it.
func (c *Contract) errorBody(header http.Header, body []byte) error {
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("error answer of media type %q, want application/json", header.Get("Content-Type"))
	}
	ref := c.doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		return errors.New("the document has no Error schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error answer is not JSON: %w", err)
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("error answer does not match the Error schema: %w", err)
	}
	return nil
}
