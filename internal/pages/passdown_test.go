package pages

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/items"
	"rectify/internal/rectification"
)

// passDownSamples are the pages of passing work down and checking it after 销号, with
// sample data.
func passDownSamples(p Page, row items.Row) map[string]any {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	closed := row
	closed.State, closed.ClosedAt = "closed", &at
	return map[string]any{
		"look_backs": lookBacksView{Page: p, Items: []lookBackCard{{Item: closed, Days: 30, DueOn: "2026-03-31", ClosedAgo: 31}}},
		"samples": samplesView{Page: p, Orders: []orderChoice{{ID: 3, Title: "关于巡察反馈问题整改的通知"}}, Share: "x", OrderID: 3,
			Errors:  fieldErrors{"share": "抽查比例应大于0且不超过100%"},
			Samples: []items.Sample{{ID: 5, Share: 0.1, Seed: 42, Eligible: []string{"a", "b"}, ItemIDs: []string{"a"}, DrawnBy: "县组织部干部", DrawnAt: at}}},
		"sample": sampleView{Page: p, Key: "k", MinDue: "2026-03-02", ErrItem: "a", ErrForm: "fail", Errors: fieldErrors{"due": "重新整改须定出新的完成时限"},
			Note: "又不开会了", Sample: items.Sample{ID: 5, Seed: 42, Eligible: []string{"a", "b"}, ItemIDs: []string{"a", "b"}, DrawnAt: at,
				Items: []items.SampleItem{{ItemID: "a", Unit: "东关村", Measure: "补齐会议记录<script>", State: "closed"},
					{ItemID: "b", Unit: "西关村", Measure: "每月一份记录", State: "in_progress", Result: "fail", Note: "记录缺失"}}}},
	}
}

// The item page shows its parent, its sub-items, its badges and its look-back rounds, and
// the forms of 分办, 转办 and 回头看 with each refusal beside its field.
func TestTheItemPageShowsPassingDown(t *testing.T) {
	cats, views := parsed(t)
	v := sampleViews(t, "zh", cats["zh"])["item"].(itemView)
	v.Item.ParentItemID, v.Item.ChildrenTotal, v.Item.ChildrenClosed, v.Item.AckLate, v.Item.ReopenCount = "p-1", 2, 1, true, 2
	kid := v.Item
	kid.ID, kid.UnitCode, kid.UnitName, kid.State = "k-1", "V11", "东关村", "closed"
	v.Children = []childRow{{Row: kid, Deadline: "2026-02-20"}}
	v.LookBacks = []items.LookBackRound{{Days: 30, DueOn: "2026-12-26", Outcome: "holds", Answered: true}, {Days: 60, DueOn: "2027-01-25"}}
	v.PassDown = rectification.PassDownOffer{Assign: true, Split: true, LookBack: true, ParentDue: "2026-03-01",
		People: []rectification.PersonChoice{{Login: "t1o", Name: "城关镇组织委员", Position: "组织委员"}},
		Below:  []rectification.UnitChoice{{Code: "V11", Name: "东关村", People: []rectification.PersonChoice{{Login: "v11", Name: "东关村书记"}}}}}
	v.Can["assign"], v.Can["split"], v.Can["look_back"] = true, true, true
	v.SplitRows = splitRows(v.PassDown, v.Item)
	v.SplitRows[0].Picked = true
	v.Open = "split"
	v.Errors, v.Message = passDownErrors(apperr.InvalidFields([]apperr.FieldError{
		{Field: "sub_items[0].due", Message: "完成时限2026-04-01不能晚于上级事项的完成时限2026-03-01"},
		{Field: "title", Message: "标题过长"}}), subItemField([]string{"V11"}))
	var buf bytes.Buffer
	require.NoError(t, views["zh"]["item"].ExecuteTemplate(&buf, "layout", v))
	html := buf.String()
	require.Contains(t, html, `<a class="parent" href="/items/p-1">查看上级事项</a>`)
	require.Contains(t, html, `<span class="tag ack-late">逾期签收</span> <span class="tag reopened">重新整改2次</span>`)
	require.Contains(t, html, "下级事项（已完成1/2）")
	require.Contains(t, html, `<h3><a href="/items/k-1">东关村</a></h3>`)
	require.Contains(t, html, `<li>第30天 <time>2026-12-26</time> <strong>巩固</strong></li>`)
	require.Contains(t, html, `<li>第60天 <time>2027-01-25</time> <strong>待回头看</strong></li>`)
	require.Regexp(t, `id="sp-V11-due" name="due-V11" type="date" min="[^"]*" max="2026-03-01" value="2026-03-01" aria-invalid="true" aria-describedby="sp-V11-due-err">\s*<p class="err" id="sp-V11-due-err">完成时限2026-04-01不能晚于`, html)
	require.Contains(t, html, `<p class="err" role="alert">标题过长</p>`, "a field no input shows is not lost")
	require.Contains(t, html, `name="pick" value="V11" checked`)
	require.Contains(t, html, `<option value="v11" selected>东关村书记</option>`)
	require.Contains(t, html, `action="/items/it-1/look-back"`)
	require.Contains(t, html, `action="/items/it-1/assign"`)
}
