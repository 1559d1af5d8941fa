// Package imports turns uploaded problem lists (问题清单) into draft orders: at once for a
// small file, or as a background job for a large one. Jobs are kept in PostgreSQL with their
// file, so that any API process runs them and a restart resumes them: a process claims a job
// with a lease (SELECT … FOR UPDATE SKIP LOCKED) and renews it while it reads; a job whose
// lease lapsed because its process died is claimed again, up to MaxAttempts, and then failed
// with a reason. A job is never left running for ever, and its order is stored in the same
// transaction that marks it done, so a resumed job never creates a second order.
package imports

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/order"
	"rectify/internal/problemlist"
)

// Upload is a problem list as a person uploaded it.
type Upload struct {
	PersonID int64
	UnitID   int64 // the issuing unit: the order becomes its draft
	List
}

// List is an uploaded problem list (问题清单) with what the order takes from the upload
// rather than from the sheet.
type List struct {
	Filename  string // decides the format: .xlsx or .csv
	Title     string // default: the file name without its extension
	Source    string // 问题来源 when the sheet has no such column
	DocNumber string
	Data      []byte
	// Progress, when set, hears how many rows have been read, for a progress bar; a job
	// keeps its own count.
	Progress func(rows int)
}

// Result is the draft order an import created.
type Result struct {
	OrderID  int64 `json:"id"`
	Measures int   `json:"measures"`
	Problems int   `json:"-"` // for the CLI's summary
}

// Job statuses.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Job is a background import as its owner polls it.
type Job struct {
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	RowsRead int64             `json:"rows_read"`
	OrderID  int64             `json:"order_id,omitempty"`
	Measures int               `json:"measures,omitempty"`
	Error    *apperr.BodyError `json:"error,omitempty"`
	Attempts int               `json:"attempts"`
	Started  time.Time         `json:"started"`
	Finished *time.Time        `json:"finished,omitempty"`
	person   int64
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// Lease is how long a claim on a job lasts without renewal (30 s); a job whose process
	// died is resumed by another after it.
	Lease time.Duration
	// Poll is how often an idle runner looks for jobs queued by other processes (2 s).
	Poll time.Duration
	// Workers is how many jobs one process runs at once (2).
	Workers int
	// MaxAttempts is how many claims a job gets before it is failed (3).
	MaxAttempts int
	// PerPerson bounds the jobs one person has queued or running (2).
	PerPerson int
}

func (o Options) withDefaults() Options {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.PerPerson <= 0 {
		o.PerPerson = 2
	}
	return o
}

// Service imports problem lists and keeps the background jobs.
type Service struct {
	pool   *pgxpool.Pool
	orders *order.Store
	o      Options
	wake   chan struct{}
}

// NewService makes a service storing orders through orders and jobs in pool.
func NewService(pool *pgxpool.Pool, orders *order.Store, o Options) *Service {
	return &Service{pool: pool, orders: orders, o: o.withDefaults(), wake: make(chan struct{}, 1)}
}

// Import reads u and stores it as a draft order of u's unit, at once. A bad sheet stores
// nothing and names every place to fix.
func (s *Service) Import(ctx context.Context, u Upload) (Result, error) {
	return s.importOrder(ctx, u, u.Progress, nil)
}

// importOrder reads the sheet, reporting rows read to progress, and creates the order;
// then runs in the order's transaction.
func (s *Service) importOrder(ctx context.Context, u Upload, progress func(int),
	then func(ctx context.Context, tx pgx.Tx, r Result) error) (Result, error) {
	title := u.Title
	if strings.TrimSpace(title) == "" {
		title = strings.TrimSuffix(strings.TrimSuffix(u.Filename, ".xlsx"), ".csv")
	}
	sheet, err := problemlist.Read(bytes.NewReader(u.Data), problemlist.Options{Filename: u.Filename, Progress: progress})
	if err != nil {
		return Result{}, err
	}
	res, err := s.orders.NameResolver(ctx, u.UnitID)
	if err != nil {
		return Result{}, err
	}
	d, err := sheet.Draft(title, u.Source, res)
	if err != nil {
		return Result{}, err
	}
	d.DocNumber = u.DocNumber
	r := Result{Problems: len(d.Problems)}
	for _, p := range d.Problems {
		r.Measures += len(p.Measures)
	}
	var after func(ctx context.Context, tx pgx.Tx, id int64) error
	if then != nil {
		after = func(ctx context.Context, tx pgx.Tx, id int64) error {
			return then(ctx, tx, Result{OrderID: id, Measures: r.Measures})
		}
	}
	r.OrderID, err = s.orders.CreateThen(ctx, u.UnitID, u.PersonID, d, after)
	return r, err
}

