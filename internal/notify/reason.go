package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
)

// A provider's error text can hold the webhook key, an access token, a request signature or
// the recipient's phone number. What is stored and shown to people is therefore never that
// text but a Reason: a fixed category with at most a status code. The full error, with
// secrets removed, goes to the worker's log only.

// refusal is a provider that answered but refused the message, with the HTTP status it
// answered (0 when the refusal came in a 200 answer's body).
type refusal struct {
	status int
	err    error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// refused wraps a provider's refusal with its HTTP status.
func refused(status int, err error) error { return &refusal{status: status, err: err} }

// badAnswer is a provider answer that could not be read.
type badAnswer struct{ err error }

func (b *badAnswer) Error() string { return b.err.Error() }
func (b *badAnswer) Unwrap() error { return b.err }

// Reason is the cleaned reason of a failed delivery, as stored and shown: a fixed category,
// Chinese then English, such as "服务商拒绝 (provider refused, HTTP 403)" or "发送超时
// (timeout)". It never carries a URL, a query string, an address or a number from the
// provider's text.
func Reason(err error) string {
	var (
		r   *refusal
		b   *badAnswer
		te  *textproto.Error
		ne  net.Error
		ue  *url.Error
		oe  *net.OpError
		dns *net.DNSError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoContact), errors.Is(err, ErrUnreachable):
		return "无联系方式 (no contact address)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "发送超时 (timeout)"
	case errors.Is(err, context.Canceled):
		return "发送中断 (cancelled)"
	case errors.As(err, &r) && r.status >= 100 && r.status <= 599 && r.status != 200:
		return fmt.Sprintf("服务商拒绝 (provider refused, HTTP %d)", r.status)
	case errors.As(err, &r):
		return "服务商拒绝 (provider refused)"
	case errors.As(err, &b):
		return "服务商应答无法识别 (unreadable provider answer)"
	case errors.As(err, &te) && te.Code >= 200 && te.Code <= 599:
		return fmt.Sprintf("邮件服务器拒绝 (mail server refused, SMTP %d)", te.Code)
	case errors.As(err, &dns), errors.As(err, &oe), errors.As(err, &ue):
		return "无法连接服务商 (connection failed)"
	}
	return "发送失败 (send failed)"
}

// secretParams are query parameters that carry keys, tokens and signatures in providers'
// URLs (DingTalk access_token/sign, WeCom key, Alibaba Cloud AccessKeyId/Signature).
var secretParams = regexp.MustCompile(`(?i)((?:access_token|accesskeyid|secretid|signature|sign|key|token|timestamp)=)[^&\s"'<>]+`)

// redactor removes known secrets from error text for the log.
type redactor struct{ secrets []string }

// redact replaces every known secret and every secret-bearing query parameter by ***.
func (r redactor) redact(s string) string {
	for _, sec := range r.secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "***")
			if esc := url.QueryEscape(sec); esc != sec {
				s = strings.ReplaceAll(s, esc, "***")
			}
		}
	}
	return secretParams.ReplaceAllString(s, "${1}***")
}

// secretHolder is a sender whose configuration holds secrets that must never be logged.
type secretHolder interface{ secrets() []string }

// webhookSecrets are a webhook URL's query values (the robot's key or access token).
func webhookSecrets(webhook string) []string {
	u, err := url.Parse(webhook)
	if err != nil {
		return []string{webhook}
	}
	var out []string
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	return out
}

func (s *DingTalkSender) secrets() []string {
	return append(webhookSecrets(s.cfg.Webhook), s.cfg.Secret)
}
func (s *WeComSender) secrets() []string      { return webhookSecrets(s.cfg.Webhook) }
func (s *AliyunSMSSender) secrets() []string  { return []string{s.cfg.SecretID, s.cfg.SecretKey} }
func (s *TencentSMSSender) secrets() []string { return []string{s.cfg.SecretID, s.cfg.SecretKey} }
func (s *EmailSender) secrets() []string      { return []string{s.cfg.Password} }

// DeliveryError is a failed send as Deliver returns it: its text has the provider's error
// with secrets removed, and Reason is what was stored.
type DeliveryError struct {
	Channel Channel
	Reason  string
	text    string
	err     error
}

func (e *DeliveryError) Error() string { return e.text }
func (e *DeliveryError) Unwrap() error { return e.err }
