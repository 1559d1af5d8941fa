package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/holidays"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// Staff see the reminder plan before issuing; a unit asks for an extension before the
// deadline and the issuer grants it; a new holiday table moves a deadline counted in
// working days while the granted extension stays.
func TestPlanExtensionAndANewHolidayTableOverHTTP(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	e.AlwaysWorking()
	cs, t1o := e.Login("cs"), e.Login("t1o")
	ctx := context.Background()
	now := time.Now().In(calendar.Shanghai)
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "工作日时限", Source: "自查", Targets: []string{"T1"}, Problems: []order.Problem{{Description: "问题",
		Measures: []order.Measure{
			{Content: "按日期", Criterion: "标准", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 20)}},
			{Content: "按工作日", Criterion: "标准", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", WorkingDays: 10, From: "交办"}},
		}}}}
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", d, 201, &created)

	var plan struct {
		Steps []rectification.PlanStep
	}
	cs.JSON("GET", fmt.Sprintf("/api/orders/%d/reminder-plan", created.ID), nil, 200, &plan)
	var rungs []itemmsg.Rung
	for _, s := range plan.Steps {
		if s.MeasureID == plan.Steps[0].MeasureID {
			rungs = append(rungs, s.Rung)
		}
	}
	require.Contains(t, rungs, itemmsg.RungUrge)
	require.Contains(t, rungs, itemmsg.RungListed)
	for _, s := range plan.Steps {
		require.NotEmpty(t, s.Recipients)
		require.NotContains(t, s.Recipients, "", "recipients are named")
		if s.Rung == itemmsg.RungUnitHead {
			require.Equal(t, []string{"城关镇书记"}, s.Recipients)
		}
	}

	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)
	var list struct{ Items []items.Row }
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, b := cs.Do("GET", fmt.Sprintf("/api/items?order=%d", created.ID), nil, nil)
		require.Equal(c, 200, st)
		require.NoError(c, json.Unmarshal(b, &list))
		require.Len(c, list.Items, 2)
		for _, it := range list.Items {
			assert.NotNil(c, it.DueAt)
			assert.NotEmpty(c, it.LightReason)
		}
	}, 30*time.Second, 50*time.Millisecond)
	var byDate, byWorkdays items.Row
	for _, it := range list.Items {
		if it.Measure == "按日期" {
			byDate = it
		} else {
			byWorkdays = it
		}
	}
	// Every day is a working day here: 10 working days from today is 10 days on.
	require.Equal(t, day(now, 10), byWorkdays.DueAt.In(calendar.Shanghai).Format("2006-01-02"))

	// 延期: the unit asks, with a reason and a later date; the county agrees.
	act := func(c *apptest.Client, id, action string, body any, want int) {
		t.Helper()
		c.JSON("POST", "/api/items/"+id+"/"+action, body, want, nil)
	}
	act(t1o, byDate.ID, "acknowledge", nil, 200)
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 15), "note": "材料未到"}, 400) // earlier than the deadline
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 30)}, 400)                 // no reason
	act(t1o, byDate.ID, "request-extension", map[string]any{"extend_to": day(now, 30), "note": "材料未到"}, 200)
	act(t1o, byDate.ID, "approve-extension", nil, 403) // only the issuer decides
	act(cs, byDate.ID, "approve-extension", nil, 200)
	act(cs, byDate.ID, "approve-extension", nil, 409) // nothing pending any more
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var due time.Time
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byDate.ID).Scan(&due))
		assert.Equal(c, day(now, 30), due.In(calendar.Shanghai).Format("2006-01-02"))
	}, 10*time.Second, 50*time.Millisecond)

	// A new table for this year makes the next five days off: the working-day deadline
	// moves five days later; the extended one stays.
	off := map[string]bool{}
	for i := 1; i <= 5; i++ {
		off[day(now, i)] = true
	}
	var recalendar string
	for _, year := range []int{now.Year(), now.Year() + 1} { // the five days may cross a year end
		y := calendar.EveryDayWorking(year)
		var kept []calendar.Day
		for _, dd := range y.Days {
			if !off[dd.Date] {
				kept = append(kept, dd)
			}
		}
		y.Days = kept
		for ds := range off {
			t0, _ := calendar.ParseDate(ds)
			if wd := t0.Weekday(); t0.Year() == year && wd != time.Saturday && wd != time.Sunday {
				y.Days = append(y.Days, calendar.Day{Name: "临时调整", Date: ds, IsOffDay: true})
			}
		}
		body, _ := json.Marshal(y)
		st, b := cs.Do("POST", "/api/calendar/years", json.RawMessage(body), nil)
		require.Equal(t, http.StatusCreated, st, string(b))
		var up struct {
			Workflow string `json:"recompute_workflow"`
		}
		require.NoError(t, json.Unmarshal(b, &up))
		recalendar = up.Workflow
	}

	// Only the top unit's administrators change the table: not a township's org staff, not a
	// township official. Every upload is kept as a version with who and when.
	_, err := e.Org.Load(ctx, org.Tree{People: []org.PersonRecord{{Login: "t1z", Name: "城关镇组织干事", Unit: "T1",
		Roles: []role.Role{role.OrgStaff}, Password: apptest.Password}}})
	require.NoError(t, err)
	for _, who := range []*apptest.Client{e.Login("t1z"), t1o} {
		st, b := who.Do("POST", "/api/calendar/years", json.RawMessage(`{"year":2031,"days":[]}`), nil)
		require.Equal(t, http.StatusForbidden, st, string(b))
	}
	var calView struct {
		Uploaded []holidays.Version `json:"uploaded"`
	}
	cs.JSON("GET", "/api/calendar", nil, 200, &calView)
	byYear := map[int]holidays.Version{}
	for _, v := range calView.Uploaded {
		byYear[v.Year] = v
	}
	require.Len(t, byYear, 3, "last year, this year and next, and nothing of 2031")
	for _, y := range []int{now.Year(), now.Year() + 1} {
		require.Equal(t, 2, byYear[y].Version, "the system's table, then cs's")
		require.Equal(t, "县组织部干部", byYear[y].UploadedByName)
		require.WithinDuration(t, time.Now(), byYear[y].UploadedAt, time.Minute)
	}
	require.Equal(t, 1, byYear[now.Year()-1].Version)
	require.Zero(t, byYear[now.Year()-1].UploadedBy, "uploaded by the system")
	history, err := e.Sys.Holidays.History(ctx, now.Year())
	require.NoError(t, err)
	require.Len(t, history, 2, "the replaced version is kept")
	require.Equal(t, []int{2, 1}, []int{history[0].Version, history[1].Version})
	var audited int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'calendar.upload'`).Scan(&audited))
	require.Equal(t, 5, audited, "three system uploads and two by cs")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var wdDue, dateDue time.Time
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byWorkdays.ID).Scan(&wdDue))
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT due_at FROM items WHERE id = $1`, byDate.ID).Scan(&dateDue))
		assert.Equal(c, day(now, 15), wdDue.In(calendar.Shanghai).Format("2006-01-02"))
		assert.Equal(c, day(now, 30), dateDue.In(calendar.Shanghai).Format("2006-01-02"))
	}, 20*time.Second, 100*time.Millisecond)

	// A malformed table is refused with the field named, and nothing changes.
	st, b := cs.Do("POST", "/api/calendar/years", json.RawMessage(`{"year":2027,"days":[{"name":"元旦","date":"2027-13-01","isOffDay":true}]}`), nil)
	require.Equal(t, 400, st, string(b))
	require.True(t, bytes.Contains(b, []byte(`"field":"days[0].date"`)), string(b))

	err = e.Sys.Temporal.GetWorkflow(ctx, recalendar, "").Get(ctx, nil)
	require.NoError(t, err)
	t1, err := e.Org.UnitByCode(ctx, "T1")
	require.NoError(t, err)
	recordHistories(t, e, map[string]string{
		itemmsg.UnitWorkflowID(e.Sys.Deployment, created.ID, t1.ID): "item/unit_order_extended_recalendared.json",
		recalendar: "recalendar/recalendar.json",
	})
}