// Enqueue keeps u as a job for a runner and answers it queued. A person may have
// PerPerson jobs queued or running at once; one more is a Conflict that says so.
func (s *Service) Enqueue(ctx context.Context, u Upload) (_ Job, err error) {
	defer apperr.Wrap(&err, "imports.Enqueue")
	var j Job
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Serializes one person's enqueues, so that two at once cannot both pass the count.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('rectify.imports:' || $1::bigint::text, 0))`, u.PersonID); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM import_jobs WHERE person_id = $1 AND status IN ('queued', 'running')`,
			u.PersonID).Scan(&open); err != nil {
			return err
		}
		if open >= s.o.PerPerson {
			return apperr.Newf(apperr.Conflict, "file", "您已有%d个导入任务在排队或进行中，请等其完成后再上传", open)
		}
		return tx.QueryRow(ctx, `INSERT INTO import_jobs (person_id, unit_id, filename, title, source, doc_number, file)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text, status, created_at`,
			u.PersonID, u.UnitID, u.Filename, u.Title, u.Source, u.DocNumber, u.Data).Scan(&j.ID, &j.Status, &j.Started)
	})
	if err != nil {
		return Job{}, err
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return j, nil
}

// Job returns a job of personID; anyone else's is NotFound.
func (s *Service) Job(ctx context.Context, id string, personID int64) (_ Job, err error) {
	defer apperr.Wrap(&err, "imports.Job(%s)", id)
	notFound := apperr.New(apperr.NotFound, "import_id", "导入任务不存在")
	if _, err := uuid.Parse(id); err != nil {
		return Job{}, notFound
	}
	var j Job
	var body *apperr.BodyError
	err = s.pool.QueryRow(ctx, `SELECT id::text, status, rows_read, coalesce(order_id, 0), measures, error, attempts, created_at, finished_at, person_id
		FROM import_jobs WHERE id = $1`, id).
		Scan(&j.ID, &j.Status, &j.RowsRead, &j.OrderID, &j.Measures, &body, &j.Attempts, &j.Started, &j.Finished, &j.person)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && j.person != personID) {
		return Job{}, notFound
	}
	if err != nil {
		return Job{}, err
	}
	j.Error = body
	return j, nil
}

// Run runs jobs until ctx ends: Workers at once, the ones this process enqueues at once,
// the others' within Poll. A job interrupted by ctx's end goes back to the queue.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(ctx)
		}()
	}
	wg.Wait()
}

func (s *Service) work(ctx context.Context) {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		c, ok, err := s.claim(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Error("import jobs: claim", "err", err)
		case ok:
			s.run(ctx, c)
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
	}
}

// claimed is a job this process holds; attempt tells its claim from an earlier one's.
type claimed struct {
	id      string
	attempt int
	u       Upload
}

// interrupted is the reason a job whose processes kept dying is failed with.
var interrupted = apperr.BodyError{Code: apperr.Internal.Code(),
	Message: "导入处理过程中服务多次中断，未生成整改通知，请重新上传"}

