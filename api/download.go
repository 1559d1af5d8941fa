package api

import (
	"net/http"
	"net/url"
)

// download writes a file the browser saves as name: its bytes with their content type, the
// name encoded so that Chinese survives (RFC 5987). Files are made whole before this is
// called, so a failure while making one is still an error answer, not a broken download.
func download(w http.ResponseWriter, contentType, name string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = w.Write(body)
}
