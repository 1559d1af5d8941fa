package pages

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// choices is what a county with two townships (one with a branch below it) offers a form.
var choices = rectification.DraftChoices{Sources: order.Sources, Positions: []string{"书记", "组织委员", "镇长"},
	Units: []order.TargetUnit{
		{Code: "T1", Name: "城关镇", Kind: "township", Below: "T1", People: []order.UnitPerson{{Login: "t1s", Name: "王芳", Position: "书记"},
			{Login: "t1o", Name: "李军", Position: "组织委员"}}},
		{Code: "V11", Name: "东关村党支部", Kind: "branch", Below: "T1", People: []order.UnitPerson{{Login: "v11", Name: "郑建国", Position: "书记"}}},
		{Code: "T2", Name: "河西乡", Kind: "township", Below: "T2", People: []order.UnitPerson{{Login: "t2s", Name: "赵磊", Position: "书记"}}},
	}}

// draft is an order with two problems, the first with two measures.
func draft() order.Draft {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Login: "t1o"}}
	return order.Draft{Title: "关于巡察反馈问题整改的通知", Source: "巡察", DocNumber: "清组通〔2026〕3号", Targets: []string{"T1"},
		Problems: []order.Problem{
			{Description: "三会一课记录不全", Measures: []order.Measure{
				{Content: "补齐会议记录", Criterion: "记录完整率100%", Responsibility: resp, Deadline: order.Deadline{Kind: order.ByDate, Due: "2026-12-31"}},
				{Content: "建立月度台账", Criterion: "每月一张台账", Responsibility: resp,
					Deadline: order.Deadline{Kind: order.Ongoing, Checkpoints: []string{"2026-06-30", "2026-12-31"}}},
			}},
			{Description: "党员发展程序不规范", Measures: []order.Measure{
				{Content: "逐一倒查", Criterion: "倒查清单覆盖全部新党员", Responsibility: resp,
					Deadline: order.Deadline{Kind: order.Immediate, WorkingDays: 10, From: "acknowledge"}},
			}},
		}}
}

// refusal is what the service answers a draft with a past deadline and a post nobody holds.
var refusal = apperr.InvalidFields([]apperr.FieldError{
	{Field: "problems[0].measures[1].deadline.checkpoints[1]", Message: "完成时限2020-01-01早于今天"},
	{Field: "problems[1].measures[0].responsibility.handler.position", Message: "具体责任人：责任单位“河西乡”没有岗位为“镇长”的人员"},
	{Field: "targets[1]", Message: "单位“X9”不存在或不在本单位管辖范围内"},
	{Field: "problems[1].measures", Message: "每个问题至少要有一项整改措施"},
	{Field: "policy.ack_within", Message: "签收时限应至少为1个工作日"},
})

