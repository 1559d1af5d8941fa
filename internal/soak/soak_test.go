package soak

import (
	"strconv"
	"testing"
	"time"
)

// A Message-ID that arrived twice is explained only by a worker killed after the first copy
// was accepted, within the window, and before the second copy: the crash between the SMTP
// server's accept and the delivery record.
func TestADuplicateIsExplainedOnlyByAWorkerKillRightAfterTheFirstCopy(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	copies := []time.Time{t0, t0.Add(30 * time.Second)}
	for _, c := range []struct {
		name  string
		kills []time.Time
		want  bool
	}{
		{"no kill", nil, false},
		{"killed 200 ms after the first copy", []time.Time{t0.Add(200 * time.Millisecond)}, true},
		{"killed before the first copy", []time.Time{t0.Add(-time.Second)}, false},
		{"killed as the first copy was being stored", []time.Time{t0.Add(-time.Millisecond)}, true},
		{"killed long after the first copy", []time.Time{t0.Add(20 * time.Second)}, false},
		{"one of several kills in the window", []time.Time{t0.Add(-time.Minute), t0.Add(4 * time.Second)}, true},
	} {
		if got := explained(copies, c.kills, 5*time.Second); got != c.want {
			t.Errorf("%s: explained = %v, want %v", c.name, got, c.want)
		}
	}
	if explained([]time.Time{t0, t0.Add(time.Second)}, []time.Time{t0.Add(2 * time.Second)}, 5*time.Second) {
		t.Error("a kill after the second copy explains nothing")
	}
}

func TestTheSoakDatabaseSitsBesideTheBaseOne(t *testing.T) {
	got, err := siblingDB("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "rectify_soak_1")
	if err != nil || got != "postgres://postgres@127.0.0.1:5432/rectify_soak_1?sslmode=disable" {
		t.Fatalf("siblingDB = %q, %v", got, err)
	}
	if _, err := siblingDB("postgres://postgres@127.0.0.1:5432", "x"); err == nil {
		t.Fatal("a URL without a database name is refused")
	}
}

// The plan of an item depends on the seed and the item alone, and the shares are roughly
// the ones asked for.
func TestThePlanFollowsTheSeedAndTheShares(t *testing.T) {
	s := &stream{seed: 42, o: Options{AckPercent: 60, ProgressPercent: 30}}
	again := &stream{seed: 42, o: s.o}
	acks, progresses := 0, 0
	const n = 10000
	for i := range n {
		id := "m" + strconv.Itoa(i) + "-u7"
		a, p := s.plan(id)
		a2, p2 := again.plan(id)
		if a != a2 || p != p2 {
			t.Fatalf("%s planned differently under the same seed", id)
		}
		if a {
			acks++
			if p {
				progresses++
			}
		}
	}
	if acks < n*55/100 || acks > n*65/100 {
		t.Errorf("%d of %d items signed for, want about 60%%", acks, n)
	}
	if progresses < acks*25/100 || progresses > acks*35/100 {
		t.Errorf("%d of %d signed-for items report progress, want about 30%%", progresses, acks)
	}
	other := &stream{seed: 43, o: s.o}
	same := 0
	for i := range 1000 {
		id := "m" + strconv.Itoa(i) + "-u7"
		a, _ := s.plan(id)
		b, _ := other.plan(id)
		if a == b {
			same++
		}
	}
	if same == 1000 {
		t.Error("another seed gives the same plan")
	}
}
