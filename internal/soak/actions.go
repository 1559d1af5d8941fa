package soak

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/workflows/item/itemmsg"
)

// verdict is what the client finally heard about one action.
type verdict int

const (
	notTried   verdict = iota
	accepted           // 200 (also a remembered answer, duplicate: true, or pending: true)
	refused            // a 4xx other than 408 and 429: a refusal, not retried
	unanswered         // the soak ended before a definitive answer
)

// outcome is one item's plan and what the client saw of it.
type outcome struct {
	handler      int64
	planAck      bool
	planProgress bool
	ack          verdict
	progress     verdict
}

// refusal is a definitive 4xx the stream received: none is expected, so each is reported.
type refusal struct {
	item, action string
	status       int
	body         string
}

// stream acts on items over HTTP the way people do: each planned item's handler signs for
// it (签收), and some of them then report progress (进展反馈), each action under an
// Idempotency-Key of its own. After a network error, a timeout, a 5xx or a 429 the same
// request is sent again with the same key until the answer is definitive.
type stream struct {
	base   string
	tokens map[int64]string
	seed   uint64
	o      Options
	hc     *http.Client

	mu       sync.Mutex
	outcomes map[string]*outcome // item id -> plan and verdicts
	refusals []refusal

	requests, retries, netErrors, serverErrors, throttled atomic.Int64
	acks, progresses, duplicates, pendings                atomic.Int64
	inFlight                                              atomic.Int64

	waits   []time.Duration   // from the first send to the definitive answer, per action
	answers map[string]int    // every answer that was not a 200, by kind
	sample  map[string]string // one body of each kind
}

func newStream(base string, tokens map[int64]string, seed uint64, o Options) *stream {
	return &stream{base: base, tokens: tokens, seed: seed, o: o, outcomes: map[string]*outcome{},
		answers: map[string]int{}, sample: map[string]string{},
		// Past the API's own 30 s budget: a request cut short here is one the API gave up on.
		hc: &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}}
}

// plan decides, from the seed and the item id alone, what is done to an item.
func (s *stream) plan(itemID string) (ack, progress bool) {
	h := fnv.New64a()
	_ = binary.Write(h, binary.LittleEndian, s.seed)
	_, _ = io.WriteString(h, itemID)
	v := h.Sum64()
	return int(v%100) < s.o.AckPercent, int((v/100)%100) < s.o.ProgressPercent
}

// run feeds the items of the soak's orders to the clients as their rows appear, until all
// `expected` items have been seen and acted on, or ctx ends.
func (s *stream) run(ctx context.Context, pool *pgxpool.Pool, orders []int64, expected int) {
	work := make(chan string, expected)
	var wg sync.WaitGroup
	for range s.o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				s.actOn(ctx, id)
			}
		}()
	}
	defer wg.Wait()
	defer close(work)
	// Each poll's new items go out shuffled, so that the clients act on many unit workflows at
	// once rather than queueing on the ten items of one.
	rng := rand.New(rand.NewPCG(s.seed, 1))
	seen := 0
	for seen < expected {
		var batch []string
		rows, err := pool.Query(ctx, `SELECT id, coalesce(handler_person_id, 0) FROM items WHERE order_id = ANY($1)`, orders)
		if err == nil {
			var id string
			var handler int64
			// A failed read is retried on the next round; the items seen so far stay seen.
			_, _ = pgx.ForEachRow(rows, []any{&id, &handler}, func() error {
				s.mu.Lock()
				defer s.mu.Unlock()
				if _, ok := s.outcomes[id]; !ok {
					a, p := s.plan(id)
					s.outcomes[id] = &outcome{handler: handler, planAck: a, planProgress: a && p}
					seen++
					if a {
						batch = append(batch, id)
					}
				}
				return nil
			})
		}
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		for _, id := range batch {
			work <- id
		}
		if sleep(ctx, time.Second) != nil {
			return
		}
	}
}

