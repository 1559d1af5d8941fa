package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/password"
	"rectify/internal/role"
)

// Shape sizes a province-shaped tree (省 → 市 → 县 → 乡镇 → 村) and the items in it.
type Shape struct {
	Cities              int // below the province
	CountiesPerCity     int
	TownshipsPerCounty  int
	VillagesPerTownship int
	Items               int // spread over villages and townships
}

// ProvinceShape is the size the read benchmark is meant for: ~14 cities, ~100 counties,
// ~1,500 townships, ~45,000 villages and a million items.
var ProvinceShape = Shape{Cities: 14, CountiesPerCity: 7, TownshipsPerCounty: 15, VillagesPerTownship: 31, Items: 1_000_000}

// The people the read benchmark signs in as; every loaded person has LoadPassword.
const (
	LoginProvinceStaff  = "prov-staff"   // 省委组织部, org staff at the province
	LoginProvinceLeader = "prov-leader"  // a leader at the province
	LoginCountyStaff    = "county-staff" // org staff at the first county
	LoginTownOfficial   = "town-official"
	LoadPassword        = "bench-read-password"
)

// The township official's township (the first township of the first county) has exactly
// SpecialOpen open items issued to it, and SpecialClosed closed ones; it issues nothing, so
// its official's to-do list is those SpecialOpen items.
const (
	SpecialOpen   = 200
	SpecialClosed = 40
)

// Loaded says what a load made: the codes of the units the benchmark reads and the counts.
type Loaded struct {
	Province, County, Township string // codes: the root, the first county, the special township
	Units, People, Items       int
	Measures, Orders           int
}

// unit is one unit of the generated tree.
type unit struct {
	id, parent int64
	code, name string
	kind       string
	path       string
	county     int   // index of the county it is in or is (-1 above counties)
	township   int64 // id of the township it is in or is (0 above townships)
}

// measure is a generated measure: who issued it and when it is due.
type measure struct {
	id, order, issuer int64
	issuerPath        string
	issued, due       time.Time
}

// Load fills an empty, migrated database with a province-shaped tree, its people, orders
// and items, straight into PostgreSQL with COPY (no API, no workflows). pool must connect as
// the tables' owner: the item triggers are off during the load (a million row-by-row scope
// lookups and count deltas would dominate it), so Load fills the scope columns itself and
// rebuilds the dashboard counts afterwards, as a migration would.
func Load(ctx context.Context, pool *pgxpool.Pool, sh Shape, now time.Time) (_ Loaded, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("bench.Load: %w", err)
		}
	}()
	rng := rand.New(rand.NewPCG(13, 4))
	units := tree(sh)
	var ld Loaded
	ld.Units = len(units)
	ld.Province = units[0].code
	var counties []int // index in units of each county
	var targets []int  // townships and villages, in units order
	townsOf := map[int][]int{}
	for i, u := range units {
		switch u.kind {
		case "county":
			counties = append(counties, i)
		case "township", "village":
			targets = append(targets, i)
			if u.kind == "township" {
				townsOf[u.county] = append(townsOf[u.county], i)
			}
		}
	}
	if len(counties) == 0 || len(townsOf[0]) == 0 {
		return ld, fmt.Errorf("the shape %+v has no township", sh)
	}
	special := units[townsOf[0][0]]
	ld.County, ld.Township = units[counties[0]].code, special.code
	spare := sh.Items - SpecialOpen - SpecialClosed
	if spare < len(targets)-1 {
		return ld, fmt.Errorf("%d items are too few for %d units (each gets one, and %d go to %s)", sh.Items, len(targets), SpecialOpen+SpecialClosed, special.code)
	}
	// Each unit but the special township gets base items, the first rest of them one more.
	base, rest := spare/(len(targets)-1), spare%(len(targets)-1)

	hash, err := password.Hash(LoadPassword)
	if err != nil {
		return ld, err
	}
	if err := copyUnits(ctx, pool, units); err != nil {
		return ld, err
	}
	people, staffOf, err := copyPeople(ctx, pool, units, counties, special.id, hash)
	if err != nil {
		return ld, err
	}
	ld.People = people

	// Measures: a pool per county (issued to its townships and villages) and a smaller one per
	// township (issued to its villages). A unit draws its items from distinct measures of the
	// pools above it, so the pools are as large as the most items a unit gets.
	perCounty := roundUp(max(base+1, SpecialOpen+SpecialClosed), 20)
	perTown := roundUp(max((base+1)/3, 1), 4)
	ms, orders, err := copyOrders(ctx, pool, rng, now, units, counties, special.id, staffOf, perCounty, perTown)
	if err != nil {
		return ld, err
	}
	ld.Orders, ld.Measures = orders.n, len(ms.all)

	if _, err := pool.Exec(ctx, `ALTER TABLE items DISABLE TRIGGER USER`); err != nil {
		return ld, err
	}
	n, err := copyItems(ctx, pool, rng, now, units, targets, special.id, ms, staffOf, base, rest)
	if _, e := pool.Exec(context.WithoutCancel(ctx), `ALTER TABLE items ENABLE TRIGGER USER`); err == nil {
		err = e
	}
	if err != nil {
		return ld, err
	}
	ld.Items = n
	if err := copyTargets(ctx, pool); err != nil {
		return ld, err
	}
	if err := items.NewStore(pool).RebuildCounts(ctx); err != nil {
		return ld, err
	}
	for _, q := range []string{
		// Later inserts through the app draw ids after the loaded ones.
		`SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT max(id) FROM units))`,
		`SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people))`,
		`SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))`,
		`SELECT setval(pg_get_serial_sequence('problems', 'id'), (SELECT max(id) FROM problems))`,
		`SELECT setval(pg_get_serial_sequence('measures', 'id'), (SELECT max(id) FROM measures))`,
		`VACUUM (ANALYZE) units, people, orders, order_targets, problems, measures, items, unit_item_counts`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return ld, err
		}
	}
	return ld, nil
}

