package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	mail "gopkg.in/mail.v2"
)

// TLSMode is how the SMTP connection is secured.
type TLSMode string

// The TLS modes of SMTP_TLS.
const (
	TLSNone     TLSMode = "none"     // plain SMTP (a local relay)
	TLSStartTLS TLSMode = "starttls" // STARTTLS required, usually port 587
	TLSImplicit TLSMode = "tls"      // TLS from the first byte, usually port 465
)

// SMTPConfig is where email goes.
type SMTPConfig struct {
	Host     string  // SMTP_HOST
	Port     int     // SMTP_PORT
	Username string  // SMTP_USERNAME; empty means no AUTH
	Password string  // SMTP_PASSWORD
	From     string  // address part of SMTP_FROM
	FromName string  // display name part of SMTP_FROM
	TLS      TLSMode // SMTP_TLS
	// TLSConfig overrides the TLS settings (tests, private CAs); nil verifies Host.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each read or write; zero means 10 seconds.
	Timeout time.Duration
}

// EmailSender sends plain-text email through an SMTP server.
type EmailSender struct {
	cfg SMTPConfig
}

// NewEmailSender makes an email sender.
func NewEmailSender(cfg SMTPConfig) (*EmailSender, error) {
	if cfg.Host == "" || cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("notify.NewEmailSender: SMTP host and port are required")
	}
	if cfg.From == "" {
		return nil, fmt.Errorf("notify.NewEmailSender: SMTP from address is required")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSNone
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("notify.NewEmailSender: TLS mode %q: want none, starttls or tls", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &EmailSender{cfg: cfg}, nil
}

// Channel is Email.
func (s *EmailSender) Channel() Channel { return Email }

// Send sends one email. Its Message-ID is derived from key, and is the provider id.
func (s *EmailSender) Send(ctx context.Context, to Recipient, m Message, key string) (string, error) {
	addr := strings.TrimSpace(to.Email)
	if addr == "" {
		return "", ErrNoContact
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	id := MessageID(key)
	msg := mail.NewMessage(mail.SetCharset("UTF-8"))
	msg.SetAddressHeader("From", s.cfg.From, s.cfg.FromName)
	msg.SetAddressHeader("To", addr, to.Name)
	msg.SetHeader("Subject", m.Subject)
	msg.SetHeader("Message-ID", id)
	msg.SetDateHeader("Date", time.Now())
	msg.SetBody("text/plain", m.Body)
	for _, a := range m.Attachments {
		data := a.Data
		msg.Attach(a.Name, mail.SetCopyFunc(func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}), mail.SetHeader(map[string][]string{"Content-Type": {a.ContentType}}))
	}

	// A fresh dialer per send: Dial stores the chosen auth mechanism in the dialer.
	d := mail.NewDialer(s.cfg.Host, s.cfg.Port, s.cfg.Username, s.cfg.Password)
	d.LocalName = "rectify"
	d.RetryFailure = false
	d.TLSConfig = s.cfg.TLSConfig
	d.Timeout = s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d.Timeout {
			if left <= 0 {
				return "", context.DeadlineExceeded
			}
			d.Timeout = left
		}
	}
	switch s.cfg.TLS {
	case TLSImplicit:
		d.SSL = true
	case TLSStartTLS:
		d.SSL = false
		d.StartTLSPolicy = mail.MandatoryStartTLS
	default:
		d.SSL = false
		d.StartTLSPolicy = mail.NoStartTLS
	}
	if err := d.DialAndSend(msg); err != nil {
		// gomail's SendError hides the SMTP reply (and its code) from errors.As.
		var se *mail.SendError
		if errors.As(err, &se) && se.Cause != nil {
			err = se.Cause
		}
		return "", fmt.Errorf("notify: email to %s via %s:%d: %w", addr, s.cfg.Host, s.cfg.Port, err)
	}
	return id, nil
}
