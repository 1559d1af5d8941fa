package mailsink

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
)

// decodeBody returns the text of a message: the first text/plain part, transfer-decoded.
func decodeBody(msg *netmail.Message) string {
	ct, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			if pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pct == "text/plain" {
				return decode(p, p.Header.Get("Content-Transfer-Encoding"))
			}
		}
	}
	return decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
}

func decode(r io.Reader, enc string) string {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}