func orderSamples(t *testing.T, p Page) map[string]any {
	t.Helper()
	c := p.c
	at := time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)
	o := order.Order{ID: 7, IssuerUnitID: 1, IssuerUnit: "清河县", Title: "关于巡察反馈问题整改的通知<script>", Source: "巡察", DocNumber: "清组通〔2026〕3号",
		Status: "issued", CreatedAt: at, IssuedAt: &at, Targets: []order.Target{{UnitID: 2, Code: "T1", Name: "城关镇"}},
		Counts: map[string]int{"closed": 1, "in_progress": 2}, Items: 3,
		Problems: []order.StoredProblem{{ID: 1, Seq: 1, Description: "三会一课记录不全", Measures: []order.StoredMeasure{{ID: 5, Seq: 1,
			Content: "补齐会议记录", Criterion: "记录完整率100%", DeadlineKind: order.ByDate, Due: "2026-12-31",
			Responsibility: order.Responsibility{Primary: order.PersonRef{Position: "书记"}}}}}}}
	form := orderFormView{Page: p}
	orderForm(&form, draft(), choices, "2026-03-02").place(&form, refusal)
	rows, fileErr, sourceErr, msg := sheetProblems(c, apperr.InvalidFields([]apperr.FieldError{
		{Field: "Sheet1!第4行 完成时限", Message: "第4行 完成时限：“2026-02-30”不是日期"}, {Field: "file", Message: "不是有效的.xlsx文件"}}))
	return map[string]any{
		"orders": ordersView{Page: p, CanIssue: true, Filters: []stateFilter{{URL: "/orders", Label: "全部", N: 1, Current: true}},
			Counts: stateCounts(c, o.Counts), Rate: rateOf(o.Counts),
			Orders: []orderCard{{Order: o, Status: c.OrderStatus(o.Status), Date: orderDate(c, o), Rate: rateOf(o.Counts), Counts: stateCounts(c, o.Counts)}}},
		"order": orderView{Page: p, Order: &o, Status: c.OrderStatus(o.Status), Created: c.When(at), Issued: c.When(at), CanIssue: true,
			Counts: stateCounts(c, o.Counts), Rate: rateOf(o.Counts), Message: "该整改通知已交办",
			Problems: []problemView{{Seq: 1, Description: "三会一课记录不全", Measures: []measureView{{Seq: 1, Content: "补齐会议记录",
				Criterion: "记录完整率100%", People: []personLine{{Role: "第一责任人", Who: "各责任单位的书记"}}, Deadline: "限期整改 · 2026-12-31",
				Items: []itemLine{{ID: "m5-u2", Unit: "城关镇", State: c.State("in_progress"), Light: light.Yellow, Reason: "距完成时限还有2个工作日"}}}}}},
			Plan: planOf(c, &o, rectification.ReminderPlan{Policy: itemmsg.DefaultPolicy(), Warning: "2027年的节假日安排尚未录入",
				Steps: []rectification.PlanStep{{MeasureID: 5, Unit: "城关镇", Rung: itemmsg.RungBefore, SendAt: at, Recipients: []string{"王芳", "李军"}}}})},
		"order_new": form,
		"order_import": importView{Page: p, OrderTitle: "督查问题", Source: "巡察", Sources: order.Sources, Rows: rows, FileErr: fileErr,
			SourceErr: sourceErr, Message: msg},
	}
}

// What was typed comes back as typed, and the editing buttons change only what they say.
func TestTheFormKeepsWhatWasTyped(t *testing.T) {
	cats, views := parsed(t)
	v := orderFormView{Page: Page{Lang: "zh", Title: "新建整改通知", c: cats["zh"]}}
	orderForm(&v, draft(), choices, "2026-03-02")
	var buf bytes.Buffer
	require.NoError(t, views["zh"]["order_new"].ExecuteTemplate(&buf, "layout", v))

	// The browser sends the form as the page lays it out; read back, it is the same draft.
	sent := url.Values{}
	for _, m := range regexp.MustCompile(`<(?:input|textarea|select)[^>]* name="([^"]+)"[^>]*>`).FindAllStringSubmatch(buf.String(), -1) {
		name := m[1]
		tag := m[0]
		switch {
		case strings.HasPrefix(tag, "<input") && strings.Contains(tag, `type="checkbox"`):
			if strings.Contains(tag, " checked") {
				sent.Add(name, regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(tag)[1])
			}
		case strings.HasPrefix(tag, "<input"):
			sent.Add(name, regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(tag)[1])
		case strings.HasPrefix(tag, "<textarea"):
			rest := buf.String()[strings.Index(buf.String(), tag)+len(tag):]
			sent.Add(name, rest[:strings.Index(rest, "</textarea>")])
		default:
			rest := buf.String()[strings.Index(buf.String(), tag):]
			rest = rest[:strings.Index(rest, "</select>")]
			if sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(rest); sel != nil {
				sent.Add(name, sel[1])
			} else {
				sent.Add(name, "")
			}
		}
	}
	require.Equal(t, draft(), readDraft(sent))
	require.Contains(t, buf.String(), "<h1>新建整改通知</h1>")
	require.Contains(t, buf.String(), `<optgroup label="城关镇的人员"><option value="login:t1s">王芳（书记）</option><option value="login:t1o" selected>李军（组织委员）</option></optgroup>`,
		"one unit chosen: its people are offered, by name")

	d := draft()
	require.True(t, edit(&d, "add-measure:1"))
	require.Len(t, d.Problems[1].Measures, 2)
	require.Equal(t, d.Problems[1].Measures[0].Responsibility, d.Problems[1].Measures[1].Responsibility, "a new measure starts with the posts of the one before")
	require.Empty(t, d.Problems[1].Measures[1].Content)
	require.True(t, edit(&d, "drop-measure:0.0"))
	require.Equal(t, "建立月度台账", d.Problems[0].Measures[0].Content)
	require.True(t, edit(&d, "add-problem"))
	require.Len(t, d.Problems, 3)
	require.True(t, edit(&d, "drop-problem:0"))
	require.Equal(t, "党员发展程序不规范", d.Problems[0].Description)
	require.False(t, edit(&d, "drop-problem:9"), "nothing there")
	require.False(t, edit(&d, "save"))
}

