package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/notify"
)

// A robot whose webhook refuses a reminder with an error repeating its access token, the
// signing secret and the recipient's phone number: the item's detail, to everyone in scope,
// shows the delivery's channel, status, time and a cleaned reason, and none of those.
func TestItemDetailShowsNoProviderSecrets(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	orderID := issue(t, e, threeMeasures(dueIn(20)), 6)
	const token, secret, phone = "webhookTOKEN4242abcd", "SECdingSigning0000", "13700001111"
	robotSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"errcode": 300001, "errmsg": "token %s invalid for %s (%s), see %s"}`, r.URL.Query().Get("access_token"), phone, secret, r.URL)
	}))
	defer robotSrv.Close()
	robot, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: robotSrv.URL + "/robot/send?access_token=" + token, Secret: secret})
	require.NoError(t, err)

	var itemID string
	var personID int64
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT i.id, p.id FROM items i JOIN units u ON u.id = i.unit_id JOIN people p ON p.login = 't1o'
		WHERE i.order_id = $1 AND u.code = 'T1' ORDER BY i.id LIMIT 1`, orderID).Scan(&itemID, &personID))
	n := &notify.Notifier{Store: notify.NewStore(e.Sys.Pool), Senders: []notify.Sender{robot}}
	_, err = n.Deliver(ctx, "secrets-test", notify.Recipient{PersonID: personID, Name: "城关镇组织委员", Mobile: phone},
		notify.RungOverdueUrge, []string{itemID}, notify.Message{Subject: "催办", Body: "请尽快整改"})
	require.Error(t, err)

	var row string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT row_to_json(d)::text FROM deliveries d WHERE key LIKE 'secrets-test%'`).Scan(&row))
	for _, who := range []string{"cs", "t1o"} {
		body := e.Login(who).JSON("GET", "/api/items/"+itemID, nil, 200, nil)
		for _, text := range []string{row, string(body)} {
			for _, s := range []string{token, secret, phone, robotSrv.URL} {
				require.False(t, strings.Contains(text, s), "%q leaked into %s", s, text)
			}
		}
		var detail struct {
			Deliveries []map[string]any `json:"deliveries"`
		}
		require.NoError(t, json.Unmarshal(body, &detail))
		require.Len(t, detail.Deliveries, 1)
		d := detail.Deliveries[0]
		require.Equal(t, "dingtalk", d["channel"])
		require.Equal(t, "failed", d["status"])
		require.Equal(t, "服务商拒绝 (provider refused, HTTP 403)", d["reason"])
		require.NotEmpty(t, d["at"])
		require.Len(t, d, 4, "channel, status, time and reason only: %v", d)
	}
}
