package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

// received is one message the test SMTP server accepted.
type received struct {
	From string
	To   []string
	Data []byte
	User string // the AUTH PLAIN user, if any
}

// mailServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that records messages.
type mailServer struct {
	Host string
	Port int

	mu       sync.Mutex
	msgs     []received
	failNext int           // DATA commands to refuse with 451
	delay    time.Duration // how long DATA takes
	user     string        // when set, AUTH PLAIN is offered and required
	password string
}

// newMailServer starts a server; with a user it offers and requires AUTH PLAIN.
func newMailServer(t *testing.T, user, password string) *mailServer {
	t.Helper()
	ms := &mailServer{user: user, password: password}
	s := smtp.NewServer(ms)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = nopLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().(*net.TCPAddr)
	ms.Host, ms.Port = "127.0.0.1", addr.Port
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ms
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

func (ms *mailServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &mailSession{ms: ms}, nil
}

func (ms *mailServer) count() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.msgs)
}

func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.msgs...)
}

func (ms *mailServer) failNextData(n int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.failNext = n
}

func (ms *mailServer) config() notify.SMTPConfig {
	return notify.SMTPConfig{Host: ms.Host, Port: ms.Port, Username: ms.user, Password: ms.password,
		From: "rectify@example.org", FromName: "整改督办", TLS: notify.TLSNone}
}

type mailSession struct {
	ms   *mailServer
	user string
	cur  received
}

var _ smtp.AuthSession = (*mailSession)(nil)

func (s *mailSession) AuthMechanisms() []string {
	if s.ms.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ms.user || password != s.ms.password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.ms.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from, User: s.user}
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ms.mu.Lock()
	delay := s.ms.delay
	fail := s.ms.failNext > 0
	if fail {
		s.ms.failNext--
	}
	s.ms.mu.Unlock()
	time.Sleep(delay)
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.cur.Data = b
	s.ms.mu.Lock()
	s.ms.msgs = append(s.ms.msgs, s.cur)
	s.ms.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.cur = received{} }
func (s *mailSession) Logout() error { return nil }

// parsed is a received message read back the way a mail client reads it.
type parsed struct {
	Subject   string
	From      *netmail.Address
	To        *netmail.Address
	MessageID string
	Body      string
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	from, err := m.Header.AddressList("From")
	require.NoError(t, err)
	to, err := m.Header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, from, 1)
	require.Len(t, to, 1)
	require.True(t, strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain"), m.Header.Get("Content-Type"))
	body, err := io.ReadAll(m.Body)
	require.NoError(t, err)
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(qpReader(body))
		require.NoError(t, err)
	}
	return parsed{Subject: subj, From: from[0], To: to[0], MessageID: m.Header.Get("Message-ID"), Body: string(body)}
}

// setupPeople makes a unit and people 1..n, as deliveries reference people.
func setupPeople(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO units (code, name, kind, path) VALUES ('C', '某县', 'county', '/1/')`)
	require.NoError(t, err)
	for i := 0; i < n; i++ {
		_, err := pool.Exec(ctx, `INSERT INTO people (login, name, unit_id, roles) VALUES ($1, $2, 1, '{org_staff}')`,
			"p"+string(rune('a'+i)), "人员"+string(rune('甲'+i)))
		require.NoError(t, err)
	}
}

func qpReader(b []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(b)) }
