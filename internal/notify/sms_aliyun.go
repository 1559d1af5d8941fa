package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AliyunSMSSender sends SMS through Alibaba Cloud dysmsapi SendSms (2017-05-25), an RPC
// style GET signed with signature version 1.0 (HMAC-SHA1).
type AliyunSMSSender struct {
	cfg      SMSConfig
	endpoint string // scheme://host/path, without query
	// Now and Nonce make the signed request reproducible in tests.
	Now        func() time.Time
	Nonce      func() string
	HTTPClient *http.Client
}

// AliyunTemplateParam is the name of the template variable that carries the text, so the
// template reads like "${content}，请登录整改督办系统查看。".
const AliyunTemplateParam = "content"

// NewAliyunSMSSender makes an Alibaba Cloud SMS sender.
func NewAliyunSMSSender(cfg SMSConfig) (*AliyunSMSSender, error) {
	if cfg.SecretID == "" || cfg.SecretKey == "" || cfg.SignName == "" || cfg.TemplateID == "" {
		return nil, fmt.Errorf("notify.NewAliyunSMSSender: access key id, access key secret, sign name and template code are required")
	}
	if cfg.Region == "" {
		cfg.Region = "cn-hangzhou"
	}
	scheme, host := splitEndpoint(cfg.Endpoint, "https")
	if host == "" {
		host = "dysmsapi.aliyuncs.com"
	}
	if !strings.Contains(host, "/") {
		host += "/"
	}
	return &AliyunSMSSender{
		cfg:      cfg,
		endpoint: scheme + "://" + host,
		Now:      time.Now,
		Nonce: func() string {
			var b [16]byte
			_, _ = rand.Read(b[:])
			return hex.EncodeToString(b[:])
		},
	}, nil
}

// Channel is SMS.
func (s *AliyunSMSSender) Channel() Channel { return SMS }

// aliyunPercentEncode is Alibaba Cloud's percent-encoding (RFC 3986: space as %20, * as
// %2A, ~ kept).
func aliyunPercentEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// aliyunCanonicalQuery is the sorted, percent-encoded query that signature 1.0 signs.
func aliyunCanonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = aliyunPercentEncode(k) + "=" + aliyunPercentEncode(params[k])
	}
	return strings.Join(parts, "&")
}

// aliyunSignature is signature 1.0 of a request with the given method and parameters.
func aliyunSignature(method, secret string, params map[string]string) string {
	toSign := method + "&" + aliyunPercentEncode("/") + "&" + aliyunPercentEncode(aliyunCanonicalQuery(params))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Send sends one SMS; the provider id is the BizId.
func (s *AliyunSMSSender) Send(ctx context.Context, to Recipient, m Message, key string) (string, error) {
	mobile := mobileDigits(to.Mobile)
	if mobile == "" {
		return "", ErrNoContact
	}
	// Mainland numbers go without a country code; others as 00<code><number>.
	mobile = strings.TrimPrefix(mobile, "+86")
	if strings.HasPrefix(mobile, "+") {
		mobile = "00" + mobile[1:]
	}
	tp, err := json.Marshal(map[string]string{AliyunTemplateParam: smsText(m)})
	if err != nil {
		return "", fmt.Errorf("notify: aliyun sms: %w", err)
	}
	params := map[string]string{
		"AccessKeyId":      s.cfg.SecretID,
		"Action":           "SendSms",
		"Format":           "JSON",
		"OutId":            key,
		"PhoneNumbers":     mobile,
		"RegionId":         s.cfg.Region,
		"SignName":         s.cfg.SignName,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   s.Nonce(),
		"SignatureVersion": "1.0",
		"TemplateCode":     s.cfg.TemplateID,
		"TemplateParam":    string(tp),
		"Timestamp":        s.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"Version":          "2017-05-25",
	}
	sig := aliyunSignature(http.MethodGet, s.cfg.SecretKey, params)
	u := s.endpoint + "?Signature=" + aliyunPercentEncode(sig) + "&" + aliyunCanonicalQuery(params)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("notify: aliyun sms: %w", err)
	}
	resp, err := httpClient(s.HTTPClient).Do(req)
	if err != nil {
		return "", fmt.Errorf("notify: aliyun sms: %w", err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		return "", fmt.Errorf("notify: aliyun sms: read response: %w", err)
	}
	var r struct {
		Code, Message, BizId, RequestId string
	}
	if err := json.Unmarshal(body, &r); err != nil {
		err := fmt.Errorf("notify: aliyun sms: HTTP %d: %s", resp.StatusCode, snippet(body))
		if resp.StatusCode != http.StatusOK {
			return "", refused(resp.StatusCode, err)
		}
		return "", &badAnswer{err}
	}
	if r.Code != "OK" {
		return "", refused(resp.StatusCode, fmt.Errorf("notify: aliyun sms: HTTP %d: %s: %s (request %s)", resp.StatusCode, r.Code, r.Message, r.RequestId))
	}
	return r.BizId, nil
}
