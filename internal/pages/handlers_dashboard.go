package pages

import (
	"net/http"
	"net/url"

	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/rectification"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
)

// The leader's dashboard (领导看板): the figures of the reader's unit and every unit below it,
// two charts drawn by ECharts from figures embedded in the page (static/dashboard.js), and
// each chart's numbers again in a table for those who cannot see it. A unit below is a link
// to the same page for that unit; the services refuse a unit outside the reader's subtree.

// dashboard is the dashboard of the reader's own unit, or of the unit whose code the path
// names (/dashboard/QH01).
func (h *handler) dashboard(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	code := r.PathValue("unit")
	// The same composition as the API's GET /api/dashboard.
	d, err := h.Weak.Dashboard(r.Context(), a, rectification.DashboardInput{UnitCode: code})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", dashboardViewOf(h.page(w, r, "dash.title"), d.Dashboard, d.Weak))
}

// dashboardView is one unit's dashboard.
type dashboardView struct {
	Page
	Unit string
	// Trail leads from the reader's own unit down to this one, which it ends with.
	Trail []NavLink
	// Rate is the 销号率 in per cent.
	Rate                                        int
	Closed, Total, Overdue, DaysOverdue, Listed int
	// Units are the rows of the lights table: the unit's own items (本级, when it has any),
	// then each unit below, with a link down; Sum adds them up.
	Units []unitRow
	Sum   unitRow
	// Weeks are the close-outs per week, oldest first; WeeksClosed adds them up.
	Weeks       []weekRow
	WeeksClosed int
	Ranking     []string
	// Weak are the figures of the latest year's weak-branch campaigns.
	Weak  []weakCampaign
	Cards []card
	// Charts are the figures the charts draw, embedded in the page as JSON.
	Charts dashboardCharts
}

type unitRow struct {
	Name, URL                            string
	Red, Yellow, Green                   int
	Rate, Closed, Total, Overdue, Listed int
}

type weekRow struct {
	Monday string
	Closed int
}

// weakCampaign is a campaign's figures, in the order the work goes.
type weakCampaign struct {
	Title string
	Lines []weakLine
}

type weakLine struct {
	Label string
	N     int
}

// dashboardCharts is what static/dashboard.js draws. Colours are named by the stylesheet's
// custom properties (--red), so that the charts and the badges agree.
type dashboardCharts struct {
	Lights lightsChart `json:"lights"`
	Weeks  weeksChart  `json:"weeks"`
}

type lightsChart struct {
	Units  []string      `json:"units"`
	URLs   []string      `json:"urls"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Name   string `json:"name"`
	Colour string `json:"colour"`
	Data   []int  `json:"data"`
}

type weeksChart struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels"`
	Data   []int    `json:"data"`
}

func dashboardViewOf(p Page, d rectification.Dashboard, wf weakbranch.UnitFigures) dashboardView {
	c := p.c
	v := dashboardView{Page: p, Unit: d.Unit.Name, Rate: bulletin.Percent(d.CloseRate), Closed: d.All.Closed, Total: d.All.Total,
		Overdue: d.All.Overdue, DaysOverdue: d.DaysOverdue, Listed: d.All.Listed}
	for i, u := range d.Trail {
		v.Trail = append(v.Trail, NavLink{URL: unitURL(u.Code), Label: u.Name, Current: i == len(d.Trail)-1})
	}
	if d.Own.Total > 0 {
		v.Units = append(v.Units, rowOf(d.Own, c.T("dash.own"), ""))
	}
	for _, t := range d.Below {
		v.Units = append(v.Units, rowOf(t, t.Name, unitURL(t.Code)))
	}
	v.Sum = rowOf(d.All, c.T("dash.sum"), "")

	ch := &v.Charts
	ch.Lights.Units, ch.Lights.URLs = []string{}, []string{}
	for _, l := range []light.Light{light.Red, light.Yellow, light.Green} {
		ch.Lights.Series = append(ch.Lights.Series, chartSeries{Name: c.Light(l), Colour: string(l), Data: []int{}})
	}
	for _, u := range v.Units {
		ch.Lights.Units = append(ch.Lights.Units, u.Name)
		ch.Lights.URLs = append(ch.Lights.URLs, u.URL)
		for i, n := range []int{u.Red, u.Yellow, u.Green} {
			ch.Lights.Series[i].Data = append(ch.Lights.Series[i].Data, n)
		}
	}
	ch.Weeks = weeksChart{Name: c.T("dash.closed"), Labels: []string{}, Data: []int{}}
	for _, wk := range d.Weeks {
		v.Weeks = append(v.Weeks, weekRow{Monday: wk.Monday.Format("2006-01-02"), Closed: wk.Closed})
		v.WeeksClosed += wk.Closed
		ch.Weeks.Labels = append(ch.Weeks.Labels, wk.Monday.Format("1/2"))
		ch.Weeks.Data = append(ch.Weeks.Data, wk.Closed)
	}

	for _, r := range d.Ranking {
		v.Ranking = append(v.Ranking, r.Sentence)
	}
	for _, cf := range wf.Campaigns {
		v.Weak = append(v.Weak, weakCampaign{Title: cf.Campaign.Title, Lines: weakLines(c, cf.Figures)})
	}
	rows := d.Items
	byUrgency(rows)
	for _, row := range rows {
		v.Cards = append(v.Cards, card{Row: row, Deadline: deadline(c, row)})
	}
	return v
}

// weakLines are a campaign's figures in the order the work goes; the dashboard and the
// campaign page show the same ones.
func weakLines(c *catalog, f weak.Figures) []weakLine {
	var out []weakLine
	for _, x := range []struct {
		key string
		n   int
	}{{"dash.weak.proposed", f.Proposed}, {"dash.weak.pending", f.Pending}, {"dash.weak.determined", f.Determined},
		{"dash.weak.declined", f.Declined}, {"dash.weak.rectifying", f.InRectification}, {"dash.weak.accepted", f.Accepted},
		{"dash.weak.closed", f.Closed}, {"dash.weak.relapsed", f.Relapsed}, {"dash.weak.reports", f.ReportsReceived}} {
		out = append(out, weakLine{Label: c.T(x.key), N: x.n})
	}
	return out
}

func rowOf(t items.Tally, name, url string) unitRow {
	return unitRow{Name: name, URL: url, Red: t.Red, Yellow: t.Yellow, Green: t.Green,
		Rate: bulletin.Percent(bulletin.Rate(t.Closed, t.Total)), Closed: t.Closed, Total: t.Total, Overdue: t.Overdue, Listed: t.Listed}
}

// unitURL is the dashboard of the unit with code.
func unitURL(code string) string { return "/dashboard/" + url.PathEscape(code) }
