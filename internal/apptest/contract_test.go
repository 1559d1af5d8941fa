package apptest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The checks the integration tests rely on: an answer that strays from the document in any
// of the ways code drifts (a field dropped or added, a type changed, a status or route or
// media type nobody documented) is reported, and a faithful one is not.
func TestContractCatchesDrift(t *testing.T) {
	doc, err := os.ReadFile("../../api/openapi.json")
	require.NoError(t, err)
	c, err := LoadContract(doc)
	require.NoError(t, err)

	const me = `{"person_id":1,"login":"cs","name":"县组织部干部","unit_id":1,"unit_code":"C","unit_name":"示范县","roles":["org_staff"]}`
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	xlsx := http.Header{"Content-Type": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}
	cases := []struct {
		name         string
		method, path string
		reqType      string
		reqBody      string
		status       int
		header       http.Header
		body         string
		want         string // "" when the exchange agrees with the document
	}{
		{name: "faithful", method: "GET", path: "/api/me", status: 200, header: jsonHeader, body: me},
		{name: "required field dropped", method: "GET", path: "/api/me", status: 200, header: jsonHeader,
			body: strings.Replace(me, `"unit_code":"C",`, "", 1), want: `property "unit_code" is missing`},
		{name: "field added", method: "GET", path: "/api/me", status: 200, header: jsonHeader,
			body: strings.Replace(me, `{`, `{"password":"x",`, 1), want: `property "password" is unsupported`},
		{name: "type changed", method: "GET", path: "/api/me", status: 200, header: jsonHeader,
			body: strings.Replace(me, `"person_id":1`, `"person_id":"1"`, 1), want: `person_id`},
		{name: "status not documented", method: "GET", path: "/api/me", status: 201, header: jsonHeader, body: me,
			want: "status is not supported"},
		{name: "body without a schema", method: "GET", path: "/healthz", status: 204, header: jsonHeader, body: `{}`,
			want: "has no schema"},
		{name: "error body drifted", method: "GET", path: "/api/me", status: 401, header: jsonHeader,
			body: `{"error":{"code":"unauthenticated","msg":"请先登录"}}`, want: `"message" is missing`},
		{name: "error code not documented", method: "GET", path: "/api/me", status: 401, header: jsonHeader,
			body: `{"error":{"code":"login_required","message":"请先登录"}}`, want: "code"},
		{name: "unknown route answered 404", method: "GET", path: "/api/nothing", status: 404, header: jsonHeader,
			body: `{"error":{"code":"not_found","message":"接口不存在","field":"path"}}`},
		{name: "route not documented", method: "GET", path: "/api/nothing", status: 200, header: jsonHeader, body: `{}`,
			want: "route not documented"},
		{name: "download of another media type", method: "GET", path: "/api/ledger", status: 200,
			header: http.Header{"Content-Type": {"text/csv"}}, body: "a,b", want: `media type "text/csv" not documented`},
		{name: "download", method: "GET", path: "/api/ledger", status: 200, header: xlsx, body: "PK\x03\x04"},
		{name: "accepted request the document refuses", method: "PUT", path: "/api/me/password", reqType: "application/json",
			reqBody: `{"old_password":"a"}`, status: 204, header: http.Header{}, want: "new_password"},
		{name: "refused request the document refuses", method: "PUT", path: "/api/me/password", reqType: "application/json",
			reqBody: `{"old_password":"a"}`, status: 400, header: jsonHeader,
			body: `{"error":{"code":"invalid","message":"请输入新密码","field":"new_password"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.path, nil)
			if tc.reqType != "" {
				req.Header.Set("Content-Type", tc.reqType)
			}
			err := c.Check(req, []byte(tc.reqBody), tc.status, tc.header, []byte(tc.body))
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
