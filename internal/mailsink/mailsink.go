// Package mailsink is a local SMTP server (emersion/go-smtp) that keeps every message it
// accepts: `rectify dev` runs one so the demo's reminders can be read, and the tests and the
// reminder benchmark count what was really delivered.
package mailsink

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	At        time.Time
	From      string
	To        []string
	MessageID string
	Subject   string // decoded
	Body      string // decoded text
}

// Sink is a running SMTP server.
type Sink struct {
	Addr string
	srv  *smtp.Server
	dir  string

	mu   sync.Mutex
	msgs []Message
	seen map[string]int // Message-ID -> times accepted
	log  *os.File
}

// Start listens on addr ("127.0.0.1:0" for any port). With dir set, each message is also
// written there as an .eml file and summarized in dir/index.log.
func Start(addr, dir string) (*Sink, error) {
	s := &Sink{dir: dir, seen: map[string]int{}}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("mailsink: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(dir, "index.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return nil, fmt.Errorf("mailsink: %w", err)
		}
		s.log = f
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mailsink: %w", err)
	}
	s.Addr = ln.Addr().String()
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = quiet{}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Sink) Close() error {
	err := s.srv.Close()
	if s.log != nil {
		_ = s.log.Close()
	}
	return err
}

// Messages returns every accepted message, in order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is how many messages were accepted, and how many distinct Message-IDs among them.
func (s *Sink) Count() (accepted, distinct int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs), len(s.seen)
}

func (s *Sink) add(from string, to []string, raw []byte) error {
	m := Message{At: time.Now(), From: from, To: to}
	if msg, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.MessageID = msg.Header.Get("Message-Id")
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.Body = decodeBody(msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.seen[m.MessageID]++
	if s.dir != "" {
		name := fmt.Sprintf("%06d.eml", len(s.msgs))
		if err := os.WriteFile(filepath.Join(s.dir, name), raw, 0o640); err != nil {
			return err
		}
		fmt.Fprintf(s.log, "%s  %s  to=%s  %s\n", m.At.Format(time.DateTime), name, strings.Join(to, ","), m.Subject)
	}
	return nil
}

type session struct {
	s    *Sink
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return x.s.add(x.from, x.to, raw)
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}