// Each refusal stands beside its field, or beside the list it belongs to, and all are
// listed on top with links; one of no field on the form is the form's own message.
func TestRefusalsStandBesideTheirFields(t *testing.T) {
	cats, err := loadCatalogs()
	require.NoError(t, err)
	v := orderFormView{Page: Page{Lang: "zh", c: cats["zh"]}}
	orderForm(&v, draft(), choices, "2026-03-02").place(&v, refusal)
	m := v.Problems[0].Measures[1]
	require.Empty(t, m.Checkpoints[0].Errs)
	require.Equal(t, []string{"完成时限2020-01-01早于今天"}, m.Checkpoints[1].Errs, "beside the second date")
	require.Equal(t, []string{"具体责任人：责任单位“河西乡”没有岗位为“镇长”的人员"}, v.Problems[1].Measures[0].Handler.Errs)
	require.Equal(t, []string{"单位“X9”不存在或不在本单位管辖范围内"}, v.Targets.Errs)
	require.Equal(t, []string{"每个问题至少要有一项整改措施"}, v.Problems[1].MeasuresErr)
	require.Equal(t, "签收时限应至少为1个工作日", v.Message)
	require.Equal(t, []fieldProblem{
		{ID: "f-problems0-measures1-deadline-checkpoints-1", Where: "问题1 措施2 阶段检查日期2", Message: "完成时限2020-01-01早于今天"},
		{ID: "f-problems1-measures0-responsibility-handler", Where: "问题2 措施1 具体责任人", Message: "具体责任人：责任单位“河西乡”没有岗位为“镇长”的人员"},
		{ID: "f-targets", Where: "责任单位", Message: "单位“X9”不存在或不在本单位管辖范围内"},
		{ID: "f-problems1-measures-err", Where: "问题2 整改措施", Message: "每个问题至少要有一项整改措施"},
	}, v.Summary)
}

// A sheet's refusals become rows of a table: row, column, and the message without the
// place it repeats.
func TestSheetRefusalsAreRows(t *testing.T) {
	cats, err := loadCatalogs()
	require.NoError(t, err)
	rows, fileErr, sourceErr, msg := sheetProblems(cats["zh"], apperr.InvalidFields([]apperr.FieldError{
		{Field: "Sheet1!第4行 完成时限", Message: "第4行 完成时限：“2026-02-30”不是日期"},
		{Field: "Sheet1!第5行至第7行 整改措施", Message: "第5行至第7行 整改措施：合并单元格只能用于问题列"},
		{Field: "Sheet1!表头 验收标准", Message: "缺少必填列“验收标准”（表头在第2行）"},
		{Field: "Sheet1!问题", Message: "没有可导入的问题和整改措施"},
		{Field: "problems[0].measures[1].deadline.due", Message: "完成时限2020-01-01早于今天"},
		{Field: "source", Message: "未指定问题来源"},
		{Field: "file", Message: "文件超过20MB的大小上限"},
	}))
	require.Equal(t, []sheetProblem{
		{Row: "第4行", Column: "完成时限", Message: "“2026-02-30”不是日期"},
		{Row: "第5行至第7行", Column: "整改措施", Message: "合并单元格只能用于问题列"},
		{Row: "表头", Column: "验收标准", Message: "缺少必填列“验收标准”（表头在第2行）"},
		{Row: "—", Column: "问题", Message: "没有可导入的问题和整改措施"},
		{Row: "—", Column: "问题1 措施2 完成时限", Message: "完成时限2020-01-01早于今天"},
	}, rows)
	require.Equal(t, "未指定问题来源", sourceErr)
	require.Equal(t, "文件超过20MB的大小上限", fileErr)
	require.Empty(t, msg)
}
