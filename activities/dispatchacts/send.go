package dispatchacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"golang.org/x/sync/errgroup"

	"rectify/internal/calendar"
	"rectify/internal/notify"
	"rectify/workflows/dispatch/dispatchmsg"
	"rectify/workflows/item/itemmsg"
)

// pending is a notice waiting to go out, with what its message says.
type pending struct {
	itemmsg.Notice
	Recipient notify.Recipient
	Line      notify.NoticeItem
}

// rungWeight orders reminder rungs by urgency, for the subject of a consolidated message.
var rungWeight = map[itemmsg.Rung]int{itemmsg.RungBefore: 1, itemmsg.RungNotAcknowledged: 2, itemmsg.RungProgressMissing: 3, itemmsg.RungUrge: 4}

// SendDue sends every pending notice due by the dispatcher's slot: per person, one
// consolidated message a working day for reminders (later ones wait for the next working
// day), and each escalation on its own. People are served in parallel; one person's
// failure does not hold up the others, and is returned at the end so the activity retries.
func (a *Activities) SendDue(ctx context.Context, in dispatchmsg.DispatchInput) error {
	byPerson, order, err := a.loadPending(ctx, in.Slot.Add(time.Minute))
	if err != nil {
		return err
	}
	cal, err := a.Holidays.Current(ctx)
	if err != nil {
		return err
	}
	var done atomic.Int64
	var failed atomic.Int64
	var lastErr atomic.Value
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(a.SendConcurrency, 1))
	for _, pid := range order {
		g.Go(func() error {
			if err := a.sendPerson(gctx, in, cal, byPerson[pid]); err != nil {
				failed.Add(1)
				lastErr.Store(err)
			}
			activity.RecordHeartbeat(ctx, done.Add(1))
			return nil
		})
	}
	_ = g.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("SendDue %s: %d of %d people not reached yet, last: %w", in.Slot, n, len(order), lastErr.Load().(error))
	}
	return nil
}

func (a *Activities) loadPending(ctx context.Context, before time.Time) (map[int64][]pending, []int64, error) {
	ps, err := a.Items.PendingNotices(ctx, before)
	if err != nil {
		return nil, nil, fmt.Errorf("SendDue: load: %w", err)
	}
	byPerson := map[int64][]pending{}
	var order []int64
	for _, pn := range ps {
		p := pending{Notice: pn.Notice,
			Recipient: notify.Recipient{Name: pn.Name, Email: pn.Email, Mobile: pn.Mobile},
			Line:      notify.NoticeItem{Title: pn.OrderTitle, Unit: pn.UnitName, Measure: pn.Measure}}
		p.Recipient.PersonID = p.PersonID
		p.Line.Due, p.Line.WorkingDaysLeft, p.Line.WorkingDaysOverdue = p.Due, p.DaysLeft, p.DaysOverdue
		if a.Link != nil {
			p.Line.Link = a.Link(p.ItemID)
		}
		if _, ok := byPerson[p.PersonID]; !ok {
			order = append(order, p.PersonID)
		}
		byPerson[p.PersonID] = append(byPerson[p.PersonID], p)
	}
	return byPerson, order, nil
}

func (a *Activities) sendPerson(ctx context.Context, in dispatchmsg.DispatchInput, cal *calendar.Calendar, ns []pending) error {
	var digest []pending
	var errs []error
	for _, n := range ns {
		if n.Consolidated {
			digest = append(digest, n)
			continue
		}
		// Escalations go out as they happen, one message each.
		errs = append(errs, a.deliver(ctx, n.Key, n.Rung, []pending{n}))
	}
	if len(digest) > 0 {
		errs = append(errs, a.sendDigest(ctx, in, cal, digest))
	}
	return errors.Join(errs...)
}

