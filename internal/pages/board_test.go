package pages

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/bulletin"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// boardSamples are the supervision pages with sample data, for the render test.
func boardSamples(t *testing.T, p Page) map[string]any {
	t.Helper()
	at := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)
	red := items.Row{ID: "it-9", Measure: "补齐会议记录<script>", UnitCode: "T1", UnitName: "城关镇", State: "in_progress",
		Light: light.Red, LightReason: "已超期5个工作日", Listed: true}
	yellow := red
	yellow.ID, yellow.Light, yellow.LightReason, yellow.Listed = "it-10", light.Yellow, "还剩2个工作日", false
	cal := rectification.CalendarView{Years: []int{2026}, Warning: "尚未载入2027年节假日表",
		Uploaded: []holidays.Version{{Year: 2026, Version: 1, Days: 33, UploadedAt: at}}}
	settings := settingsView{Page: p, CanEdit: true, Calendar: cal, Message: "规则无法保存",
		Versions: []yearLine{{Year: 2026, Version: 1, Days: 33, By: "系统", At: "2026-03-02 08:30"}}}
	for _, n := range policyFields {
		settings.Fields = append(settings.Fields, formField{Name: n, ID: "p-" + n, Label: n, Kind: "text", Value: "<b>1</b>", Errs: []string{"不对"}})
	}
	return map[string]any{
		"board": boardView{Page: p, Units: []boardUnit{{Code: "T1", Name: "城关镇", Red: []items.Row{red}, Yellow: []items.Row{yellow}}},
			Listed: []items.Row{red}, Failed: []failedDelivery{{Item: red, Channel: "短信", At: "2026-03-02 08:30", Reason: "号码无效"}}},
		"bulletins": bulletinsView{Page: p, CanPublish: true, Bulletins: []bulletinRow{{Summary: bulletin.Summary{ID: 3, Issuer: "示范县",
			Kind: bulletin.OnDemand, PeriodStart: at, PeriodEnd: at, CloseRate: 0.5, Overdue: 2,
			FirstTimeRate: 0.25, AckLate: 1, Reopened: 1, Repeat: 1}, Period: "2026-03-01 — 2026-03-02", Rate: "50.0%", FirstTimeRate: "25%"}}},
		"settings": settings,
	}
}

// The service's refusals of a policy land on the inputs they name; one naming nothing on
// the form is the form's own message.
func TestPolicyRefusalsStandBesideTheirFields(t *testing.T) {
	err := apperr.InvalidFields([]apperr.FieldError{{Field: "policy.remind_before[1]", Message: "到期前提醒应在0到60个工作日之间"},
		{Field: "policy.remind_before[0]", Message: "到期前提醒应在0到60个工作日之间"}, {Field: "policy.send_end", Message: "应写作hh:mm"}})
	errs, msg := policyErrors(err)
	require.Empty(t, msg)
	require.Equal(t, map[string][]string{"remind_before": {"到期前提醒应在0到60个工作日之间"}, "send_end": {"应写作hh:mm"}}, errs)

	errs, msg = policyErrors(apperr.New(apperr.Invalid, "unit", "本单位不能设置规则"))
	require.Nil(t, errs)
	require.Equal(t, "本单位不能设置规则", msg)

	require.Equal(t, "3,1", policyForm(itemmsg.DefaultPolicy())["remind_before"])
	require.Equal(t, "30,60,90", policyForm(itemmsg.Policy{})["look_back_days"], "a policy from before look-backs shows the default")
	require.Equal(t, "", policyForm(itemmsg.Policy{LookBackDays: []int{}})["look_back_days"], "none")
	errs = map[string][]string{}
	require.Equal(t, []int{30, 90}, splitDays(map[string]string{"d": "30，90"}, errs, "d", "x"))
	require.Nil(t, splitDays(map[string]string{"d": "30,九十"}, errs, "d", "应填写天数"))
	require.Equal(t, []string{"应填写天数"}, errs["d"])
}
