package item

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/light"
	"rectify/workflows/item/itemmsg"
)

// Step is one planned rung for one item.
type Step struct {
	ID         string       `json:"id"` // unique per item and deadline, e.g. reminder_before-3@2026-03-02
	Rung       itemmsg.Rung `json:"rung"`
	FireAt     time.Time    `json:"fire_at"` // when the rung is due
	SendAt     time.Time    `json:"send_at"` // first moment in working hours
	Recipients []int64      `json:"recipients"`
}

// clock turns "17:30" into hours and minutes; policies are validated before use.
func clock(hhmm string) (int, int) {
	h, m, err := calendar.ParseClock(hhmm)
	if err != nil {
		return 17, 30
	}
	return h, m
}

func at(day time.Time, hhmm string) time.Time {
	h, m := clock(hhmm)
	d := day.In(calendar.Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, calendar.Shanghai)
}

func dateOf(t time.Time) time.Time {
	d := t.In(calendar.Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, calendar.Shanghai)
}

// Due is when an item's deadline ends, if it has one yet: an approved extension, else a
// date, else N working days from issue or from 签收 (none before 签收 in that case).
func Due(it *itemmsg.Item, issuedAt time.Time, cal *calendar.Calendar, p itemmsg.Policy) (time.Time, bool) {
	switch {
	case it.ExtendedTo != "":
		d, err := calendar.ParseDate(it.ExtendedTo)
		return at(d, p.DueTime), err == nil
	case it.DueDate != "":
		d, err := calendar.ParseDate(it.DueDate)
		return at(d, p.DueTime), err == nil
	case it.WorkingDays > 0 && it.WorkingDaysFrom == "acknowledge":
		if it.AcknowledgedAt.IsZero() {
			return time.Time{}, false
		}
		return at(cal.AddWorkdays(it.AcknowledgedAt, it.WorkingDays), p.DueTime), true
	case it.WorkingDays > 0:
		return at(cal.AddWorkdays(issuedAt, it.WorkingDays), p.DueTime), true
	}
	return time.Time{}, false
}

// LightAt is an item's light at now with its one-sentence reason.
func LightAt(it *itemmsg.Item, now, issuedAt time.Time, cal *calendar.Calendar, p itemmsg.Policy) (light.Light, string) {
	if it.State.Terminal() {
		return light.None, it.State.Label()
	}
	due, ok := Due(it, issuedAt, cal, p)
	if ok && !now.Before(due) {
		return light.Red, DueSentence(due, now, cal)
	}
	if cp, late := lateCheckpoint(it, now, p); late {
		return light.Yellow, "未按期报送进展（检查节点" + cp + "）"
	}
	if !ok {
		if it.State == itemmsg.Issued && it.WorkingDaysFrom == "acknowledge" {
			return light.Green, "签收后起算" + strconv.Itoa(it.WorkingDays) + "个工作日"
		}
		return light.Green, "长期坚持，按节点报送进展"
	}
	if left := cal.WorkdaysBetween(dateOf(now), dateOf(due)); left <= p.YellowDays {
		return light.Yellow, DueSentence(due, now, cal)
	}
	return light.Green, DueSentence(due, now, cal)
}

// DueSentence says how an open item stands against its deadline due at now, as its light's
// reason does: 距完成时限还有N个工作日, 今天到期, 已超过完成时限 or 已超期N个工作日.
func DueSentence(due, now time.Time, cal *calendar.Calendar) string {
	if !now.Before(due) {
		n := cal.WorkdaysBetween(dateOf(due), dateOf(now))
		if n == 0 {
			return "已超过完成时限"
		}
		return "已超期" + strconv.Itoa(n) + "个工作日"
	}
	left := cal.WorkdaysBetween(dateOf(now), dateOf(due))
	if left == 0 {
		return "今天到期"
	}
	return "距完成时限还有" + strconv.Itoa(left) + "个工作日"
}

// dueSentenceHead matches a reason that opens with a DueSentence.
var dueSentenceHead = regexp.MustCompile(`^(距完成时限还有\d+个工作日|今天到期|已超过完成时限|已超期\d+个工作日)`)

// Freshen brings a stored light reason up to now: workflows from the quiet-days version on
// write a reason when the light changes, not each day, so a reason that opens with how far
// the deadline is gets that part computed again when read. Other reasons stay as written.
func Freshen(reason string, due, now time.Time, cal *calendar.Calendar) string {
	if !dueSentenceHead.MatchString(reason) {
		return reason
	}
	return dueSentenceHead.ReplaceAllLiteralString(reason, DueSentence(due, now, cal))
}