// sendDigest sends a person's one reminder message of the day. The message has one key a
// day whichever dispatcher slot claimed it, so a dispatcher that finds the day's message
// claimed by a slot that died mid-send (sent, not yet marked) delivers under the same key and
// is answered with the recorded send instead of sending again. Reminders about items in the
// day's message are marked sent with it; reminders about other items wait for the next
// working morning.
func (a *Activities) sendDigest(ctx context.Context, in dispatchmsg.DispatchInput, cal *calendar.Calendar, ns []pending) error {
	person := ns[0].PersonID
	day := in.Slot.In(calendar.Shanghai).Format("2006-01-02")
	key := fmt.Sprintf("%s/digest/%d/%s", in.Deployment, person, day)
	if err := a.Items.ClaimDigest(ctx, person, day, in.Slot, key); err != nil {
		return fmt.Errorf("digest %s: %w", key, err)
	}
	// A message about items all at the same rung says so; a mixed one is a digest whose
	// lines each tell their own state.
	rung := ns[0].Rung
	for _, n := range ns {
		if n.Rung != rung {
			rung = notify.RungDigest
		}
	}
	d, err := a.send(ctx, key, rung, ns)
	if errors.Is(err, errMarked) {
		return nil
	}
	if err != nil {
		return err
	}
	var inMessage, later []pending
	for _, n := range ns {
		if slices.Contains(d.ItemIDs, n.ItemID) {
			inMessage = append(inMessage, n)
		} else {
			later = append(later, n)
		}
	}
	if err := a.mark(ctx, inMessage, "sent", key, ""); err != nil {
		return err
	}
	if len(later) > 0 {
		next := cal.NextSendTime(cal.AddWorkdays(in.Slot, 1), itemmsg.DefaultPolicy().SendStart, itemmsg.DefaultPolicy().SendEnd)
		if err := a.Items.PostponeNotices(ctx, keys(later), next); err != nil {
			return fmt.Errorf("digest %s: postpone: %w", key, err)
		}
		if err := a.Dispatchers.Wake(ctx, in.Deployment, next); err != nil {
			return err
		}
	}
	if err := a.Items.DigestSent(ctx, person, day); err != nil {
		return fmt.Errorf("digest %s: %w", key, err)
	}
	return nil
}

// deliver sends one message about ns under key (an escalation) and marks the notices.
func (a *Activities) deliver(ctx context.Context, key string, rung itemmsg.Rung, ns []pending) error {
	if _, err := a.send(ctx, key, rung, ns); err != nil {
		if errors.Is(err, errMarked) {
			return nil
		}
		return err
	}
	return a.mark(ctx, ns, "sent", key, "")
}

// errMarked reports a person no channel reaches: the notices are marked failed already.
var errMarked = errors.New("notices marked failed")

// send renders and delivers one message about ns under key, or answers the send already
// recorded under it. A person no channel can reach has the notices marked failed, visibly
// on the item, and errMarked is returned (nothing to retry); a send that failed leaves the
// cleaned reason on the notices and returns the error for a retry.
func (a *Activities) send(ctx context.Context, key string, rung itemmsg.Rung, ns []pending) (notify.Delivery, error) {
	n := notify.Notice{Rung: string(rung), RecipientName: ns[0].Recipient.Name}
	// One line an item, however many of its rungs are in the message: the most urgent.
	type chosen struct {
		at   int
		rung itemmsg.Rung
	}
	var ids []string
	best := map[string]chosen{}
	for _, p := range ns {
		c, ok := best[p.ItemID]
		switch {
		case !ok:
			best[p.ItemID] = chosen{at: len(n.Items), rung: p.Rung}
			n.Items = append(n.Items, p.Line)
			ids = append(ids, p.ItemID)
		case rungWeight[p.Rung] > rungWeight[c.rung]:
			n.Items[c.at] = p.Line
			best[p.ItemID] = chosen{at: c.at, rung: p.Rung}
		}
	}
	msg, err := notify.Render(n)
	if err != nil {
		return notify.Delivery{}, fmt.Errorf("deliver %s: %w", key, err)
	}
	d, err := a.Notifier.Deliver(ctx, key, ns[0].Recipient, string(rung), ids, msg)
	switch {
	case errors.Is(err, notify.ErrUnreachable):
		if merr := a.mark(ctx, ns, "failed", key, notify.Reason(err)); merr != nil {
			return notify.Delivery{}, merr
		}
		return notify.Delivery{}, errMarked
	case err != nil:
		// Only the cleaned reason reaches the read model: the provider's text can hold keys.
		_ = a.Items.NoteSendError(ctx, keys(ns), notify.Reason(err))
		return notify.Delivery{}, fmt.Errorf("deliver %s: %w", key, err)
	}
	return d, nil
}

// mark records what became of notices: sent (or failed) under a delivery key.
func (a *Activities) mark(ctx context.Context, ns []pending, status, key, reason string) error {
	if len(ns) == 0 {
		return nil
	}
	if err := a.Items.MarkNotices(ctx, keys(ns), status, key, reason); err != nil {
		return fmt.Errorf("deliver %s: mark: %w", key, err)
	}
	return nil
}

func keys(ns []pending) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Key
	}
	return out
}
