package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/order"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
)

// On a phone, 城关镇 proposes 东关村 with a reason from the county's list, the county
// determines it with the four ones and its case appears under 整顿中; 城关镇 sends the month's
// report from the case page, and the weak-branch service has the case with that report; then
// 城关镇 pre-checks it and the county accepts it with the score sheet. Determining with a login
// nobody has is refused beside the form, with what was typed kept; another proposal is declined.
func TestWeakBranchCampaignOnAPhone(t *testing.T) {
	e, b := workingOnPhones(t)
	var made weakbranch.CampaignCreated
	e.Login("cs").JSON("POST", "/api/weak/campaigns", map[string]any{"year": time.Now().In(order.Shanghai).Year()}, 201, &made)
	c := made.Campaign

	t1o := b.signedIn("t1o")
	require.Equal(t, 200, t1o.tap(`nav.tabs a[href="/weak"]`))
	require.Equal(t, c.Title, t1o.text("#figures-h"))
	require.Contains(t, t1o.eval(`[...document.querySelectorAll('#wp-branch option')].map(o => o.value)`), "V11")
	// Sent without a reason, it is refused and the branch chosen is kept.
	t1o.choose("#wp-branch", "V11")
	require.Equal(t, 400, t1o.tap(`#propose button[type=submit]`))
	require.Equal(t, "至少选择一项软弱涣散原因", t1o.text("#propose p.err"))
	require.Equal(t, "V11", t1o.eval(`[document.querySelector('#wp-branch').value]`)[0])
	t1o.tick("#wp-r0")
	t1o.fill("#wp-note", "班子长期不和")
	require.Equal(t, 200, t1o.tap(`#propose button[type=submit]`))
	require.Equal(t, fmt.Sprintf("/weak?campaign=%d&done=proposed", c.ID), t1o.location())
	require.Contains(t, t1o.text("main .flash"), "已提交")
	require.Contains(t, t1o.text("main article[id^=proposal-]"), "待认定")
	require.Contains(t, t1o.text("main article[id^=proposal-]"), "班子长期不和")
	require.Empty(t, t1o.eval(`[...document.querySelectorAll('main details[id^=determine-]')].map(d => d.id)`), "a township does not determine")
	t1o.check("weak-proposed")

	cs := b.signedIn("cs")
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/weak"]`))
	pid := strings.TrimPrefix(cs.eval(`[document.querySelector('main article[id^=proposal-]').id]`)[0], "proposal-")
	cs.press("#determine-" + pid + " summary")
	cs.fill("#d"+pid+"-cl", "nobody")
	cs.fill("#d"+pid+"-tl", "t1s")
	cs.fill("#d"+pid+"-fs", "t1l")
	cs.fill("#d"+pid+"-pu", "C")
	require.Equal(t, 400, cs.tap(`#determine-`+pid+` button[type=submit]`))
	require.NotEmpty(t, cs.text(`#proposal-`+pid+` p.err`))
	require.Equal(t, []string{"nobody", "t1s", "t1l", "C"}, cs.eval(`['cl', 'tl', 'fs', 'pu'].map(s => document.querySelector('#d`+pid+`-' + s).value)`),
		"what was typed is kept")
	cs.check("weak-refused")
	cs.choose("#d"+pid+"-cl", "cl")
	require.Equal(t, 200, cs.tap(`#determine-`+pid+` button[type=submit]`))
	require.Contains(t, cs.text("main .flash"), "已认定")
	require.Contains(t, cs.text("#cases-h + h3"), "整顿中")
	caseURL := cs.eval(`[document.querySelector('main article[id^=case-] h3 a').getAttribute('href')]`)[0]
	m := regexp.MustCompile(`^/weak/cases/(\d+)$`).FindStringSubmatch(caseURL)
	require.NotNil(t, m, caseURL)
	require.Contains(t, cs.text("main article[id^=case-]"), "东关村")
	cs.check("weak-cases")
	// The ledger downloads as a spreadsheet.
	ledger := cs.eval(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/weak/campaigns/` + strconv.FormatInt(c.ID, 10) + `/ledger', false); x.send();
		return [String(x.status), x.getResponseHeader('Content-Type')]; })()`)
	require.Equal(t, strconv.Itoa(http.StatusOK), ledger[0])
	require.Contains(t, ledger[1], "spreadsheetml")

	// 城关镇 reports the month from the case page.
	require.Equal(t, 200, t1o.open(caseURL))
	require.Equal(t, "东关村", t1o.text("main h1"))
	require.Equal(t, "整顿中", t1o.text("main dd.stage"))
	month := time.Now().In(order.Shanghai).Format("2006-01")
	require.Equal(t, month, t1o.eval(`[document.querySelector('#wr-month').value]`)[0], "no month before the case began is offered")
	t1o.fill("#wr-note", "已召开支部委员会，班子分工调整到位")
	require.Equal(t, 200, t1o.tap(`#report button[type=submit]`))
	require.Equal(t, caseURL+"?done=report", t1o.location())
	require.Contains(t, t1o.text("main .flash"), "月报已报送")
	t1o.check("weak-case")

	id, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	svc := &weakbranch.Service{Weak: e.Sys.Weak}
	a := actor(t, e, "cs")
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		d, err := svc.Case(context.Background(), a, id)
		if !assert.NoError(ct, err) {
			return
		}
		assert.Equal(ct, 1, d.Case.ReportsReceived)
		assert.Equal(ct, month, d.Case.LastReportMonth)
		var noted bool
		for _, ev := range d.Events {
			if ev.Kind == "report" && ev.Detail["month"] == month && ev.Detail["note"] == "已召开支部委员会，班子分工调整到位" {
				noted = true
			}
		}
		assert.True(ct, noted, "the case has the report with its note")
	}, 30*time.Second, 200*time.Millisecond)
	require.Equal(t, 200, t1o.open(caseURL))
	require.Contains(t, t1o.text("main ol.timeline"), "月度报告 "+month)

	// 城关镇 pre-checks the case (its plan has no open items) and the county accepts it with
	// the score sheet: it moves into consolidation.
	t1o.press("#precheck-act summary")
	t1o.fill("#wp-note", "逐项核查，整改到位")
	require.Equal(t, 200, t1o.tap(`#precheck button[type=submit]`))
	require.Equal(t, caseURL+"?done=precheck", t1o.location())
	stageShows(t, t1o, caseURL, "已初验")
	require.Equal(t, 200, cs.open(caseURL))
	for i, s := range []string{"18", "17", "16", "15", "14"} {
		cs.fill(fmt.Sprintf("#wa-score%d", i), s)
	}
	cs.fill("#wa-polled", "30")
	cs.fill("#wa-dissatisfied", "2")
	cs.fill("#wa-note", "验收合格")
	cs.check("weak-accept")
	require.Equal(t, 200, cs.tap(`#accept button[type=submit]`))
	require.Equal(t, caseURL+"?done=accept", cs.location())
	stageShows(t, cs, caseURL, "已验收销号（巩固期）")
	require.Contains(t, cs.text("main ol.timeline"), "验收通过（80.0分）")

	// 河西乡's proposal of 柳树村 is declined with a reason.
	var reasons weakbranch.Reasons
	t2o := e.Login("t2o")
	t2o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	var p2 weak.Proposal
	t2o.JSON("POST", fmt.Sprintf("/api/weak/campaigns/%d/proposals", c.ID),
		map[string]any{"branch": "V21", "reasons": []map[string]any{{"reason_id": reasons.Reasons[0].ID}}}, 201, &p2)
	require.Equal(t, 200, cs.tap(`nav.tabs a[href="/weak"]`))
	x := strconv.FormatInt(p2.ID, 10)
	cs.press("#decline-" + x + " summary")
	cs.fill("#x"+x+"-note", "经核查不属于软弱涣散")
	require.Equal(t, 200, cs.tap(`#decline-`+x+` button[type=submit]`))
	require.Contains(t, cs.text("main .flash"), "已不予认定")
	require.Contains(t, cs.text("#proposal-"+x), "经核查不属于软弱涣散")
	ps, err := svc.Proposals(context.Background(), a, c.ID)
	require.NoError(t, err)
	for _, p := range ps.Proposals {
		if p.ID == p2.ID {
			require.Equal(t, "declined", p.Status)
		}
	}
}

// stageShows waits for the case page to show the stage: an action's record may land just
// after its answer when the worker is slow (the workflow then records it shortly).
func stageShows(t *testing.T, p *person, caseURL, stage string) {
	t.Helper()
	require.Eventually(t, func() bool {
		return p.open(caseURL) == 200 && p.text("main dd.stage") == stage
	}, 30*time.Second, 300*time.Millisecond, "the case shows %s", stage)
}
