package notify

import (
	"fmt"
	"net/mail"
	"os"
	"strconv"
	"strings"
)

// Config says which channels are used, in which order, and how each reaches its provider.
type Config struct {
	// Channels is the order of preference and fallback (NOTIFY_CHANNELS).
	Channels []Channel
	SMTP     SMTPConfig
	SMS      SMSConfig
	DingTalk DingTalkConfig
	WeCom    WeComConfig
}

// DefaultFrom is SMTP_FROM when unset.
const DefaultFrom = "整改督办 <rectify@localhost>"

// DefaultConfig is the configuration of a development machine: email to a local catcher
// (such as Mailpit) on 127.0.0.1:1025, no SMS and no robots.
func DefaultConfig() Config {
	return Config{
		Channels: append([]Channel(nil), Channels...),
		SMTP:     SMTPConfig{Host: "127.0.0.1", Port: 1025, From: "rectify@localhost", FromName: "整改督办", TLS: TLSNone},
		SMS:      SMSConfig{Provider: SMSNone},
	}
}

// ConfigFromEnv reads the environment over DefaultConfig. Errors name the variable.
func ConfigFromEnv() (Config, error) {
	c := DefaultConfig()
	env := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	str := func(name string, dst *string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	str("SMTP_HOST", &c.SMTP.Host)
	if v := env("SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("SMTP_PORT=%q: want a port number from 1 to 65535", v)
		}
		c.SMTP.Port = n
	}
	c.SMTP.Username = os.Getenv("SMTP_USERNAME")
	c.SMTP.Password = os.Getenv("SMTP_PASSWORD")
	if v := env("SMTP_FROM"); v != "" {
		a, err := mail.ParseAddress(v)
		if err != nil {
			return c, fmt.Errorf("SMTP_FROM=%q: want an address such as %q: %v", v, DefaultFrom, err)
		}
		c.SMTP.From, c.SMTP.FromName = a.Address, a.Name
	}
	if v := env("SMTP_TLS"); v != "" {
		switch m := TLSMode(strings.ToLower(v)); m {
		case TLSNone, TLSStartTLS, TLSImplicit:
			c.SMTP.TLS = m
		default:
			return c, fmt.Errorf("SMTP_TLS=%q: want none, starttls or tls", v)
		}
	}

	if v := env("SMS_PROVIDER"); v != "" {
		switch p := strings.ToLower(v); p {
		case SMSNone, SMSTencent, SMSAliyun:
			c.SMS.Provider = p
		default:
			return c, fmt.Errorf("SMS_PROVIDER=%q: want tencent, aliyun or none", v)
		}
	}
	str("SMS_ENDPOINT", &c.SMS.Endpoint)
	str("SMS_SECRET_ID", &c.SMS.SecretID)
	c.SMS.SecretKey = os.Getenv("SMS_SECRET_KEY")
	str("SMS_REGION", &c.SMS.Region)
	str("SMS_APP_ID", &c.SMS.AppID)
	str("SMS_SIGN_NAME", &c.SMS.SignName)
	str("SMS_TEMPLATE_ID", &c.SMS.TemplateID)
	if c.SMS.Provider != SMSNone {
		need := []struct {
			name, value string
		}{{"SMS_SECRET_ID", c.SMS.SecretID}, {"SMS_SECRET_KEY", c.SMS.SecretKey}, {"SMS_SIGN_NAME", c.SMS.SignName}, {"SMS_TEMPLATE_ID", c.SMS.TemplateID}}
		if c.SMS.Provider == SMSTencent {
			need = append(need, struct{ name, value string }{"SMS_APP_ID", c.SMS.AppID})
		}
		var missing []string
		for _, n := range need {
			if n.value == "" {
				missing = append(missing, n.name)
			}
		}
		if len(missing) > 0 {
			return c, fmt.Errorf("SMS_PROVIDER=%s needs %s", c.SMS.Provider, strings.Join(missing, ", "))
		}
		if c.SMS.Region == "" {
			c.SMS.Region = map[string]string{SMSTencent: "ap-guangzhou", SMSAliyun: "cn-hangzhou"}[c.SMS.Provider]
		}
	}

	str("DINGTALK_WEBHOOK", &c.DingTalk.Webhook)
	c.DingTalk.Secret = env("DINGTALK_SECRET")
	str("WECOM_WEBHOOK", &c.WeCom.Webhook)

	if v := env("NOTIFY_CHANNELS"); v != "" {
		chs, err := ParseChannels(v)
		if err != nil {
			return c, fmt.Errorf("NOTIFY_CHANNELS=%q: %w", v, err)
		}
		c.Channels = chs
	}
	return c, nil
}

// ParseChannels reads a comma-separated list of channel names such as "email,sms".
func ParseChannels(s string) ([]Channel, error) {
	var out []Channel
	seen := map[Channel]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		ch, ok := ParseChannel(f)
		if !ok {
			return nil, fmt.Errorf("unknown channel %q: want email, sms, dingtalk or wecom", f)
		}
		if seen[ch] {
			return nil, fmt.Errorf("channel %q listed twice", f)
		}
		seen[ch] = true
		out = append(out, ch)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no channel named: want some of email, sms, dingtalk, wecom")
	}
	return out, nil
}

// Configured says whether a channel has what it needs to send.
func (c Config) Configured(ch Channel) bool {
	switch ch {
	case Email:
		return c.SMTP.Host != "" && c.SMTP.From != ""
	case SMS:
		return c.SMS.Provider == SMSTencent || c.SMS.Provider == SMSAliyun
	case DingTalk:
		return c.DingTalk.Webhook != ""
	case WeCom:
		return c.WeCom.Webhook != ""
	}
	return false
}

// NewSenders builds the senders of the configured channels in the order of preference;
// a channel that is not configured is left out.
func NewSenders(cfg Config) ([]Sender, error) {
	var out []Sender
	for _, ch := range cfg.Channels {
		if !cfg.Configured(ch) {
			continue
		}
		var (
			s   Sender
			err error
		)
		switch ch {
		case Email:
			s, err = NewEmailSender(cfg.SMTP)
		case SMS:
			if cfg.SMS.Provider == SMSTencent {
				s, err = NewTencentSMSSender(cfg.SMS)
			} else {
				s, err = NewAliyunSMSSender(cfg.SMS)
			}
		case DingTalk:
			s, err = NewDingTalkSender(cfg.DingTalk)
		case WeCom:
			s, err = NewWeComSender(cfg.WeCom)
		}
		if err != nil {
			return nil, fmt.Errorf("notify.NewSenders: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}
