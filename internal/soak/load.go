package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/holidays"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// backdate is how long before the soak its orders count as issued: two days, so that every
// item's 未签收提醒 (one working day after issue) is due the moment its workflow starts.
const backdate = 48 * time.Hour

// world is what the soak loaded before the chaos: a county of villages with people who
// each hold an API token, and the draft orders waiting to be issued.
type world struct {
	issuerID, issuerUnitID int64
	tokens                 map[int64]string // person id -> API token
	orders                 []int64          // draft order ids, issued one by one during the chaos
	orders2                *order.Store     // the store whose clock runs two days behind
}

// villageCode names village v; village people are <code>p<k> at post 岗位k.
func villageCode(v int) string { return fmt.Sprintf("SV%05d", v) }

// load fills the fresh database: every day a working day (the reminders are never held for a
// Monday), the county, one API token per village person, and the draft orders, each to its
// own villages so that no person gets reminders from two orders on one day.
func load(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, o Options) (*world, error) {
	hs, err := holidays.NewStore(pool, "")
	if err != nil {
		return nil, err
	}
	y := time.Now().In(calendar.Shanghai).Year()
	for year := y - 1; year <= y+1; year++ {
		b, err := json.Marshal(calendar.EveryDayWorking(year))
		if err != nil {
			return nil, err
		}
		if _, err := hs.UploadSystem(ctx, b); err != nil {
			return nil, fmt.Errorf("soak: holiday table %d: %w", year, err)
		}
	}

	tree := org.Tree{
		Units: []org.UnitRecord{{Code: "SC", Name: "浸泡测试县", Kind: org.KindCounty}},
		People: []org.PersonRecord{{Login: "soak", Name: "县委组织部干部", Unit: "SC", Roles: []role.Role{role.OrgStaff},
			Position: "组织科长", Email: "soak@soak.example"}},
	}
	township := ""
	for v := range o.Orders * o.Units {
		if v%50 == 0 {
			township = fmt.Sprintf("ST%03d", v/50)
			tree.Units = append(tree.Units, org.UnitRecord{Code: township, Name: fmt.Sprintf("第%d镇", v/50+1), Kind: org.KindTownship, Parent: "SC"})
		}
		code := villageCode(v)
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: fmt.Sprintf("第%d村", v+1), Kind: org.KindVillage, Parent: township})
		for k := range o.People {
			login := fmt.Sprintf("%sp%d", strings.ToLower(code), k)
			tree.People = append(tree.People, org.PersonRecord{Login: login, Name: "村干部" + login, Unit: code,
				Roles: []role.Role{role.BranchSecretary}, Position: fmt.Sprintf("岗位%d", k), Email: login + "@soak.example"})
		}
	}
	ost := org.NewStore(pool)
	if _, err := ost.Load(ctx, tree); err != nil {
		return nil, fmt.Errorf("soak: load the county: %w", err)
	}
	issuer, err := ost.PersonByLogin(ctx, "soak")
	if err != nil {
		return nil, err
	}
	w := &world{issuerID: issuer.ID, issuerUnitID: issuer.UnitID, tokens: map[int64]string{},
		orders2: order.NewStore(pool, func() time.Time { return time.Now().Add(-backdate) })}

	rows, err := pool.Query(ctx, `SELECT id FROM people WHERE id <> $1 ORDER BY id`, issuer.ID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		tok, err := authSvc.CreateToken(ctx, id, "浸泡测试", 1)
		if err != nil {
			return nil, err
		}
		w.tokens[id] = tok.Token
	}

	policy := itemmsg.DefaultPolicy()
	policy.SendStart, policy.SendEnd = "00:00", "23:59" // round the clock
	due := time.Now().In(calendar.Shanghai).AddDate(0, 0, 6).Format("2006-01-02")
	for k := range o.Orders {
		d := order.Draft{Title: fmt.Sprintf("浸泡测试整改通知（第%d批）", k+1), Source: "督查", Policy: &policy}
		for v := k * o.Units; v < (k+1)*o.Units; v++ {
			d.Targets = append(d.Targets, villageCode(v))
		}
		const perProblem = 5
		for m := range o.Measures {
			if m%perProblem == 0 {
				d.Problems = append(d.Problems, order.Problem{Description: fmt.Sprintf("问题%d", m/perProblem+1)})
			}
			handler := order.PersonRef{Position: fmt.Sprintf("岗位%d", m%o.People)}
			p := &d.Problems[len(d.Problems)-1]
			p.Measures = append(p.Measures, order.Measure{Content: fmt.Sprintf("措施%d", m+1), Criterion: "可检验的验收标准",
				Responsibility: order.Responsibility{Primary: order.PersonRef{Position: "岗位0"}, Handler: handler},
				Deadline:       order.Deadline{Kind: "by_date", Due: due}})
		}
		id, err := w.orders2.Create(ctx, issuer.UnitID, issuer.ID, d)
		if err != nil {
			return nil, fmt.Errorf("soak: order %d: %w", k+1, err)
		}
		w.orders = append(w.orders, id)
	}
	return w, nil
}

// issue issues one order as if two days ago (the way staff enter an order after the fact),
// retrying the workflow start until the dev server takes it: it may be down at that moment.
func (w *world) issue(ctx context.Context, tc client.Client, taskQueue, deployment string, orderID int64) error {
	at, err := w.orders2.BeginIssue(ctx, orderID, w.issuerUnitID, w.issuerID)
	if err != nil {
		return err
	}
	in := itemmsg.IssueOrderInput{Deployment: deployment, OrderID: orderID, IssuedBy: w.issuerID, IssuedAt: at}
	for {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := item.StartIssue(sctx, tc, taskQueue, in)
		cancel()
		if err == nil {
			return nil
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return fmt.Errorf("soak: issue order %d: %w", orderID, err)
		}
	}
}
