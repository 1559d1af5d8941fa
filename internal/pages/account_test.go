package pages

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/rectification"
)

// selfServiceSamples are sample data for 修改密码 and 进度表 (its three steps as three
// samples would need three views; the fullest, the preview with an upload refusal, and
// the applied rows are rendered).
func selfServiceSamples(p Page) map[string]any {
	pre := rectification.Preview{ID: 3, Progress: 1, Errors: 1, Lines: []rectification.PreviewLine{
		{Line: 3, ItemID: "it-1", Outcome: "progress", Progress: "已补齐会议记录<script>"},
		{Line: 4, ItemID: "it-2", Outcome: "error", Message: "第4行：该事项尚未签收，请先签收"}}}
	return map[string]any{
		"password": passwordView{Page: p, Errors: fieldErrors{"old_password": "原密码不正确", "new_password": "密码至少需要10个字符"}},
		"progress": progressView{Page: p, Preview: &pre, Applicable: true, FileErr: "文件不是 Excel（.xlsx）文件",
			Rows:     []sheetProblem{{Row: "第4行", Column: "本期进展", Message: "不能超过2000字"}},
			Outcomes: []progressLine{{Line: 3, ItemID: "it-1", Measure: "补齐会议记录<script>", Outcome: "进展反馈", Progress: "补齐会议记录<script>", Status: "progress"}}},
	}
}

// The third step of 进度表, each applied row's outcome, renders in both languages too.
func TestProgressAppliedRenders(t *testing.T) {
	cats, views := parsed(t)
	for lang, c := range cats {
		p := Page{Lang: lang, Title: "进度表", c: c}
		v := progressView{Page: p, Applied: []appliedLine{{Line: 3, ItemID: "it-1", State: c.State("in_progress")},
			{Line: 4, ItemID: "it-2", Measure: "补齐会议记录<script>", Error: "该事项尚未签收<script>"}}}
		var buf bytes.Buffer
		require.NoError(t, views[lang]["progress"].ExecuteTemplate(&buf, "layout", v))
		html := buf.String()
		require.NotContains(t, html, missing)
		require.NotContains(t, html, "<script>")
		require.Contains(t, html, `href="/items/it-2"`)
		require.NotContains(t, html, `action="/progress/`, "nothing left to confirm")
	}
}