func roundUp(n, to int) int { return (n + to - 1) / to * to }

// tree lays the units out breadth first, so that ids grow level by level and a parent's id
// is always known before its children's.
func tree(sh Shape) []unit {
	us := []unit{{id: 1, code: "P", name: "基准省", kind: "province", path: "/1/", county: -1}}
	level := []int{0}
	next := func(kind, prefix, name string, per int) {
		var below []int
		for _, pi := range level {
			for range per {
				p := us[pi]
				id := int64(len(us) + 1)
				n := len(below) + 1
				u := unit{id: id, parent: p.id, kind: kind, code: prefix + strconv.Itoa(n), name: fmt.Sprintf(name, n),
					path: p.path + strconv.FormatInt(id, 10) + "/", county: p.county, township: p.township}
				switch kind {
				case "county":
					u.county = n - 1
				case "township":
					u.township = id
				}
				below = append(below, len(us))
				us = append(us, u)
			}
		}
		level = below
	}
	next("city", "C", "第%d市", sh.Cities)
	next("county", "X", "第%d县", sh.CountiesPerCity)
	next("township", "T", "第%d乡镇", sh.TownshipsPerCounty)
	next("village", "V", "第%d村", sh.VillagesPerTownship)
	return us
}

func copyUnits(ctx context.Context, pool *pgxpool.Pool, us []unit) error {
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"units"}, []string{"id", "code", "name", "kind", "parent_id", "path"},
		pgx.CopyFromSlice(len(us), func(i int) ([]any, error) {
			u := us[i]
			var parent any
			if u.parent != 0 {
				parent = u.parent
			}
			return []any{u.id, u.code, u.name, u.kind, parent, u.path}, nil
		}))
	return err
}

// persons of a unit, by position: the township's 书记 (primary) and 组织委员 (direct and
// handler), a village's 支部书记 (all three).
type persons struct{ primary, direct, handler int64 }

