package pages

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// The dashboard's figures reach its script as JSON inside the page, escaped so that a unit's
// name cannot end the script element; only the dashboard loads the charts' files; and the
// policy that lets those files run allows scripts from this site only.
func TestDashboardCarriesItsChartsAsData(t *testing.T) {
	cats, views := parsed(t)
	samples := sampleViews(t, "zh", cats["zh"])
	v := samples["dashboard"].(dashboardView)
	var buf bytes.Buffer
	require.NoError(t, views["zh"]["dashboard"].ExecuteTemplate(&buf, "layout", v))
	page := buf.String()

	m := regexp.MustCompile(`(?s)<script type="application/json" id="dashboard-data">(.*?)</script>`).FindStringSubmatch(page)
	require.NotNil(t, m)
	require.NotContains(t, m[1], "<", "markup in the data is escaped")
	var got dashboardCharts
	require.NoError(t, json.Unmarshal([]byte(m[1]), &got))
	require.Equal(t, v.Charts, got)
	require.Equal(t, []string{"本级", "东关村<script>"}, got.Lights.Units)
	require.Equal(t, []string{"", "/dashboard/V11"}, got.Lights.URLs)
	require.Equal(t, []chartSeries{{Name: "红灯", Colour: "red", Data: []int{1, 0}}, {Name: "黄灯", Colour: "yellow", Data: []int{0, 0}},
		{Name: "绿灯", Colour: "green", Data: []int{0, 1}}}, got.Lights.Series)
	require.Contains(t, page, `<script src="/static/vendor/echarts-6.1.0/echarts.min.js?v=`)
	require.Contains(t, page, `<script src="/static/dashboard.js?v=`)
	require.NotRegexp(t, `\son[a-z]+=`, page, "no inline event handlers")

	buf.Reset()
	require.NoError(t, views["zh"]["todo"].ExecuteTemplate(&buf, "layout", samples["todo"]))
	require.NotContains(t, buf.String(), "echarts")
	require.NotContains(t, buf.String(), "dashboard.js")

	rec := httptest.NewRecorder()
	securityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/dashboard", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self';")
	require.NotContains(t, csp, "unsafe")
}
