// Package notify sends reminders (催办) and escalations (督办) about rectification items to
// people by email, SMS, DingTalk (钉钉) robot and WeCom (企业微信) robot, and records every
// delivery so that a retried or restarted caller never sends a recorded message twice.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Channel is one way of reaching a person.
type Channel string

// The channels, in the default order of preference.
const (
	Email    Channel = "email"
	SMS      Channel = "sms"
	DingTalk Channel = "dingtalk"
	WeCom    Channel = "wecom"
)

// Channels lists every channel in the default order of preference.
var Channels = []Channel{Email, SMS, DingTalk, WeCom}

// ParseChannel accepts a channel's name.
func ParseChannel(s string) (Channel, bool) {
	for _, c := range Channels {
		if string(c) == s {
			return c, true
		}
	}
	return "", false
}

// Recipient is the person a message goes to.
type Recipient struct {
	PersonID int64
	Name     string
	Email    string
	Mobile   string
}

// Message is what is sent: Chinese plain text.
type Message struct {
	Subject string
	Body    string
	// Attachments go with email; other channels send the text alone.
	Attachments []Attachment
}

// Attachment is a file sent with an email, such as a bulletin's spreadsheet.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// ErrNoContact means the recipient has no address for the channel.
var ErrNoContact = errors.New("notify: recipient has no address for this channel")

// ErrUnreachable means no configured channel could reach the recipient.
var ErrUnreachable = errors.New("notify: no channel can reach the recipient")

// Sender sends a message over one channel. key is the idempotency key of the delivery;
// senders pass it on where the provider can use it (the email Message-ID, Alibaba OutId,
// Tencent SessionContext).
type Sender interface {
	Channel() Channel
	Send(ctx context.Context, to Recipient, m Message, key string) (providerID string, err error)
}

// MessageID is the Message-ID an email for key carries: receiving systems that
// de-duplicate by Message-ID see one message however often it is sent.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:32] + "@rectify>"
}

// defaultHTTPTimeout bounds one call to a provider's HTTP API.
const defaultHTTPTimeout = 15 * time.Second

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: defaultHTTPTimeout}
}

// readBody reads at most 1 MiB of a response.
func readBody(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, 1<<20))
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// mobileDigits keeps the digits (and a leading +) of a mobile number.
func mobileDigits(m string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(m) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// e164CN writes a mainland mobile number as +86…; a number already starting with + is kept.
func e164CN(m string) string {
	d := mobileDigits(m)
	if strings.HasPrefix(d, "+") {
		return d
	}
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		return "+" + d
	}
	return "+86" + d
}

// smsText is the one template variable an SMS carries: the subject without its 【】 tag
// (SMS platforms reserve 【】 for the signature), e.g. "催办：您有3项整改事项已超期".
// The SMS template should read like "${content}，请登录整改督办系统查看。".
func smsText(m Message) string {
	s := strings.TrimSpace(m.Subject)
	if strings.HasPrefix(s, "【") {
		if i := strings.Index(s, "】"); i > 0 {
			s = s[len("【"):i] + "：" + strings.TrimSpace(s[i+len("】"):])
		}
	}
	s = strings.NewReplacer("【", "", "】", "").Replace(s)
	return s
}
