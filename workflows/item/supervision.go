package item

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
)

// Policy is how an order is supervised (督办规则): when lights turn, who is reminded and
// when, and when overdue work climbs the ladder. Counts are working days.
type Policy struct {
	YellowDays          int    `json:"yellow_days"`           // yellow when this close to the deadline
	RemindBefore        []int  `json:"remind_before"`         // reminders this many working days before
	AckWithin           int    `json:"ack_within"`            // remind when not signed for within
	UrgeAfter           int    `json:"urge_after"`            // 催办 to handler and 直接责任人
	EscalateUnitAfter   int    `json:"escalate_unit_after"`   // 督办 to the unit's head (第一责任人)
	EscalateIssuerAfter int    `json:"escalate_issuer_after"` // 督办 to the issuing department
	ListAfter           int    `json:"list_after"`            // 挂牌督办
	DueTime             string `json:"due_time"`              // a deadline ends at this time of its day
	SendStart           string `json:"send_start"`            // messages go out from
	SendEnd             string `json:"send_end"`              // until
}

// DefaultPolicy is the department default when none is set.
func DefaultPolicy() Policy {
	return Policy{YellowDays: 3, RemindBefore: []int{3, 1}, AckWithin: 1, UrgeAfter: 1,
		EscalateUnitAfter: 3, EscalateIssuerAfter: 5, ListAfter: 10,
		DueTime: "17:30", SendStart: "08:30", SendEnd: "17:30"}
}