// sameReason compares reasons but for their numbers: a quiet run does not rewrite a reason
// whose only change is a count of days.
func sameReason(a, b string) bool {
	return digits.ReplaceAllString(a, "#") == digits.ReplaceAllString(b, "#")
}

var digits = regexp.MustCompile(`\d+`)

// lateCheckpoint finds the latest passed checkpoint of a 长期坚持 item when no progress
// report has come since the checkpoint before it.
func lateCheckpoint(it *itemmsg.Item, now time.Time, p itemmsg.Policy) (string, bool) {
	var prev time.Time // end of the checkpoint before the latest passed one
	latest := ""
	var latestEnd time.Time
	for _, c := range it.Checkpoints {
		d, err := calendar.ParseDate(c)
		if err != nil {
			continue
		}
		end := at(d, p.DueTime)
		if end.After(now) {
			break
		}
		prev, latestEnd, latest = latestEnd, end, c
	}
	if latest == "" || (!it.LastProgressAt.IsZero() && it.LastProgressAt.After(prev)) {
		return "", false
	}
	return latest, true
}

// Plan lists every rung of an item for its current deadline, in firing order. Rungs
// already due before issue are left out: an order issued late is not back-reminded.
func Plan(it *itemmsg.Item, in *itemmsg.UnitOrderInput, cal *calendar.Calendar, p itemmsg.Policy) []Step {
	// Terminal items need nothing; while close-out awaits review the issuer holds the item.
	if it.State.Terminal() || it.State == itemmsg.CloseRequested {
		return nil
	}
	var steps []Step
	add := func(id string, r itemmsg.Rung, fire time.Time, to ...int64) {
		if fire.Before(in.IssuedAt) {
			return
		}
		var rs []int64
		for _, id := range to {
			if id != 0 && !slices.Contains(rs, id) {
				rs = append(rs, id)
			}
		}
		if len(rs) == 0 {
			return
		}
		steps = append(steps, Step{ID: id, Rung: r, FireAt: fire, SendAt: cal.NextSendTime(fire, p.SendStart, p.SendEnd), Recipients: rs})
	}
	doers := []int64{it.HandlerPerson, it.DirectPerson}
	if it.State == itemmsg.Issued {
		add(string(itemmsg.RungNotAcknowledged), itemmsg.RungNotAcknowledged, ackDeadline(in.IssuedAt, cal, p), doers...)
	}
	for _, c := range it.Checkpoints {
		d, err := calendar.ParseDate(c)
		if err == nil {
			add(string(itemmsg.RungProgressMissing)+"@"+c, itemmsg.RungProgressMissing, at(d, p.DueTime), doers...)
		}
	}
	due, ok := Due(it, in.IssuedAt, cal, p)
	if !ok {
		sortSteps(steps)
		return steps
	}
	dueDay := dateOf(due)
	tag := "@" + dueDay.Format("2006-01-02")
	for _, n := range p.RemindBefore {
		add(string(itemmsg.RungBefore)+"-"+strconv.Itoa(n)+tag, itemmsg.RungBefore, at(cal.AddWorkdays(dueDay, -n), p.SendStart), doers...)
	}
	overdue := func(n int) time.Time { return at(cal.AddWorkdays(dueDay, n), p.SendStart) }
	add(string(itemmsg.RungUrge)+tag, itemmsg.RungUrge, overdue(p.UrgeAfter), doers...)
	add(string(itemmsg.RungUnitHead)+tag, itemmsg.RungUnitHead, overdue(p.EscalateUnitAfter), it.PrimaryPerson)
	add(string(itemmsg.RungIssuer)+tag, itemmsg.RungIssuer, overdue(p.EscalateIssuerAfter), in.IssuedBy)
	add(string(itemmsg.RungListed)+tag, itemmsg.RungListed, overdue(p.ListAfter), in.IssuedBy, it.PrimaryPerson)
	sortSteps(steps)
	return steps
}

// ackDeadline is when an item issued at issuedAt should have been signed for (签收): the
// policy's working days later, at the time of day it was issued.
func ackDeadline(issuedAt time.Time, cal *calendar.Calendar, p itemmsg.Policy) time.Time {
	fire := cal.AddWorkdays(issuedAt, p.AckWithin)
	t := issuedAt.In(calendar.Shanghai)
	return time.Date(fire.Year(), fire.Month(), fire.Day(), t.Hour(), t.Minute(), 0, 0, calendar.Shanghai)
}