// copyPeople loads the people: the benchmark's four sign-ins, an org staff member in every
// county, two officials in every township and a branch secretary in every village. It
// returns how many, and per unit id who is responsible there (staffOf[-countyIndex-1] is the
// county's org staff).
func copyPeople(ctx context.Context, pool *pgxpool.Pool, us []unit, counties []int, special int64, hash string) (int, map[int64]persons, error) {
	type person struct {
		login, name string
		unit        int64
		roles       []string
		position    string
	}
	ps := []person{
		{LoginProvinceStaff, "省委组织部干部", 1, []string{string(role.OrgStaff)}, ""},
		{LoginProvinceLeader, "省领导", 1, []string{string(role.Leader)}, ""},
	}
	for _, ci := range counties {
		login := us[ci].code + "-staff"
		if us[ci].county == 0 {
			login = LoginCountyStaff
		}
		ps = append(ps, person{login, us[ci].name + "组织部干部", us[ci].id, []string{string(role.OrgStaff)}, ""})
	}
	staffOf := map[int64]persons{}
	for _, u := range us {
		switch u.kind {
		case "township":
			direct := u.code + "-o"
			if u.id == special {
				direct = LoginTownOfficial
			}
			ps = append(ps, person{u.code + "-s", u.name + "书记", u.id, []string{string(role.TownshipOfficial)}, "书记"},
				person{direct, u.name + "组织委员", u.id, []string{string(role.TownshipOfficial)}, "组织委员"})
			first := int64(len(ps) - 1)
			staffOf[u.id] = persons{first, first + 1, first + 1}
		case "village":
			ps = append(ps, person{u.code, u.name + "支部书记", u.id, []string{string(role.BranchSecretary)}, "支部书记"})
			id := int64(len(ps))
			staffOf[u.id] = persons{id, id, id}
		}
	}
	for i := range counties {
		staffOf[-int64(i)-1] = persons{primary: int64(3 + i)}
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"id", "login", "name", "unit_id", "roles", "position", "password_hash"},
		pgx.CopyFromSlice(len(ps), func(i int) ([]any, error) {
			p := ps[i]
			return []any{int64(i + 1), p.login, p.name, p.unit, p.roles, p.position, hash}, nil
		}))
	return len(ps), staffOf, err
}

// measurePools are the measures a unit draws its items from.
type measurePools struct {
	all      []measure
	ofCounty [][]int         // by county index, indexes into all
	ofTown   map[int64][]int // by township id
}

type orderCount struct{ n int }

