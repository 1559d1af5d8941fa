package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
	"rectify/internal/testenv"
)

// Secrets a hostile or careless provider echoes back in its error.
const (
	robotToken = "tok3nSECRETdingtalk0001"
	robotSign  = "SECsigningSecret9999"
	smsKeyID   = "LTAIsecretKeyId777"
	smsSecret  = "aliSecretKey555"
	phone      = "13912345678"
)

// echoServer refuses every request with an error that repeats the request's URL (with its
// token, signature and access key), and the recipient's phone number.
func echoServer(t *testing.T, status int, secret string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		msg := fmt.Sprintf("denied %s for %s (secret %s)", r.URL.String(), phone, secret)
		_, _ = fmt.Fprintf(w, `{"errcode": 310000, "errmsg": %q, "Code": "isv.DENIED", "Message": %q, "RequestId": "r1"}`, msg, msg)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A failed robot or SMS delivery keeps only a cleaned reason: neither the stored row nor
// what people read of it holds the webhook token, the signing secret, the access key or the
// phone number the provider's error repeats.
func TestAFailedDeliveryStoresNoSecrets(t *testing.T) {
	pool, _ := testenv.Pool(t)
	setupPeople(t, pool, 1)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "人员甲", Mobile: phone}

	robotSrv := echoServer(t, http.StatusForbidden, robotSign)
	robot, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: robotSrv.URL + "/robot/send?access_token=" + robotToken, Secret: robotSign})
	require.NoError(t, err)
	smsSrv := echoServer(t, http.StatusOK, smsSecret)
	sms, err := notify.NewAliyunSMSSender(notify.SMSConfig{Provider: "aliyun", Endpoint: smsSrv.URL, SecretID: smsKeyID,
		SecretKey: smsSecret, Region: "cn-hangzhou", SignName: "某县委组织部", TemplateID: "SMS_1"})
	require.NoError(t, err)

	for _, tc := range []struct {
		sender notify.Sender
		item   string
		reason string
	}{
		{robot, "m1-u1", "服务商拒绝 (provider refused, HTTP 403)"},
		{sms, "m2-u1", "服务商拒绝 (provider refused)"},
	} {
		n := &notify.Notifier{Store: notify.NewStore(pool), Senders: []notify.Sender{tc.sender}}
		_, err := n.Deliver(ctx, "k-"+tc.item, to, notify.RungOverdueUrge, []string{tc.item}, urge)
		require.Error(t, err)
		var de *notify.DeliveryError
		require.ErrorAs(t, err, &de)
		require.Equal(t, tc.reason, de.Reason)
		for _, secret := range []string{robotToken, robotSign, smsKeyID, smsSecret} {
			require.NotContains(t, err.Error(), secret, "the returned (and logged) error is redacted")
		}

		var row string
		require.NoError(t, pool.QueryRow(ctx, `SELECT row_to_json(d)::text FROM deliveries d WHERE $1 = ANY(item_ids)`, tc.item).Scan(&row))
		ds, err := n.Deliveries(ctx, tc.item)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		require.Equal(t, notify.StatusFailed, ds[0].Status)
		require.Equal(t, tc.reason, ds[0].Reason)
		shown := fmt.Sprintf("%+v", ds)
		for _, text := range []string{row, shown} {
			for _, secret := range []string{robotToken, robotSign, smsKeyID, smsSecret, phone, "http://", "?"} {
				require.False(t, strings.Contains(text, secret), "%q found in %s", secret, text)
			}
		}
		require.Contains(t, row, tc.reason)
	}
}

func TestReasonIsAFixedCategory(t *testing.T) {
	require.Equal(t, "发送超时 (timeout)", notify.Reason(fmt.Errorf("post: %w", context.DeadlineExceeded)))
	require.Equal(t, "无联系方式 (no contact address)", notify.Reason(notify.ErrNoContact))
	require.Equal(t, "发送失败 (send failed)", notify.Reason(fmt.Errorf("token %s for %s", robotToken, phone)))
	require.Equal(t, "", notify.Reason(nil))
}
