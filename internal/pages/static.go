package pages

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// static holds our stylesheet and the vendored front-end files, each beside its licence.
//
//go:embed static
var staticFS embed.FS

// asset is one static file, ready to send: its bytes, their gzip, and the version that its
// URL carries so that it may be cached for a year and still change with a release.
type asset struct {
	name, contentType, version string
	body, gz                   []byte
}

// assets are the static files by name (e.g. "style.css", "vendor/htmx-2.0.11/htmx.min.js").
type assets map[string]*asset

func loadAssets() (assets, error) {
	out := assets{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		a := &asset{name: name, body: body, version: hex.EncodeToString(sum[:6]),
			contentType: mime.TypeByExtension(path.Ext(name))}
		if a.contentType == "" || path.Base(name) == "LICENSE" {
			a.contentType = "text/plain; charset=utf-8"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		a.gz = buf.Bytes()
		out[name] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pages: static files: %w", err)
	}
	return out, nil
}

// URL is where a page links the file: its version in the query makes the URL change
// whenever the content does.
func (as assets) URL(name string) string {
	a, ok := as[name]
	if !ok {
		panic("pages: no static file " + name) // a template names a file we do not ship
	}
	return "/static/" + a.name + "?v=" + a.version
}

// ServeHTTP sends a static file, gzip-compressed when the browser takes it. A request that
// names the current version may keep the answer for a year; any other is revalidated.
func (as assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := as[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == `"`+a.version+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip (without q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
