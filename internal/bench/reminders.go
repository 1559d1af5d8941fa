package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"

	"rectify/internal/app"
	"rectify/internal/calendar"
	"rectify/internal/mailsink"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// ReminderResult holds the reminder benchmark's figures.
type ReminderResult struct {
	Reminders  int
	Delivered  time.Duration // from the instant the reminders are due until the last is accepted
	Accepted   int           // SMTP transactions
	Distinct   int           // distinct Message-IDs
	Duplicates int
}

// RunReminders makes `people` reminders fall due at one instant — one measure each for
// people handlers spread over people/20 units — and times their delivery to a local SMTP
// server.
func RunReminders(ctx context.Context, o Options, people int) (ReminderResult, error) {
	var res ReminderResult
	sink, err := mailsink.Start("127.0.0.1:0", "")
	if err != nil {
		return res, err
	}
	defer sink.Close()
	host, port, _ := net.SplitHostPort(sink.Addr)
	p, _ := strconv.Atoi(port)
	sys, err := start(ctx, o, func(c *app.Config) { c.Notify.SMTP.Host, c.Notify.SMTP.Port = host, p })
	if err != nil {
		return res, err
	}
	defer sys.close()
	// Every day a working day, so that the run never waits for a Monday.
	for y := time.Now().Year() - 1; y <= time.Now().Year()+1; y++ {
		b, _ := json.Marshal(calendar.EveryDayWorking(y))
		if _, err := sys.Holidays.UploadSystem(ctx, b); err != nil {
			return res, err
		}
	}
	const perUnit = 20
	units := max(people/perUnit, 1)
	res.Reminders = units * perUnit
	fmt.Fprintf(o.Out, "loading %d units with %d handlers ...\n", units, res.Reminders)
	tree := org.Tree{Units: []org.UnitRecord{{Code: "RC", Name: "提醒基准县", Kind: "county"}},
		People: []org.PersonRecord{{Login: "rc", Name: "县组织部", Unit: "RC", Roles: []role.Role{role.OrgStaff}}}}
	for u := range units {
		code := fmt.Sprintf("RT%04d", u)
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: "第" + strconv.Itoa(u) + "乡镇", Kind: "township", Parent: "RC"})
		for k := range perUnit {
			login := fmt.Sprintf("h%s%02d", code, k)
			tree.People = append(tree.People, org.PersonRecord{Login: login, Name: "经办人" + login, Unit: code,
				Roles: []role.Role{role.TownshipOfficial}, Position: fmt.Sprintf("岗位%02d", k), Email: login + "@bench.example"})
		}
	}
	ost := org.NewStore(sys.Pool)
	if _, err := ost.Load(ctx, tree); err != nil {
		return res, err
	}
	issuer, err := ost.PersonByLogin(ctx, "rc")
	if err != nil {
		return res, err
	}
	// The instant: the start of a minute at least 90 s away, when every reminder falls due.
	slot := time.Now().In(calendar.Shanghai).Add(90 * time.Second).Truncate(time.Minute).Add(time.Minute)
	policy := itemmsg.DefaultPolicy()
	policy.RemindBefore, policy.SendStart, policy.SendEnd, policy.DueTime = []int{0}, slot.Format("15:04"), "23:59", "23:59"
	d := order.Draft{Title: "提醒基准", Source: "督查", Policy: &policy}
	for u := range units {
		d.Targets = append(d.Targets, fmt.Sprintf("RT%04d", u))
	}
	pr := order.Problem{Description: "基准问题"}
	for k := range perUnit {
		pr.Measures = append(pr.Measures, order.Measure{Content: fmt.Sprintf("措施%02d", k), Criterion: "可检验",
			Responsibility: order.Responsibility{Primary: order.PersonRef{Position: fmt.Sprintf("岗位%02d", k)}, Handler: order.PersonRef{Position: fmt.Sprintf("岗位%02d", k)}},
			Deadline:       order.Deadline{Kind: "by_date", Due: slot.Format("2006-01-02")}})
	}
	d.Problems = []order.Problem{pr}
	a, err := sys.Auth.ActorByPersonID(ctx, issuer.ID)
	if err != nil {
		return res, err
	}
	rect := sys.Rectification()
	draft, err := rect.CreateOrder(ctx, a, d)
	if err != nil {
		return res, err
	}
	if _, err := rect.IssueOrder(ctx, a, draft.ID); err != nil {
		return res, err
	}
	fmt.Fprintf(o.Out, "%d reminders fall due at %s; waiting ...\n", res.Reminders, slot.Format("15:04:05"))
	for {
		accepted, distinct := sink.Count()
		if distinct >= res.Reminders {
			res.Delivered = time.Since(slot)
			break
		}
		if time.Since(slot) > 10*time.Minute {
			return res, fmt.Errorf("only %d of %d reminders delivered 10 minutes after they were due", distinct, res.Reminders)
		}
		_ = accepted
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let any duplicate arrive before counting
	res.Accepted, res.Distinct = sink.Count()
	res.Duplicates = res.Accepted - res.Distinct
	fmt.Fprintf(o.Out, "\n%d reminders due at one instant, delivered to a local SMTP server\n", res.Reminders)
	fmt.Fprintf(o.Out, "  time until all delivered:  %v   (target <= 60s; includes the %v settle)\n", res.Delivered.Round(time.Millisecond), sys.Config.DispatchSettle)
	fmt.Fprintf(o.Out, "  messages accepted:         %d\n", res.Accepted)
	fmt.Fprintf(o.Out, "  duplicates:                %d   (target 0)\n", res.Duplicates)
	return res, nil
}