// claim fails the jobs that have been interrupted too often, then takes the oldest job
// that is queued or whose claim lapsed.
func (s *Service) claim(ctx context.Context) (c claimed, ok bool, err error) {
	defer apperr.Wrap(&err, "imports.claim")
	if _, err := s.pool.Exec(ctx, `UPDATE import_jobs SET status = 'failed', error = $1, file = NULL, lease_until = NULL, finished_at = now()
		WHERE status = 'running' AND lease_until < now() AND attempts >= $2`, interrupted, s.o.MaxAttempts); err != nil {
		return c, false, err
	}
	err = s.pool.QueryRow(ctx, `UPDATE import_jobs SET status = 'running', attempts = attempts + 1,
			lease_until = now() + $1 * interval '1 millisecond', started_at = coalesce(started_at, now())
		WHERE id = (SELECT id FROM import_jobs
			WHERE status = 'queued' OR (status = 'running' AND lease_until < now() AND attempts < $2)
			ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
		RETURNING id::text, attempts, person_id, unit_id, filename, title, source, doc_number, file`, s.o.Lease.Milliseconds(), s.o.MaxAttempts).
		Scan(&c.id, &c.attempt, &c.u.PersonID, &c.u.UnitID, &c.u.Filename, &c.u.Title, &c.u.Source, &c.u.DocNumber, &c.u.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, err
}

// errLost means the claim lapsed and another process took the job over.
var errLost = errors.New("imports: the job's claim was lost")

// run imports a claimed job, renewing its claim and recording rows read as it goes.
func (s *Service) run(ctx context.Context, c claimed) {
	log := slog.With("import_job", c.id, "attempt", c.attempt)
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var rows atomic.Int64
	var lost atomic.Bool
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		t := time.NewTicker(min(s.o.Lease/3, time.Second))
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
			}
			tag, err := s.pool.Exec(jctx, `UPDATE import_jobs SET lease_until = now() + $3 * interval '1 millisecond', rows_read = $4
				WHERE id = $1 AND attempts = $2 AND status = 'running'`, c.id, c.attempt, s.o.Lease.Milliseconds(), rows.Load())
			if err == nil && tag.RowsAffected() == 0 {
				lost.Store(true)
				cancel()
				return
			}
		}
	}()
	_, err := s.importOrder(jctx, c.u, func(n int) { rows.Store(int64(n)) }, func(ctx context.Context, tx pgx.Tx, r Result) error {
		tag, err := tx.Exec(ctx, `UPDATE import_jobs SET status = 'done', order_id = $3, measures = $4, rows_read = $5,
				file = NULL, lease_until = NULL, finished_at = now()
			WHERE id = $1 AND attempts = $2 AND status = 'running'`, c.id, c.attempt, r.OrderID, r.Measures, rows.Load())
		if err == nil && tag.RowsAffected() == 0 {
			err = errLost
		}
		return err
	})
	cancel()
	<-beat
	// The outcome is written even as the process stops.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	switch {
	case err == nil:
		return
	case lost.Load() || errors.Is(err, errLost):
		log.Warn("import job taken over by another process")
	case ctx.Err() != nil:
		// Stopping: back to the queue, this claim not counted against the job.
		_, rerr := s.pool.Exec(wctx, `UPDATE import_jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL
			WHERE id = $1 AND attempts = $2 AND status = 'running'`, c.id, c.attempt)
		if rerr != nil {
			log.Error("import job: requeue", "err", rerr)
		}
	default:
		var body apperr.BodyError
		if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
			_, b := apperr.ToBody(err)
			body = b.Error
		} else if c.attempt < s.o.MaxAttempts {
			// A fault on our side (the database, say) may pass: try again.
			log.Error("import job failed, will retry", "err", err)
			_, rerr := s.pool.Exec(wctx, `UPDATE import_jobs SET status = 'queued', lease_until = NULL
				WHERE id = $1 AND attempts = $2 AND status = 'running'`, c.id, c.attempt)
			if rerr != nil {
				log.Error("import job: requeue", "err", rerr)
			}
			return
		} else {
			log.Error("import job failed", "err", err)
			_, b := apperr.ToBody(err)
			body = b.Error
		}
		_, ferr := s.pool.Exec(wctx, `UPDATE import_jobs SET status = 'failed', error = $3, rows_read = $4, file = NULL,
				lease_until = NULL, finished_at = now()
			WHERE id = $1 AND attempts = $2 AND status = 'running'`, c.id, c.attempt, body, rows.Load())
		if ferr != nil {
			log.Error("import job: record failure", "err", ferr)
		}
	}
}