// Validate reports every problem with the policy, each naming its field.
func (p Policy) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	add := func(f, m string) { errs = append(errs, apperr.FieldError{Field: "policy." + f, Message: m}) }
	if p.YellowDays < 0 || p.YellowDays > 60 {
		add("yellow_days", "黄灯提前量应在0到60个工作日之间")
	}
	for i, d := range p.RemindBefore {
		if d < 0 || d > 60 {
			add(fmt.Sprintf("remind_before[%d]", i), "到期前提醒应在0到60个工作日之间")
		}
	}
	if p.AckWithin < 1 {
		add("ack_within", "签收时限至少1个工作日")
	}
	if p.UrgeAfter < 1 {
		add("urge_after", "催办至少在超期后第1个工作日")
	}
	if p.EscalateUnitAfter < p.UrgeAfter {
		add("escalate_unit_after", "督办责任单位负责人不能早于催办")
	}
	if p.EscalateIssuerAfter < p.EscalateUnitAfter {
		add("escalate_issuer_after", "督办交办部门不能早于督办责任单位负责人")
	}
	if p.ListAfter < p.EscalateIssuerAfter {
		add("list_after", "挂牌督办不能早于督办交办部门")
	}
	for f, v := range map[string]string{"due_time": p.DueTime, "send_start": p.SendStart, "send_end": p.SendEnd} {
		if _, _, err := calendar.ParseClock(v); err != nil {
			add(f, "时间“"+v+"”应写作08:30的形式")
		}
	}
	slices.SortFunc(errs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// Light is a warning light (红黄绿灯).
type Light string

// Lights.
const (
	Green   Light = "green"
	Yellow  Light = "yellow"
	Red     Light = "red"
	NoLight Light = "none" // closed or cancelled
)

// Rung is a step of reminders and escalation.
type Rung string

// Rungs, in the order they usually come.
const (
	RungNotAcknowledged Rung = "not_acknowledged"   // 未签收提醒
	RungBefore          Rung = "reminder_before"    // 到期提醒
	RungProgressMissing Rung = "progress_missing"   // 进展报送提醒
	RungUrge            Rung = "overdue_urge"       // 催办
	RungUnitHead        Rung = "escalate_unit_head" // 督办（责任单位负责人）
	RungIssuer          Rung = "escalate_issuer"    // 督办（交办部门）
	RungListed          Rung = "listed"             // 挂牌督办
)

// Label is the rung as users read it.
func (r Rung) Label() string {
	switch r {
	case RungNotAcknowledged:
		return "未签收提醒"
	case RungBefore:
		return "到期提醒"
	case RungProgressMissing:
		return "进展报送提醒"
	case RungUrge:
		return "催办"
	case RungUnitHead:
		return "督办（责任单位负责人）"
	case RungIssuer:
		return "督办（交办部门）"
	case RungListed:
		return "挂牌督办"
	}
	return string(r)
}

// Consolidated rungs are reminders: at most one message per person, channel and working
// day. Escalations go out as they happen.
func (r Rung) Consolidated() bool {
	return r == RungNotAcknowledged || r == RungBefore || r == RungProgressMissing || r == RungUrge
}

// Step is one planned rung for one item.
type Step struct {
	ID         string    `json:"id"` // unique per item and deadline, e.g. reminder_before-3@2026-03-02
	Rung       Rung      `json:"rung"`
	FireAt     time.Time `json:"fire_at"` // when the rung is due
	SendAt     time.Time `json:"send_at"` // first moment in working hours
	Recipients []int64   `json:"recipients"`
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
func (it *Item) Due(issuedAt time.Time, cal *calendar.Calendar, p Policy) (time.Time, bool) {
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
func (it *Item) LightAt(now, issuedAt time.Time, cal *calendar.Calendar, p Policy) (Light, string) {
	if it.State.Terminal() {
		return NoLight, it.State.Label()
	}
	due, ok := it.Due(issuedAt, cal, p)
	if ok && !now.Before(due) {
		n := cal.WorkdaysBetween(dateOf(due), dateOf(now))
		if n == 0 {
			return Red, "已超过完成时限"
		}
		return Red, "已超期" + strconv.Itoa(n) + "个工作日"
	}
	if cp, late := it.lateCheckpoint(now, p); late {
		return Yellow, "未按期报送进展（检查节点" + cp + "）"
	}
	if !ok {
		if it.State == Issued && it.WorkingDaysFrom == "acknowledge" {
			return Green, "签收后起算" + strconv.Itoa(it.WorkingDays) + "个工作日"
		}
		return Green, "长期坚持，按节点报送进展"
	}
	left := cal.WorkdaysBetween(dateOf(now), dateOf(due))
	if left == 0 {
		return Yellow, "今天到期"
	}
	if left <= p.YellowDays {
		return Yellow, "距完成时限还有" + strconv.Itoa(left) + "个工作日"
	}
	return Green, "距完成时限还有" + strconv.Itoa(left) + "个工作日"
}

// lateCheckpoint finds the latest passed checkpoint of a 长期坚持 item when no progress
// report has come since the checkpoint before it.
func (it *Item) lateCheckpoint(now time.Time, p Policy) (string, bool) {
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
func (it *Item) Plan(in *UnitOrderInput, cal *calendar.Calendar, p Policy) []Step {
	// Terminal items need nothing; while close-out awaits review the issuer holds the item.
	if it.State.Terminal() || it.State == CloseRequested {
		return nil
	}
	var steps []Step
	add := func(id string, r Rung, fire time.Time, to ...int64) {
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
	if it.State == Issued {
		fire := cal.AddWorkdays(in.IssuedAt, p.AckWithin)
		fire = time.Date(fire.Year(), fire.Month(), fire.Day(), in.IssuedAt.In(calendar.Shanghai).Hour(), in.IssuedAt.In(calendar.Shanghai).Minute(), 0, 0, calendar.Shanghai)
		add(string(RungNotAcknowledged), RungNotAcknowledged, fire, doers...)
	}
	for _, c := range it.Checkpoints {
		d, err := calendar.ParseDate(c)
		if err == nil {
			add(string(RungProgressMissing)+"@"+c, RungProgressMissing, at(d, p.DueTime), doers...)
		}
	}
	due, ok := it.Due(in.IssuedAt, cal, p)
	if !ok {
		sortSteps(steps)
		return steps
	}
	dueDay := dateOf(due)
	tag := "@" + dueDay.Format("2006-01-02")
	for _, n := range p.RemindBefore {
		add(string(RungBefore)+"-"+strconv.Itoa(n)+tag, RungBefore, at(cal.AddWorkdays(dueDay, -n), p.SendStart), doers...)
	}
	overdue := func(n int) time.Time { return at(cal.AddWorkdays(dueDay, n), p.SendStart) }
	add(string(RungUrge)+tag, RungUrge, overdue(p.UrgeAfter), doers...)
	add(string(RungUnitHead)+tag, RungUnitHead, overdue(p.EscalateUnitAfter), it.PrimaryPerson)
	add(string(RungIssuer)+tag, RungIssuer, overdue(p.EscalateIssuerAfter), in.IssuedBy)
	add(string(RungListed)+tag, RungListed, overdue(p.ListAfter), in.IssuedBy, it.PrimaryPerson)
	sortSteps(steps)
	return steps
}

func sortSteps(s []Step) {
	slices.SortStableFunc(s, func(a, b Step) int { return a.FireAt.Compare(b.FireAt) })
}

// nextLightChange is the next moment the item's light or its reason may change.
func (it *Item) nextLightChange(now, issuedAt time.Time, cal *calendar.Calendar, p Policy) (time.Time, bool) {
	if it.State.Terminal() {
		return time.Time{}, false
	}
	// Reasons count working days, so they may change at every midnight; the deadline itself
	// turns the light red at its time of day; checkpoints at theirs.
	next := dateOf(now).AddDate(0, 0, 1)
	if due, ok := it.Due(issuedAt, cal, p); ok && due.After(now) && due.Before(next) {
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
func (l *lifecycle) supervise(now time.Time, wfID string, in UnitOrderInput) RecordSupervisionInput {
	var rec RecordSupervisionInput
	for i := range l.items {
		it := &l.items[i]
		light, reason := it.LightAt(now, in.IssuedAt, l.cal, l.policy)
		due, hasDue := it.Due(in.IssuedAt, l.cal, l.policy)
		dueText := ""
		if hasDue {
			dueText = due.Format(time.RFC3339)
		}
		changed := light != it.Light || reason != it.LightReason || dueText != it.DueWritten
		for _, st := range it.Plan(&in, l.cal, l.policy) {
			if st.FireAt.After(now) || slices.Contains(it.Fired, st.ID) {
				continue
			}
			it.Fired = append(it.Fired, st.ID)
			if st.Rung == RungListed && !it.Listed {
				it.Listed, changed = true, true
			}
			n := Notice{ItemID: it.ID, Rung: st.Rung, Consolidated: st.Rung.Consolidated(), FireAt: st.FireAt, SendAt: st.SendAt}
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
		it.Light, it.LightReason, it.DueWritten = light, reason, dueText
		it.SupervisionSeq++
		w := SupervisionWrite{ItemID: it.ID, Seq: it.SupervisionSeq, At: now, Light: light, Reason: reason, Listed: it.Listed}
		if hasDue {
			w.DueAt = &due
		}
		rec.Writes = append(rec.Writes, w)
	}
	return rec
}

// nextWake is the earliest moment a light may change or a rung fires.
func (l *lifecycle) nextWake(now time.Time, in UnitOrderInput) (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for i := range l.items {
		it := &l.items[i]
		if t, ok := it.nextLightChange(now, in.IssuedAt, l.cal, l.policy); ok {
			consider(t)
		}
		for _, st := range it.Plan(&in, l.cal, l.policy) {
			if !slices.Contains(it.Fired, st.ID) {
				consider(st.FireAt)
			}
		}
	}
	return next, !next.IsZero()
}
