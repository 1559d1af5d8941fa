package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DingTalkConfig is a DingTalk custom robot (自定义机器人) with 加签 security.
type DingTalkConfig struct {
	Webhook string // DINGTALK_WEBHOOK: https://oapi.dingtalk.com/robot/send?access_token=…
	Secret  string // DINGTALK_SECRET: the SEC… secret; empty posts unsigned (keyword or IP security)
}

// WeComConfig is a WeCom group robot (群机器人).
type WeComConfig struct {
	Webhook string // WECOM_WEBHOOK: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
}

// dingTalkSign is the 加签 signature of a DingTalk robot request at timestamp ms:
// base64(HMAC-SHA256(key=secret, msg=ms+"\n"+secret)), not yet URL-escaped.
func dingTalkSign(ms int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ms, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// checkWebhook refuses a robot webhook that is empty or not a URL.
func checkWebhook(webhook string) error {
	if strings.TrimSpace(webhook) == "" {
		return errors.New("webhook is required")
	}
	if _, err := url.Parse(webhook); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// DingTalkSender posts to a DingTalk group through its custom robot, @-mentioning the
// recipient by mobile when known.
type DingTalkSender struct {
	cfg        DingTalkConfig
	Now        func() time.Time
	HTTPClient *http.Client
}

// NewDingTalkSender makes a DingTalk robot sender.
func NewDingTalkSender(cfg DingTalkConfig) (*DingTalkSender, error) {
	if err := checkWebhook(cfg.Webhook); err != nil {
		return nil, fmt.Errorf("notify.NewDingTalkSender: %w", err)
	}
	return &DingTalkSender{cfg: cfg, Now: time.Now}, nil
}

// Channel is DingTalk.
func (s *DingTalkSender) Channel() Channel { return DingTalk }

// Send posts one text message. DingTalk returns no message id, so the provider id is empty.
func (s *DingTalkSender) Send(ctx context.Context, to Recipient, m Message, key string) (string, error) {
	u := s.cfg.Webhook
	if s.cfg.Secret != "" {
		ms := s.Now().UnixMilli()
		sep := "&"
		if !strings.Contains(u, "?") {
			sep = "?"
		}
		u += sep + "timestamp=" + strconv.FormatInt(ms, 10) + "&sign=" + url.QueryEscape(dingTalkSign(ms, s.cfg.Secret))
	}
	type text struct {
		Content string `json:"content"`
	}
	type at struct {
		AtMobiles []string `json:"atMobiles"`
	}
	body := struct {
		MsgType string `json:"msgtype"`
		Text    text   `json:"text"`
		At      at     `json:"at"`
	}{MsgType: "text", Text: text{Content: m.Subject + "\n" + m.Body}, At: at{AtMobiles: []string{}}}
	if mob := mobileDigits(to.Mobile); mob != "" {
		body.At.AtMobiles = []string{strings.TrimPrefix(mob, "+86")}
	}
	if err := postRobot(ctx, s.HTTPClient, u, body); err != nil {
		return "", fmt.Errorf("notify: dingtalk robot: %w", err)
	}
	return "", nil
}

// WeComSender posts to a WeCom group through its robot, mentioning the recipient by mobile
// when known.
type WeComSender struct {
	cfg        WeComConfig
	HTTPClient *http.Client
}

// NewWeComSender makes a WeCom robot sender.
func NewWeComSender(cfg WeComConfig) (*WeComSender, error) {
	if err := checkWebhook(cfg.Webhook); err != nil {
		return nil, fmt.Errorf("notify.NewWeComSender: %w", err)
	}
	return &WeComSender{cfg: cfg}, nil
}

// Channel is WeCom.
func (s *WeComSender) Channel() Channel { return WeCom }

// Send posts one text message. WeCom returns no message id, so the provider id is empty.
func (s *WeComSender) Send(ctx context.Context, to Recipient, m Message, key string) (string, error) {
	type text struct {
		Content             string   `json:"content"`
		MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
	}
	body := struct {
		MsgType string `json:"msgtype"`
		Text    text   `json:"text"`
	}{MsgType: "text", Text: text{Content: m.Subject + "\n" + m.Body}}
	if mob := mobileDigits(to.Mobile); mob != "" {
		body.Text.MentionedMobileList = []string{strings.TrimPrefix(mob, "+86")}
	}
	if err := postRobot(ctx, s.HTTPClient, s.cfg.Webhook, body); err != nil {
		return "", fmt.Errorf("notify: wecom robot: %w", err)
	}
	return "", nil
}

// postRobot posts JSON to a robot webhook; both robots answer {"errcode":0,"errmsg":"ok"}.
func postRobot(ctx context.Context, c *http.Client, u string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := httpClient(c).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := readBody(resp.Body)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(rb, &r); err != nil || r.ErrCode == nil {
		err := fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(rb))
		if resp.StatusCode != http.StatusOK {
			return refused(resp.StatusCode, err)
		}
		return &badAnswer{err}
	}
	if *r.ErrCode != 0 {
		return refused(resp.StatusCode, fmt.Errorf("HTTP %d: errcode %d: %s", resp.StatusCode, *r.ErrCode, r.ErrMsg))
	}
	if resp.StatusCode != http.StatusOK {
		return refused(resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(rb)))
	}
	return nil
}