// copyOrders loads the issued orders, their problems (four measures each) and measures:
// perCounty measures from each county in orders of 20, perTown from each township but the
// special one in one order.
func copyOrders(ctx context.Context, pool *pgxpool.Pool, rng *rand.Rand, now time.Time, us []unit, counties []int,
	special int64, staffOf map[int64]persons, perCounty, perTown int) (measurePools, orderCount, error) {
	type orderRow struct {
		id, issuer, by int64
		issued         time.Time
		title          string
	}
	var os []orderRow
	var ms measurePools
	ms.ofTown = map[int64][]int{}
	type problemRow struct {
		id, order int64
		seq       int
	}
	var problems []problemRow
	add := func(issuer unit, by int64, n, perOrder int) []int {
		var idx []int
		for k := range n {
			if k%perOrder == 0 {
				issued := now.Add(-time.Duration(20+rng.IntN(160)) * 24 * time.Hour)
				os = append(os, orderRow{int64(len(os) + 1), issuer.id, by, issued, fmt.Sprintf("%s整改通知第%d号", issuer.name, k/perOrder+1)})
			}
			o := os[len(os)-1]
			if k%perOrder%4 == 0 {
				problems = append(problems, problemRow{int64(len(problems) + 1), o.id, k%perOrder/4 + 1})
			}
			due := o.issued.Add(time.Duration(15+rng.IntN(225)) * 24 * time.Hour)
			ms.all = append(ms.all, measure{id: int64(len(ms.all) + 1), order: o.id, issuer: issuer.id, issuerPath: issuer.path,
				issued: o.issued, due: time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)})
			idx = append(idx, len(ms.all)-1)
		}
		return idx
	}
	for i, ci := range counties {
		ms.ofCounty = append(ms.ofCounty, add(us[ci], staffOf[-int64(i)-1].primary, perCounty, 20))
	}
	for _, u := range us {
		if u.kind == "township" && u.id != special {
			ms.ofTown[u.id] = add(u, staffOf[u.id].primary, perTown, perTown)
		}
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"orders"}, []string{"id", "issuer_unit_id", "title", "source", "status", "created_by", "created_at", "issued_by", "issued_at"},
		pgx.CopyFromSlice(len(os), func(i int) ([]any, error) {
			o := os[i]
			return []any{o.id, o.issuer, o.title, "督查", "issued", o.by, o.issued.Add(-time.Hour), o.by, o.issued}, nil
		}))
	if err != nil {
		return ms, orderCount{}, err
	}
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"problems"}, []string{"id", "order_id", "seq", "description"},
		pgx.CopyFromSlice(len(problems), func(i int) ([]any, error) {
			p := problems[i]
			return []any{p.id, p.order, p.seq, fmt.Sprintf("问题%d：部分党组织“三会一课”制度落实不到位，会议记录不全", p.seq)}, nil
		}))
	if err != nil {
		return ms, orderCount{}, err
	}
	resp, err := json.Marshal(order.Responsibility{Primary: order.PersonRef{Position: "书记"},
		Direct: order.PersonRef{Position: "组织委员"}, Handler: order.PersonRef{Position: "组织委员"}})
	if err != nil {
		return ms, orderCount{}, err
	}
	// Measures follow their problems: four to a problem, in the order made.
	problemOf := make([]int64, len(ms.all))
	seqOf := make([]int, len(ms.all))
	p, prevOrder, k := int64(0), int64(0), 0
	for i, m := range ms.all {
		if m.order != prevOrder {
			prevOrder, k = m.order, 0
		}
		if k%4 == 0 {
			p++
		}
		problemOf[i], seqOf[i] = p, k%4+1
		k++
	}
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"measures"}, []string{"id", "order_id", "problem_id", "seq", "content", "criterion", "responsibility", "deadline_kind", "due_date"},
		pgx.CopyFromSlice(len(ms.all), func(i int) ([]any, error) {
			m := ms.all[i]
			return []any{m.id, m.order, problemOf[i], seqOf[i], fmt.Sprintf("措施%d：逐村检查本年度会议记录，补齐缺漏，建立月度台账", m.id),
				"所辖村全部建立月度台账", resp, "by_date", m.due}, nil
		}))
	return ms, orderCount{len(os)}, err
}

