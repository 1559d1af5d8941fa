package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"sync"
	"time"

	"rectify/internal/db"
)

// ReadOptions size the read benchmark (`rectify bench-read`).
type ReadOptions struct {
	Shape Shape
	// Requests per case, LedgerRequests for the ledger export; Clients send them at once
	// (1: one after another).
	Requests, LedgerRequests, Clients int
}

// readCase is one kind of request measured, and its p95 target (0: none).
type readCase struct {
	name, login, path string
	target            time.Duration
	requests          int
	// page follows the list's `next` cursor (keyset pagination) from one request to the next.
	page bool
}

// RunRead loads a province (ReadOptions.Shape) into a fresh database with COPY and measures
// the read side over the real HTTP handler: dashboards, a township's to-do list, a filtered
// unit list page by page and a county's ledger, each against its p95 target, with /healthz
// as the floor in the same run.
func RunRead(ctx context.Context, o Options, ro ReadOptions) error {
	sys, err := start(ctx, o, nil)
	if err != nil {
		return err
	}
	defer sys.close()
	ownerURL, err := sys.Config.MigrateURL()
	if err != nil {
		return err
	}
	owner, err := db.Open(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer owner.Close()
	var pgVersion string
	if err := owner.QueryRow(ctx, `SHOW server_version`).Scan(&pgVersion); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "PostgreSQL %s\n", pgVersion)
	sh := ro.Shape
	fmt.Fprintf(o.Out, "loading a province: %d cities x %d counties x %d townships x %d villages, %d items ...\n",
		sh.Cities, sh.CountiesPerCity, sh.TownshipsPerCounty, sh.VillagesPerTownship, sh.Items)
	t0 := time.Now()
	ld, err := Load(ctx, owner, sh, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "loaded %d units, %d people, %d orders, %d measures, %d items in %v (COPY, counts rebuilt, VACUUM ANALYZE)\n",
		ld.Units, ld.People, ld.Orders, ld.Measures, ld.Items, time.Since(t0).Round(100*time.Millisecond))
	owner.Close()

	n := ro.Requests
	cases := []readCase{
		{"GET /healthz (floor)", "", "/healthz", 0, n, false},
		{"dashboard of the province", LoginProvinceLeader, "/api/dashboard?unit=" + ld.Province, 50 * time.Millisecond, n, false},
		{"dashboard of a county", LoginProvinceLeader, "/api/dashboard?unit=" + ld.County, 50 * time.Millisecond, n, false},
		{"dashboard of a township", LoginProvinceLeader, "/api/dashboard?unit=" + ld.Township, 50 * time.Millisecond, n, false},
		{fmt.Sprintf("my items (township official, %d open)", SpecialOpen), LoginTownOfficial, "/api/me/items", 20 * time.Millisecond, n, false},
		{"county's red items (its subtree), 50 a page", LoginCountyStaff, "/api/items?light=red&limit=50", 30 * time.Millisecond, n, true},
		{"township list, red, 50 a page", LoginCountyStaff, "/api/items?unit=" + ld.Township + "&light=red&limit=50", 30 * time.Millisecond, n, true},
		{"ledger of the county's open items", LoginCountyStaff, "/api/ledger?open=true", 0, ro.LedgerRequests, false},
	}
	fmt.Fprintf(o.Out, "\nreads over HTTP on 127.0.0.1, %d client(s) at once, each case after a sign-in (POST /api/session)\n", ro.Clients)
	fmt.Fprintf(o.Out, "%-42s %6s %9s %9s %9s %9s %8s %7s  %s\n", "case", "reqs", "p50", "p95", "p99", "max", "target", "", "per response")
	for _, c := range cases {
		r, err := measureCase(ctx, sys.base, c, ro.Clients)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		verdict, target := "", ""
		if c.target > 0 {
			target, verdict = "≤ "+c.target.String(), "PASS"
			if r.p(95) > c.target || r.failed > 0 {
				verdict = "MISS"
			}
		}
		if r.failed > 0 {
			fmt.Fprintf(o.Out, "%-42s %d request(s) failed, first: %s\n", c.name, r.failed, r.firstErr)
		}
		fmt.Fprintf(o.Out, "%-42s %6d %9s %9s %9s %9s %8s %7s  %s\n", c.name, len(r.lat), ms(r.p(50)), ms(r.p(95)), ms(r.p(99)), ms(r.p(100)),
			target, verdict, r.shape())
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// readResult is what one case measured.
type readResult struct {
	lat         []time.Duration // sorted
	bytes       int64
	rows, pages int // list rows and pages seen (a page: a response of a list)
	lastPage    int // pages until a response without `next`, in the first walk (0: never)
	failed      int // requests answered with an error status
	firstErr    string
}

// p is the q-th percentile latency (nearest rank).
func (r readResult) p(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (q*len(r.lat)+99)/100 - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r readResult) shape() string {
	s := fmt.Sprintf("%.1f KiB", float64(r.bytes)/float64(max(len(r.lat), 1))/1024)
	if r.pages > 0 {
		s += fmt.Sprintf(", %.1f rows", float64(r.rows)/float64(r.pages))
		if r.lastPage > 0 {
			s += fmt.Sprintf(", %d pages to the end", r.lastPage)
		}
	}
	return s
}

// measureCase signs in as c.login (unless empty) once per client and sends c.requests requests
// spread over clients; a paged case follows `next` and starts again at the first page at the
// end of the list.
func measureCase(ctx context.Context, base string, c readCase, clients int) (readResult, error) {
	var (
		mu  sync.Mutex
		res readResult
		wg  sync.WaitGroup
		err error
	)
	clients = max(1, min(clients, c.requests))
	for w := range clients {
		share := c.requests / clients
		if w < c.requests%clients {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, e := measureClient(ctx, base, c, share)
			mu.Lock()
			defer mu.Unlock()
			if e != nil && err == nil {
				err = e
			}
			res.lat = append(res.lat, r.lat...)
			res.bytes, res.rows, res.pages = res.bytes+r.bytes, res.rows+r.rows, res.pages+r.pages
			res.lastPage = max(res.lastPage, r.lastPage)
			if res.failed += r.failed; res.firstErr == "" {
				res.firstErr = r.firstErr
			}
		}()
	}
	wg.Wait()
	slices.Sort(res.lat)
	return res, err
}

func measureClient(ctx context.Context, base string, c readCase, n int) (readResult, error) {
	var res readResult
	jar, err := cookiejar.New(nil)
	if err != nil {
		return res, err
	}
	hc := &http.Client{Jar: jar, Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	if c.login != "" {
		if err := call(hc, "POST", base+"/api/session", map[string]string{"login": c.login, "password": LoadPassword}, 200, nil); err != nil {
			return res, err
		}
	}
	after, walked := "", 0
	for range n {
		u := base + c.path
		if after != "" {
			u += "&after=" + url.QueryEscape(after)
		}
		req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
		if err != nil {
			return res, err
		}
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return res, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		res.lat = append(res.lat, time.Since(t0))
		if err != nil {
			return res, err
		}
		if resp.StatusCode/100 != 2 {
			// A failed request is a finding, not the end of the run: the case reports it, and
			// gives up after a few rather than waiting out every timeout.
			res.failed++
			if res.failed == 1 {
				res.firstErr = fmt.Sprintf("GET %s: %d after %v: %.200s", c.path, resp.StatusCode, res.lat[len(res.lat)-1].Round(time.Millisecond), bytes.TrimSpace(body))
			}
			if res.failed == 3 {
				return res, nil
			}
			continue
		}
		res.bytes += int64(len(body))
		if !c.page {
			continue
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
			Next  any               `json:"next"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return res, fmt.Errorf("GET %s: %w", u, err)
		}
		res.rows += len(page.Items)
		res.pages++
		walked++
		switch next := page.Next.(type) {
		case nil:
			if res.lastPage == 0 {
				res.lastPage = walked
			}
			after, walked = "", 0
		case string:
			after = next
		default:
			after = fmt.Sprint(next)
		}
	}
	return res, nil
}
