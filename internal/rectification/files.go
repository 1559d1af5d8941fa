package rectification

import (
	"bytes"
	"io"
	"time"
)

// An Upload is a file a person sends. Commands that take one call for it only after they
// have checked who sends it and where it goes, so a refused upload is never read.
type Upload struct {
	Name        string
	ContentType string
	Body        io.Reader
}

// A Download is a file to hand to a person: a spreadsheet made for the request or a stored
// piece of evidence.
type Download struct {
	Name        string // the name to save it as
	ContentType string
	// Body is the content; when it is also an io.Closer, the one who sends it closes it.
	Body io.ReadSeeker
	// ModTime is when the content was stored; zero for content made now.
	ModTime time.Time
	// SHA256 is the content's digest, when it is known.
	SHA256 string
}

// XLSXType is the content type of the spreadsheets.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Spreadsheet is a workbook made for the request.
func Spreadsheet(name string, data []byte) Download {
	return Download{Name: name, ContentType: XLSXType, Body: bytes.NewReader(data)}
}