// lightOf is an item's light at now as this run judges it: runs from the pass-down version
// on also tell a late acknowledgement apart (yellow, not red: the report is not late yet)
// and hold a split item at least yellow while a sub-item is red, saying so.
func (l *lifecycle) lightOf(it *itemmsg.Item, now time.Time) (light.Light, string) {
	lt, reason := LightAt(it, now, l.issuedAt, l.cal, l.policy)
	if !l.passDown || it.State.Terminal() {
		return lt, reason
	}
	if it.State == itemmsg.Issued && lt != light.Red && !now.Before(ackDeadline(l.issuedAt, l.cal, l.policy)) {
		lt, reason = light.Yellow, "超过签收时限仍未签收"
	}
	if len(it.Children) == 0 {
		return lt, reason
	}
	closed, red, yellow := 0, 0, 0
	for _, c := range it.Children {
		switch {
		case c.State.Terminal():
			closed++
		case c.Light == light.Red:
			red++
		case c.Light == light.Yellow:
			yellow++
		}
	}
	n := len(it.Children)
	var sentence string
	switch {
	case red > 0:
		sentence = fmt.Sprintf("下级%d个事项中%d个已超期", n, red)
	case yellow > 0:
		sentence = fmt.Sprintf("下级%d个事项中%d个亮黄灯", n, yellow)
	default:
		sentence = fmt.Sprintf("下级%d个事项已完成%d个", n, closed)
	}
	if red > 0 && lt == light.Green {
		return light.Yellow, sentence
	}
	return lt, reason + "；" + sentence
}

// childrenCount is a split item's sub-items closed or cancelled, and in all.
func childrenCount(it *itemmsg.Item) (closed, total int) {
	return len(it.Children) - pendingChildren(it.Children), len(it.Children)
}

// nextColourChange is the next moment an item's light may change colour, for quiet runs,
// which sleep through the days that only change a count: the deadline (red), the first day
// within the yellow threshold (spread over the first hour of the day by l.spread, since
// every workflow would wake at midnight), a checkpoint, the acknowledgement deadline.
func (l *lifecycle) nextColourChange(it *itemmsg.Item, now time.Time) (time.Time, bool) {
	cal, p, issuedAt := l.cal, l.policy, l.issuedAt
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if due, ok := Due(it, issuedAt, cal, p); ok && due.After(now) {
		consider(due)
		dueDay := dateOf(due)
		// The first day d after today with at most YellowDays working days left to dueDay; the
		// count only falls as d moves on, so a binary search over the days finds it.
		lo, hi := dateOf(now).AddDate(0, 0, 1), dueDay
		if !lo.After(hi) {
			for lo.Before(hi) {
				mid := lo.AddDate(0, 0, int(hi.Sub(lo).Hours()/24)/2)
				if cal.WorkdaysBetween(mid, dueDay) <= p.YellowDays {
					hi = mid
				} else {
					lo = mid.AddDate(0, 0, 1)
				}
			}
			consider(lo.Add(l.spread))
		}
	}
	for _, c := range it.Checkpoints {
		if d, err := calendar.ParseDate(c); err == nil {
			consider(at(d, p.DueTime))
		}
	}
	if l.passDown && it.State == itemmsg.Issued {
		consider(ackDeadline(issuedAt, cal, p))
	}
	return next, !next.IsZero()
}

// lookBackSteps are the re-check reminders (回头看) to the issuer after a close-out: one a
// round, sent in working hours from the round's day.
func (l *lifecycle) lookBackSteps(it *itemmsg.Item, in *itemmsg.UnitOrderInput) []Step {
	if !l.passDown || it.State != itemmsg.Closed || it.ClosedAt.IsZero() || in.IssuedBy == 0 {
		return nil
	}
	var steps []Step
	closed := dateOf(it.ClosedAt)
	for _, d := range l.policy.LookBacks() {
		fire := at(closed.AddDate(0, 0, d), l.policy.SendStart)
		steps = append(steps, Step{ID: fmt.Sprintf("%s-%d@%s", itemmsg.RungLookBack, d, closed.Format("2006-01-02")), Rung: itemmsg.RungLookBack,
			FireAt: fire, SendAt: l.cal.NextSendTime(fire, l.policy.SendStart, l.policy.SendEnd), Recipients: []int64{in.IssuedBy}})
	}
	return steps
}

func sortSteps(s []Step) {
	slices.SortStableFunc(s, func(a, b Step) int { return a.FireAt.Compare(b.FireAt) })
}

