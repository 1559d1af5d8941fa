package app_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase/weakcasemsg"
)

// requireRefused requires a 400 whose error names the field.
func requireRefused(t *testing.T, st int, body []byte, field, fragment string) {
	t.Helper()
	require.Equal(t, 400, st, "%s", body)
	var b apperr.Body
	require.NoError(t, json.Unmarshal(body, &b), "%s", body)
	require.Equal(t, field, b.Error.Field, "%s", body)
	require.Contains(t, b.Error.Message, fragment)
}

// Numbers that reach the calendar's loops and texts that become workflow payloads are
// bounded at the API: 9e18 working days once kept a core spinning until restart.
func TestNumbersAndTextsBoundedOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs := e.Login("cs")

	start := time.Now()
	st, b := cs.Do("GET", "/api/calendar?date=2026-02-13&add=9000000000000000000", nil, nil)
	requireRefused(t, st, b, "add", "工作日数应在-3660到3660之间")
	require.Less(t, time.Since(start), 5*time.Second)
	st, b = cs.Do("GET", "/api/calendar?date=2026-02-13&add=2305843009213693952", nil, nil) // 2^61
	requireRefused(t, st, b, "add", "3660")
	st, b = cs.Do("GET", "/api/calendar?date=1999-12-31&add=1", nil, nil)
	requireRefused(t, st, b, "date", "超出2000年至2100年的范围")
	var ok struct {
		Plus string `json:"plus_workdays"`
	}
	cs.JSON("GET", "/api/calendar?date=2026-02-13&add=1", nil, 200, &ok)
	require.Equal(t, "2026-02-14", ok.Plus)

	p := itemmsg.DefaultPolicy()
	p.AckWithin = 1 << 61
	st, b = cs.Do("PUT", "/api/policy", p, nil)
	requireRefused(t, st, b, "policy.ack_within", "签收时限不能超过250个工作日")

	// Texts are counted in characters: 2000 汉字 are fine for the bound, 2001 are not.
	st, b = cs.Do("POST", "/api/items/m1-u1/progress", map[string]any{"note": strings.Repeat("进", 2001)}, nil)
	requireRefused(t, st, b, "note", "说明不能超过2000字")
	st, b = cs.Do("POST", "/api/items/m1-u1/request-close", map[string]any{"note": "完成", "evidence_ids": make([]int64, 51)}, nil)
	requireRefused(t, st, b, "evidence_ids", "佐证材料不能超过50项")
	far := time.Now().In(calendar.Shanghai).AddDate(5, 0, 2).Format("2006-01-02")
	st, b = cs.Do("POST", "/api/items/m1-u1/request-extension", map[string]any{"note": "等", "extend_to": far}, nil)
	requireRefused(t, st, b, "extend_to", "太远，不能晚于5年后")

	// A body over 1 MiB is refused without reading it all.
	huge := `{"title":"` + strings.Repeat("x", 2<<20) + `"}`
	st, b = cs.Raw("POST", "/api/orders/validate", "application/json", bytes.NewReader([]byte(huge)))
	requireRefused(t, st, b, "body", "请求体不能超过1024KB")

	// A weak campaign whose policy is refused is not created half-way.
	wp := weakcasemsg.DefaultPolicy()
	wp.ReportEscalateAfter = 9000000000000000000
	st, b = cs.Do("POST", "/api/weak/campaigns", map[string]any{"year": 2026, "policy": wp}, nil)
	requireRefused(t, st, b, "policy.report_escalate_after", "逾期督办不能超过250个工作日")
	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(t.Context(), `SELECT count(*) FROM weak_campaigns`).Scan(&n))
	require.Zero(t, n)
}
