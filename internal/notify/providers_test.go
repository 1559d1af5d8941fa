package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

// The senders that call a provider over HTTP (SMS and group robots), each against a stand-in
// that checks the request as the real service does.

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tencentSMS stands in for sms.tencentcloudapi.com: it checks the TC3-HMAC-SHA256
// signature the way the service does and answers SendSms.
type tencentSMS struct {
	secretID, secretKey string
	code                string // the per-number Code to answer
	mu                  sync.Mutex
	params              []map[string]any
	headers             []http.Header
}

var tc3Auth = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$`)

func (s *tencentSMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fail := func(code, msg string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
			"Error": map[string]any{"Code": code, "Message": msg}, "RequestId": "req-err"}})
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		fail("InvalidParameter", "method or path")
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") != "ap-guangzhou" {
		fail("InvalidAction", fmt.Sprintf("action %q version %q region %q", r.Header.Get("X-TC-Action"), r.Header.Get("X-TC-Version"), r.Header.Get("X-TC-Region")))
		return
	}
	m := tc3Auth.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		fail("AuthFailure.SignatureFailure", "malformed Authorization: "+r.Header.Get("Authorization"))
		return
	}
	id, date, service, signed, sig := m[1], m[2], m[3], m[4], m[5]
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		fail("AuthFailure.SignatureExpire", "timestamp")
		return
	}
	if id != s.secretID {
		fail("AuthFailure.SecretIdNotFound", id)
		return
	}
	if service != "sms" || date != time.Unix(ts, 0).UTC().Format("2006-01-02") || signed != "content-type;host" {
		fail("AuthFailure.SignatureFailure", "scope or signed headers")
		return
	}
	canonical := strings.Join([]string{"POST", "/", "",
		"content-type:" + r.Header.Get("Content-Type") + "\nhost:" + r.Host + "\n",
		signed, sha256Hex(body)}, "\n")
	scope := date + "/sms/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	key := hmacSHA256(hmacSHA256(hmacSHA256([]byte("TC3"+s.secretKey), date), "sms"), "tc3_request")
	if hex.EncodeToString(hmacSHA256(key, toSign)) != sig {
		fail("AuthFailure.SignatureFailure", "signature mismatch")
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		fail("InvalidParameter", "json")
		return
	}
	s.mu.Lock()
	s.params = append(s.params, p)
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	phones, _ := p["PhoneNumberSet"].([]any)
	phone := ""
	if len(phones) == 1 {
		phone, _ = phones[0].(string)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"SendStatusSet": []any{map[string]any{"SerialNo": "2433:1234567890", "PhoneNumber": phone, "Fee": 1,
			"SessionContext": p["SessionContext"], "Code": s.code, "Message": "send success", "IsoCode": "CN"}},
		"RequestId": "req-1"}})
}

func TestTencentSMSIsTC3SignedAndCarriesTheParams(t *testing.T) {
	svc := &tencentSMS{secretID: "AKIDtest", secretKey: "tc-secret", code: "Ok"}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg := notify.SMSConfig{Provider: "tencent", Endpoint: srv.URL, SecretID: "AKIDtest", SecretKey: "tc-secret",
		Region: "ap-guangzhou", AppID: "1400000001", SignName: "某县委组织部", TemplateID: "123456"}
	s, err := notify.NewTencentSMSSender(cfg)
	require.NoError(t, err)
	require.Equal(t, notify.SMS, s.Channel())

	ctx := context.Background()
	m := notify.Message{Subject: "【催办】您有2项整改事项已超期", Body: "正文不进短信"}
	id, err := s.Send(ctx, notify.Recipient{PersonID: 1, Name: "张三", Mobile: "138 0013 8000"}, m, "wf/overdue_urge/1")
	require.NoError(t, err)
	require.Equal(t, "2433:1234567890", id)
	require.Len(t, svc.params, 1)
	p := svc.params[0]
	require.Equal(t, []any{"+8613800138000"}, p["PhoneNumberSet"])
	require.Equal(t, "1400000001", p["SmsSdkAppId"])
	require.Equal(t, "某县委组织部", p["SignName"])
	require.Equal(t, "123456", p["TemplateId"])
	require.Equal(t, []any{"催办：您有2项整改事项已超期"}, p["TemplateParamSet"])
	require.Equal(t, "application/json", svc.headers[0].Get("Content-Type"))

	// No mobile: no request.
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Email: "a@example.org"}, m, "k")
	require.ErrorIs(t, err, notify.ErrNoContact)

	// A wrong secret fails the signature check, which is an error.
	cfg.SecretKey = "wrong"
	bad, err := notify.NewTencentSMSSender(cfg)
	require.NoError(t, err)
	_, err = bad.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13800138000"}, m, "k")
	require.ErrorContains(t, err, "AuthFailure.SignatureFailure")

	// A per-number Code other than Ok is an error.
	svc.code = "LimitExceeded.PhoneNumberDailyLimit"
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13800138000"}, m, "k")
	require.ErrorContains(t, err, "LimitExceeded.PhoneNumberDailyLimit")
	require.Len(t, svc.params, 2)
}

// rfc3986 percent-encodes every byte but the unreserved characters, as Alibaba Cloud's
// signature 1.0 requires.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// aliyunSMS stands in for dysmsapi.aliyuncs.com: it recomputes signature 1.0 from the
// query it received and answers SendSms.
type aliyunSMS struct {
	keyID, secret string
	mu            sync.Mutex
	queries       []url.Values
	raw           []string
}

func (s *aliyunSMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	reply := func(status int, v map[string]any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || r.Method != http.MethodGet {
		reply(http.StatusBadRequest, map[string]any{"Code": "InvalidParameter", "Message": "query", "RequestId": "r0"})
		return
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, rfc3986(k)+"="+rfc3986(q.Get(k)))
	}
	toSign := "GET&%2F&" + rfc3986(strings.Join(parts, "&"))
	mac := hmac.New(sha1.New, []byte(s.secret+"&"))
	mac.Write([]byte(toSign))
	if q.Get("AccessKeyId") != s.keyID {
		reply(http.StatusNotFound, map[string]any{"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.", "RequestId": "r1"})
		return
	}
	if q.Get("Signature") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		reply(http.StatusBadRequest, map[string]any{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation.", "RequestId": "r2"})
		return
	}
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.raw = append(s.raw, r.URL.RawQuery)
	s.mu.Unlock()
	if q.Get("PhoneNumbers") == "13000000000" {
		reply(http.StatusOK, map[string]any{"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控", "RequestId": "r3"})
		return
	}
	reply(http.StatusOK, map[string]any{"Code": "OK", "Message": "OK", "BizId": fmt.Sprintf("90061974693649844%d^0", len(s.queries)), "RequestId": "r4"})
}

func newAliyunSender(t *testing.T, endpoint, secret string) *notify.AliyunSMSSender {
	t.Helper()
	s, err := notify.NewAliyunSMSSender(notify.SMSConfig{Provider: "aliyun", Endpoint: endpoint, SecretID: "LTAItest",
		SecretKey: secret, Region: "cn-hangzhou", SignName: "某县委组织部", TemplateID: "SMS_123456789"})
	require.NoError(t, err)
	return s
}

func TestAliyunSMSIsSignedWithSignatureV1(t *testing.T) {
	svc := &aliyunSMS{keyID: "LTAItest", secret: "ali secret*~"}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	s := newAliyunSender(t, srv.URL, svc.secret)
	require.Equal(t, notify.SMS, s.Channel())
	at := time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	s.Now = func() time.Time { return at }
	s.Nonce = func() string { return "nonce-1 *~" }

	ctx := context.Background()
	// Spaces, * and ~ in the text exercise Alibaba's percent-encoding rules.
	m := notify.Message{Subject: "【整改提醒】您有1项整改事项即将到期 *~", Body: "正文"}
	id, err := s.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "+86 13800138000"}, m, "wf/reminder_before/1")
	require.NoError(t, err)
	require.Equal(t, "900619746936498441^0", id)
	require.Len(t, svc.queries, 1)
	q := svc.queries[0]
	want := map[string]string{
		"AccessKeyId": "LTAItest", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13800138000", "RegionId": "cn-hangzhou",
		"SignName": "某县委组织部", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "nonce-1 *~", "SignatureVersion": "1.0",
		"TemplateCode": "SMS_123456789", "Timestamp": "2026-03-05T01:30:00Z", "Version": "2017-05-25",
	}
	for k, v := range want {
		require.Equal(t, v, q.Get(k), k)
	}
	var tp map[string]string
	require.NoError(t, json.Unmarshal([]byte(q.Get("TemplateParam")), &tp))
	require.Equal(t, map[string]string{"content": "整改提醒：您有1项整改事项即将到期 *~"}, tp)
	// Alibaba's encoding on the wire: %20 not +, %2A not *, ~ as is.
	raw := svc.raw[0]
	require.Contains(t, raw, "SignatureNonce=nonce-1%20%2A~")
	require.NotContains(t, raw, "+")

	// A wrong secret does not match the server's calculation: an error.
	bad := newAliyunSender(t, srv.URL, "wrong")
	_, err = bad.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13800138000"}, m, "k")
	require.ErrorContains(t, err, "SignatureDoesNotMatch")
	// Code other than OK is an error.
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13000000000"}, m, "k")
	require.ErrorContains(t, err, "isv.BUSINESS_LIMIT_CONTROL")
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1}, m, "k")
	require.ErrorIs(t, err, notify.ErrNoContact)
	require.Len(t, svc.queries, 2)
}

// dingTalkRobot stands in for oapi.dingtalk.com/robot/send with 加签 security.
type dingTalkRobot struct {
	token, secret string
	mu            sync.Mutex
	bodies        []map[string]any
	timestamps    []int64
}

func (d *dingTalkRobot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status, code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/robot/send" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		reply(http.StatusBadRequest, 400, "bad request")
		return
	}
	q := r.URL.Query()
	if q.Get("access_token") != d.token {
		reply(http.StatusOK, 300001, "token is not exist")
		return
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		reply(http.StatusBadRequest, 310000, "timestamp missing")
		return
	}
	// DingTalk accepts a timestamp within an hour of its clock.
	if d := time.Since(time.UnixMilli(ts)); d > time.Hour || d < -time.Hour {
		reply(http.StatusOK, 310000, "timestamp expired")
		return
	}
	want := base64.StdEncoding.EncodeToString(hmacSHA256([]byte(d.secret), strconv.FormatInt(ts, 10)+"\n"+d.secret))
	// The sign travels URL-encoded: + / = must be escaped, so the decoded value is exact.
	if q.Get("sign") != want || strings.ContainsAny(strings.SplitN(r.URL.RawQuery, "sign=", 2)[1], "+/=") {
		reply(http.StatusOK, 310000, "sign not match")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		reply(http.StatusBadRequest, 400, "bad json")
		return
	}
	d.mu.Lock()
	d.bodies = append(d.bodies, body)
	d.timestamps = append(d.timestamps, ts)
	d.mu.Unlock()
	reply(http.StatusOK, 0, "ok")
}

func TestDingTalkRobotSignsAndMentionsByMobile(t *testing.T) {
	robot := &dingTalkRobot{token: "tok123", secret: "SECabc+/="}
	srv := httptest.NewServer(robot)
	defer srv.Close()

	s, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: srv.URL + "/robot/send?access_token=tok123", Secret: robot.secret})
	require.NoError(t, err)
	require.Equal(t, notify.DingTalk, s.Channel())
	// A clock that makes the base64 sign contain characters that need escaping is likely;
	// try several timestamps so the escaping matters.
	base := time.Now()
	ctx := context.Background()
	m := notify.Message{Subject: "【督办】本单位有1项整改事项超期未完成", Body: "1. 整改事项甲"}
	for i := 0; i < 20; i++ {
		at := base.Add(time.Duration(i) * time.Millisecond)
		s.Now = func() time.Time { return at }
		_, err := s.Send(ctx, notify.Recipient{PersonID: 1, Name: "王五", Mobile: "13912345678"}, m, "k")
		require.NoError(t, err)
		require.Equal(t, at.UnixMilli(), robot.timestamps[i])
	}
	body := robot.bodies[0]
	require.Equal(t, "text", body["msgtype"])
	require.Equal(t, map[string]any{"content": m.Subject + "\n" + m.Body}, body["text"])
	require.Equal(t, map[string]any{"atMobiles": []any{"13912345678"}}, body["at"])

	// No mobile: still posted, mentioning nobody.
	s.Now = time.Now
	_, err = s.Send(ctx, notify.Recipient{PersonID: 2, Name: "赵六"}, m, "k2")
	require.NoError(t, err)
	last := robot.bodies[len(robot.bodies)-1]
	require.Empty(t, last["at"].(map[string]any)["atMobiles"])

	// A wrong secret is refused with an errcode, which is an error.
	bad, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: srv.URL + "/robot/send?access_token=tok123", Secret: "SECwrong"})
	require.NoError(t, err)
	_, err = bad.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13912345678"}, m, "k")
	require.ErrorContains(t, err, "310000")
	// So is a stale timestamp.
	s.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Mobile: "13912345678"}, m, "k")
	require.ErrorContains(t, err, "310000")
	require.Len(t, robot.bodies, 21)

	_, err = notify.NewDingTalkSender(notify.DingTalkConfig{})
	require.Error(t, err)
}

func TestWeComRobotPostsTextMentioningMobile(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("key") != "wkey" {
			_, _ = io.WriteString(w, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
			return
		}
		var body map[string]any
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errcode":40008,"errmsg":"invalid message type"}`)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	defer srv.Close()

	s, err := notify.NewWeComSender(notify.WeComConfig{Webhook: srv.URL + "/cgi-bin/webhook/send?key=wkey"})
	require.NoError(t, err)
	require.Equal(t, notify.WeCom, s.Channel())
	ctx := context.Background()
	m := notify.Message{Subject: "【挂牌督办】1项整改事项已挂牌督办", Body: "1. 整改事项乙"}
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Name: "王五", Mobile: "+86 139-1234-5678"}, m, "k")
	require.NoError(t, err)
	_, err = s.Send(ctx, notify.Recipient{PersonID: 2, Name: "赵六"}, m, "k2")
	require.NoError(t, err)
	require.Len(t, bodies, 2)
	require.Equal(t, map[string]any{"msgtype": "text", "text": map[string]any{
		"content": m.Subject + "\n" + m.Body, "mentioned_mobile_list": []any{"13912345678"}}}, bodies[0])
	require.Equal(t, map[string]any{"msgtype": "text", "text": map[string]any{"content": m.Subject + "\n" + m.Body}}, bodies[1])

	bad, err := notify.NewWeComSender(notify.WeComConfig{Webhook: srv.URL + "/cgi-bin/webhook/send?key=nope"})
	require.NoError(t, err)
	_, err = bad.Send(ctx, notify.Recipient{PersonID: 1}, m, "k")
	require.ErrorContains(t, err, "93000")
}