// nextLightChange is the next moment the item's light or its reason may change.
func (l *lifecycle) nextLightChange(it *itemmsg.Item, now time.Time) (time.Time, bool) {
	cal, p, issuedAt, passDown := l.cal, l.policy, l.issuedAt, l.passDown
	if it.State.Terminal() {
		return time.Time{}, false
	}
	if l.quiet {
		return l.nextColourChange(it, now)
	}
	// Reasons count working days, so they may change at every midnight; the deadline itself
	// turns the light red at its time of day; checkpoints at theirs.
	next := dateOf(now).AddDate(0, 0, 1)
	if passDown && it.State == itemmsg.Issued {
		if d := ackDeadline(issuedAt, cal, p); d.After(now) && d.Before(next) {
			next = d
		}
	}
	if due, ok := Due(it, issuedAt, cal, p); ok && due.After(now) && due.Before(next) {
		next = due
	}
	for _, c := range it.Checkpoints {
		if d, err := calendar.ParseDate(c); err == nil {
			if e := at(d, p.DueTime); e.After(now) && e.Before(next) {
				next = e
			}
		}
	}
	return next, true
}

// supervise brings every item's light up to now and fires the rungs that are due.
func (l *lifecycle) supervise(now time.Time, wfID string, in itemmsg.UnitOrderInput) itemmsg.RecordSupervisionInput {
	var rec itemmsg.RecordSupervisionInput
	for i := range l.items {
		it := &l.items[i]
		light, reason := l.lightOf(it, now)
		due, hasDue := Due(it, in.IssuedAt, l.cal, l.policy)
		dueText := ""
		if hasDue {
			dueText = due.Format(time.RFC3339)
		}
		closedKids, kids := childrenCount(it)
		kidsText := ""
		if kids > 0 {
			kidsText = strconv.Itoa(closedKids) + "/" + strconv.Itoa(kids)
		}
		reasonMoved := reason != it.LightReason
		if l.quiet {
			reasonMoved = !sameReason(reason, it.LightReason)
		}
		changed := light != it.Light || reasonMoved || dueText != it.DueWritten || kidsText != it.ChildrenWritten
		// Look-back reminders are written at 销号, ahead of their day: the workflow may have
		// ended by then, and the dispatcher of their slot waits for it.
		lookBacks := l.lookBackSteps(it, &in)
		for _, st := range append(Plan(it, &in, l.cal, l.policy), lookBacks...) {
			if st.Rung == itemmsg.RungLookBack {
				st.FireAt = now // recorded now, sent at SendAt
			}
			if st.FireAt.After(now) || slices.Contains(it.Fired, st.ID) {
				continue
			}
			it.Fired = append(it.Fired, st.ID)
			if st.Rung == itemmsg.RungListed && !it.Listed {
				it.Listed, changed = true, true
			}
			n := itemmsg.Notice{ItemID: it.ID, Rung: st.Rung, Consolidated: st.Rung.Consolidated(), FireAt: st.FireAt, SendAt: st.SendAt}
			if st.SendAt.Before(now) {
				// Fired late (the worker was down, or the order was entered after the fact):
				// send at the next moment in working hours from now, not in the past.
				n.SendAt = l.cal.NextSendTime(now, l.policy.SendStart, l.policy.SendEnd)
			}
			if hasDue {
				n.Due = dateOf(due).Format("2006-01-02")
				if now.After(due) {
					n.DaysOverdue = l.cal.WorkdaysBetween(dateOf(due), dateOf(now))
				} else {
					n.DaysLeft = l.cal.WorkdaysBetween(dateOf(now), dateOf(due))
				}
			}
			for _, p := range st.Recipients {
				n.PersonID = p
				n.Key = wfID + "/" + it.ID + "/" + st.ID + "/" + strconv.FormatInt(p, 10)
				rec.Notices = append(rec.Notices, n)
			}
		}
		if !changed {
			continue
		}
		it.Light, it.LightReason, it.DueWritten, it.ChildrenWritten = light, reason, dueText, kidsText
		it.SupervisionSeq++
		w := itemmsg.SupervisionWrite{ItemID: it.ID, Seq: it.SupervisionSeq, At: now, Light: light, Reason: reason, Listed: it.Listed,
			ChildrenTotal: kids, ChildrenClosed: closedKids}
		if hasDue {
			w.DueAt = &due
		}
		rec.Writes = append(rec.Writes, w)
	}
	return rec
}

// nextWake is the earliest moment a light may change or a rung fires.
func (l *lifecycle) nextWake(now time.Time, in itemmsg.UnitOrderInput) (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for i := range l.items {
		it := &l.items[i]
		if t, ok := l.nextLightChange(it, now); ok {
			consider(t)
		}
		for _, st := range Plan(it, &in, l.cal, l.policy) {
			if !slices.Contains(it.Fired, st.ID) {
				consider(st.FireAt)
			}
		}
	}
	return next, !next.IsZero()
}
