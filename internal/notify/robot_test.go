package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

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
	mac := hmac.New(sha256.New, []byte(d.secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + d.secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
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