func (s *stream) actOn(ctx context.Context, id string) {
	s.mu.Lock()
	oc := s.outcomes[id]
	s.mu.Unlock()
	v := s.act(ctx, id, oc.handler, "acknowledge", struct{}{})
	s.mu.Lock()
	oc.ack = v
	s.mu.Unlock()
	if v != accepted || !oc.planProgress {
		return
	}
	v = s.act(ctx, id, oc.handler, "progress", map[string]string{"note": "已完成自查，正在整改（浸泡测试）"})
	s.mu.Lock()
	oc.progress = v
	s.mu.Unlock()
}

// act sends one action until it has a definitive answer.
func (s *stream) act(ctx context.Context, id string, person int64, action string, body any) verdict {
	key := "soak-" + id + "-" + action
	b, _ := json.Marshal(body)
	backoff := 250 * time.Millisecond
	t0 := time.Now()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			s.retries.Add(1)
			if sleep(ctx, backoff/2+rand.N(backoff/2+1)) != nil {
				return unanswered
			}
			backoff = min(2*backoff, 4*time.Second)
		}
		if ctx.Err() != nil {
			return unanswered
		}
		s.requests.Add(1)
		status, answer, err := s.post(ctx, "/api/items/"+id+"/"+action, s.tokens[person], key, b)
		s.note(status, answer, err)
		if err == nil && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout && status < 500 {
			s.mu.Lock()
			s.waits = append(s.waits, time.Since(t0))
			s.mu.Unlock()
		}
		switch {
		case err != nil:
			s.netErrors.Add(1)
			continue
		case status == http.StatusOK:
			var res itemmsg.ActionResult
			if err := json.Unmarshal(answer, &res); err != nil || res.ItemID != id {
				s.refuse(id, action, status, "200 with an answer that is not this item's: "+string(answer))
				return refused
			}
			if res.Duplicate {
				s.duplicates.Add(1)
			}
			if res.Pending {
				s.pendings.Add(1)
			}
			if action == "acknowledge" {
				s.acks.Add(1)
			} else {
				s.progresses.Add(1)
			}
			return accepted
		case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout:
			s.throttled.Add(1)
			continue
		case status >= 500:
			s.serverErrors.Add(1)
			continue
		default:
			s.refuse(id, action, status, string(answer))
			return refused
		}
	}
}

// note counts every answer but a 200, with one body of each kind for the report.
func (s *stream) note(status int, answer []byte, err error) {
	var kind, body string
	switch {
	case err != nil:
		kind, body = "network error", err.Error()
		if errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err) {
			kind = "client timeout (40 s)"
		}
	case status == http.StatusOK:
		return
	default:
		kind, body = strconv.Itoa(status), strings.TrimSpace(string(answer))
	}
	if r := []rune(body); len(r) > 240 {
		body = string(r[:240]) + "…"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[kind]++
	if _, ok := s.sample[kind]; !ok {
		s.sample[kind] = body
	}
}

// waitQuantiles are the median, the 95th percentile and the longest wait for an answer.
func (s *stream) waitQuantiles() (p50, p95, longest time.Duration) {
	s.mu.Lock()
	w := slices.Clone(s.waits)
	s.mu.Unlock()
	if len(w) == 0 {
		return 0, 0, 0
	}
	slices.Sort(w)
	return w[len(w)/2], w[len(w)*95/100], w[len(w)-1]
}

func (s *stream) refuse(id, action string, status int, body string) {
	if r := []rune(body); len(r) > 300 {
		body = string(r[:300]) + "…"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals = append(s.refusals, refusal{item: id, action: action, status: status, body: body})
}

func (s *stream) post(ctx context.Context, path, token, key string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, answer, nil
}

// snapshot copies the outcomes for the checks.
func (s *stream) snapshot() (map[string]outcome, []refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]outcome, len(s.outcomes))
	for id, oc := range s.outcomes {
		out[id] = *oc
	}
	return out, append([]refusal(nil), s.refusals...)
}
