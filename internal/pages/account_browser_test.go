package pages_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apptest"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// fetch gets path with the person's cookies, as the browser would when a link is followed,
// for what chromium saves instead of showing (a download).
func (p *person) fetch(path string) (*http.Response, []byte) {
	p.t.Helper()
	got, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base + "/"}})
	require.NoError(p.t, err)
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	require.NoError(p.t, err)
	for _, c := range got.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	return resp, body
}

// A person changes their password from the header: a wrong old password is refused
// beside its field, the change keeps them signed in, and the new password signs in.
func TestChangePasswordOnAPhone(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	b := newBrowser(t, e.Server.URL)
	const newPassword = "换个新密码-2026-ok"
	ts := b.signedIn("t1s")
	require.Equal(t, 200, ts.tap(`header a[href="/account/password"]`))
	require.Equal(t, "修改密码", ts.text("main h1"))
	ts.check("password")

	ts.fill("#pw-old", "not-my-password")
	ts.fill("#pw-new", newPassword)
	require.Equal(t, 400, ts.tap(`main button[type=submit]`))
	require.Equal(t, "原密码不正确", ts.text("#pw-old-err"), "beside its field")
	require.Equal(t, []string{"true"}, ts.eval(`[document.querySelector('#pw-old').getAttribute('aria-invalid')]`))
	ts.check("password-refused")

	ts.fill("#pw-old", apptest.Password)
	ts.fill("#pw-new", newPassword)
	require.Equal(t, 200, ts.tap(`main button[type=submit]`))
	require.Equal(t, "/account/password?done=password", ts.location())
	require.Contains(t, ts.text("main .flash"), "密码已修改")
	// Still signed in, under the new token.
	require.Equal(t, 200, ts.tap(`nav.tabs a[href="/todo"]`))
	require.Equal(t, "/todo", ts.location())

	// The old password no longer signs in; the new one does.
	again := b.person("t1s")
	again.open("/")
	again.fill("#login", "t1s")
	again.fill("#password", apptest.Password)
	require.Equal(t, 401, again.tap("button[type=submit]"))
	again.fill("#password", newPassword)
	require.Equal(t, 200, again.tap("button[type=submit]"))
	require.Equal(t, "/todo", again.location())
}

// A township official reports progress offline: from 我的待办 to 进度表, the sheet
// downloaded, 本期进展 filled for one item in Excel, the sheet uploaded and previewed, and
// the preview confirmed — the item is then in progress with that report.
func TestProgressSheetRoundTripOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	ids := township(t, e)
	yellow := ids["补齐近三年支部会议记录"]
	e.Login("t1o").JSON("POST", "/api/items/"+yellow+"/acknowledge", nil, 200, nil)
	tw := b.signedIn("t1o")
	require.Equal(t, 200, tw.tap(`main a[href="/progress"]`))
	require.Equal(t, "进度表", tw.text("main h1"))
	tw.check("progress")

	// The link gives the workbook of the unit's open items.
	href := tw.eval(`[document.querySelector('#progress-sheet').getAttribute('href')]`)[0]
	resp, data := tw.fetch(href)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, rectification.XLSXType, resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	require.True(t, strings.HasPrefix(string(data), "PK\x03\x04"), "an xlsx is a zip")

	// 本期进展 filled for the acknowledged item, as in Excel.
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	require.NoError(t, err)
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	require.NoError(t, err)
	progressCol, keyCol, itemRow := -1, -1, -1
	for r, row := range rows {
		for c, v := range row {
			switch {
			case v == "本期进展":
				progressCol = c
			case v == "事项编号|版本":
				keyCol = c
			case keyCol >= 0 && c == keyCol && strings.HasPrefix(v, yellow+"|"):
				itemRow = r
			}
		}
	}
	require.GreaterOrEqual(t, progressCol, 0, "the sheet has 本期进展")
	require.GreaterOrEqual(t, itemRow, 0, "the sheet lists the item")
	const report = "已补齐2024年支部会议记录12份，2023年的正在整理"
	cell, err := excelize.CoordinatesToCellName(progressCol+1, itemRow+1)
	require.NoError(t, err)
	require.NoError(t, f.SetCellValue(sheet, cell, report))
	filled := filepath.Join(t.TempDir(), "城关镇进度表.xlsx")
	require.NoError(t, f.SaveAs(filled))
	require.NoError(t, f.Close())

	// A file that is not the sheet is refused beside the file field, saying why.
	notSheet := filepath.Join(t.TempDir(), "进度.csv")
	require.NoError(t, os.WriteFile(notSheet, []byte("本期进展\n已整改\n"), 0o644))
	tw.attach("#pg-file", notSheet)
	require.Equal(t, 400, tw.tap(`form[action="/progress"] button[type=submit]`))
	require.Equal(t, "文件不是 Excel（.xlsx）文件，请上传系统导出的本期进展填报表", tw.text("#pg-file-err"))
	tw.check("progress-refused")

	// Uploaded: a preview that changes nothing yet.
	tw.attach("#pg-file", filled)
	require.Equal(t, 200, tw.tap(`form[action="/progress"] button[type=submit]`))
	line := tw.text("#preview tr.progress")
	require.Contains(t, line, "补齐近三年支部会议记录", "the row named by its measure")
	require.Equal(t, []string{"/items/" + yellow}, tw.eval(`[...document.querySelectorAll('#preview tr.progress a')].map(a => a.getAttribute('href'))`))
	require.Contains(t, line, "进展反馈")
	require.Contains(t, line, report)
	require.Equal(t, string(itemmsg.Acknowledged), itemState(t, e, yellow).Item.State, "nothing applied before 确认")
	tw.check("progress-preview")

	// Confirmed: each row's outcome, and the item moved on with the report.
	require.Equal(t, 200, tw.tap(`form[action$="/apply"] button[type=submit]`))
	require.Equal(t, []string{"补齐近三年支部会议记录 整改中"},
		tw.eval(`[...document.querySelectorAll('#applied tbody tr')].map(r => r.cells[1].textContent + ' ' + r.cells[2].textContent)`))
	tw.check("progress-applied")
	require.Eventually(t, func() bool {
		d := itemState(t, e, yellow)
		if d.Item.State != string(itemmsg.InProgress) {
			return false
		}
		for _, ev := range d.Timeline {
			if ev.Action == string(itemmsg.Progress) && ev.Note == report {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "the item is in progress with the sheet's report")
}