// copyItems loads the items: each township and village gets base items (the first rest
// of them one more) from distinct measures of its county's pool and, for a village, of its
// township's; the special township gets SpecialOpen open and SpecialClosed closed ones. An
// item's state and light follow its due date: overdue ones are mostly closed, the open ones
// red; open ones due within five days yellow. It returns how many it loaded.
func copyItems(ctx context.Context, pool *pgxpool.Pool, rng *rand.Rand, now time.Time, us []unit, targets []int, special int64,
	ms measurePools, people map[int64]persons, base, rest int) (int, error) {
	cols := []string{"id", "order_id", "measure_id", "unit_id", "workflow_id", "state", "holder", "deadline_kind", "due_date",
		"primary_person_id", "direct_person_id", "handler_person_id", "progress_count", "last_progress", "revision",
		"issued_at", "acknowledged_at", "closed_at", "updated_at", "due_at", "light", "light_reason", "listed", "supervision_seq",
		"unit_path", "issuer_unit_id", "issuer_path"}
	var (
		ti, drawn int   // target index; items drawn for it so far
		want      int   // items it gets
		picks     []int // the measures it gets, indexes into ms.all
		loaded    int   // rows produced
		row       = make([]any, len(cols))
		today     = dayOf(now)
		soon      = today.AddDate(0, 0, 5)
		shanghai  = order.Shanghai
	)
	// pick chooses the measures of target ti.
	pick := func() {
		u := us[targets[ti]]
		want = base
		if ti < rest {
			want++
		}
		if u.id == special {
			want = SpecialOpen + SpecialClosed
		}
		county := ms.ofCounty[u.county]
		fromTown := 0
		if u.kind == "village" {
			fromTown = min(want/3, len(ms.ofTown[u.township]))
		}
		picks = picks[:0]
		town := ms.ofTown[u.township]
		off := rng.IntN(max(len(town), 1))
		for j := range fromTown {
			picks = append(picks, town[(off+j)%len(town)])
		}
		off = rng.IntN(len(county))
		for j := range want - fromTown {
			picks = append(picks, county[(off+j)%len(county)])
		}
		drawn = 0
	}
	if len(targets) > 0 {
		pick()
	}
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for drawn == len(picks) {
			ti++
			if ti == len(targets) {
				return nil, nil
			}
			pick()
		}
		u := us[targets[ti]]
		m := ms.all[picks[drawn]]
		drawn++
		loaded++
		pp := people[u.id]
		overdue := m.due.Before(today)
		var state string
		switch r := rng.Float64(); {
		case u.id == special && drawn <= SpecialOpen:
			// open, and waiting for the township itself (not in 申请销号, which waits for the issuer)
			state = []string{"issued", "acknowledged", "in_progress", "in_progress"}[rng.IntN(4)]
		case u.id == special:
			state = "closed"
		case r < 0.02:
			state = "cancelled"
		case overdue && r < 0.72, !overdue && r < 0.22:
			state = "closed"
		default:
			state = openState(rng.Float64())
		}
		holder, lt, reason, listed := "unit", "green", "按期推进中", false
		var acked, closed any
		updated := now.Add(-time.Duration(rng.IntN(72*60)) * time.Minute)
		if state != "issued" {
			acked = m.issued.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
		}
		switch state {
		case "closed", "cancelled":
			holder, lt, reason = "none", "none", "已销号"
			at := m.issued.Add(time.Duration(5*24+rng.IntN(int(now.Sub(m.issued).Hours())-5*24+1)) * time.Hour)
			if state == "closed" {
				closed = at
			} else {
				reason = "已撤销"
			}
			updated = at
		case "close_requested":
			holder = "issuer"
		}
		if holder != "none" {
			switch {
			case overdue:
				lt, reason, listed = "red", "已超过完成时限", rng.Float64() < 0.35
			case m.due.Before(soon):
				lt, reason, listed = "yellow", "距完成时限不足5个工作日", rng.Float64() < 0.05
			}
		}
		dueAt := time.Date(m.due.Year(), m.due.Month(), m.due.Day(), 17, 30, 0, 0, shanghai)
		row[0] = "m" + strconv.FormatInt(m.id, 10) + "-u" + strconv.FormatInt(u.id, 10)
		row[1], row[2], row[3] = m.order, m.id, u.id
		row[4] = "item-o" + strconv.FormatInt(m.order, 10) + "-u" + strconv.FormatInt(u.id, 10)
		row[5], row[6], row[7], row[8] = state, holder, "by_date", m.due
		row[9], row[10], row[11] = pp.primary, pp.direct, pp.handler
		progress := 0
		if state != "issued" && state != "acknowledged" {
			progress = 1 + rng.IntN(4)
		}
		row[12], row[13], row[14] = progress, progressNote(progress), int64(1+progress)
		row[15], row[16], row[17], row[18] = m.issued, acked, closed, updated
		row[19], row[20], row[21], row[22], row[23] = dueAt, lt, reason, listed, int64(1)
		row[24], row[25], row[26] = u.path, m.issuer, m.issuerPath
		return row, nil
	})
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"items"}, cols, src)
	return loaded, err
}

// openState draws the state of an open item: mostly in progress.
func openState(r float64) string {
	switch {
	case r < 0.15:
		return "issued"
	case r < 0.30:
		return "acknowledged"
	case r < 0.90:
		return "in_progress"
	}
	return "close_requested"
}

func progressNote(n int) string {
	if n == 0 {
		return ""
	}
	return "已完成第" + strconv.Itoa(n) + "轮检查，正在补齐记录"
}

func dayOf(t time.Time) time.Time {
	t = t.In(order.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// copyTargets records each order's targets: the units that got an item of it.
func copyTargets(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `INSERT INTO order_targets (order_id, unit_id) SELECT DISTINCT order_id, unit_id FROM items`)
	return err
}
