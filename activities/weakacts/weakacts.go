// Package weakacts holds the activities of the weak-branch case workflow
// (workflows/weakcase): writing a case and its events to the read model, and telling the
// people of a case something once each. Every method is safe to retry.
package weakacts

import (
	"context"
	"errors"
	"fmt"

	"rectify/internal/notify"
	"rectify/internal/org"
	"rectify/internal/weak"
	"rectify/workflows/weakcase/weakcasemsg"
)

// Activities holds what the case activities need.
type Activities struct {
	Weak     *weak.Store
	Org      *org.Store
	Notifier *notify.Notifier
}

// RecordCase writes a weak-branch case and its new events to the read model.
func (a *Activities) RecordCase(ctx context.Context, r weakcasemsg.Record) error {
	st := r.State
	w := weak.CaseWrite{CaseID: r.CaseID, Revision: st.Revision, Stage: string(st.Stage), Light: st.Light, LightReason: st.LightReason,
		ReportsReceived: len(st.Reports), Score: st.Score, Relapses: st.Relapses, At: r.At,
		CountyLeader: st.Ones.CountyLeader, TownshipLeader: st.Ones.TownshipLeader, FirstSecretary: st.Ones.FirstSecretary, PairedUnit: st.Ones.PairedUnit}
	if n := len(st.Reports); n > 0 {
		w.LastReportMonth = st.Reports[n-1]
	}
	if !st.AcceptedAt.IsZero() {
		w.AcceptedAt = &st.AcceptedAt
	}
	if !st.ClosedAt.IsZero() {
		w.ClosedAt = &st.ClosedAt
	}
	events := make([]weak.Event, len(r.Events))
	for i, e := range r.Events {
		events[i] = weak.Event{CaseID: r.CaseID, Revision: e.Revision, At: e.At, ActorID: e.ActorID, Kind: e.Kind,
			From: string(e.From), To: string(e.To), Detail: e.Detail}
	}
	return a.Weak.WriteCase(ctx, w, events)
}

// NotifyCase tells the people of a case something, once each (the key makes retries safe).
func (a *Activities) NotifyCase(ctx context.Context, n weakcasemsg.Notice) error {
	cs, err := a.Org.Contacts(ctx, n.People)
	if err != nil {
		return fmt.Errorf("NotifyCase: %w", err)
	}
	msg := notify.Message{Subject: n.Subject, Body: n.Body}
	var errs []error
	for _, c := range cs {
		r := notify.Recipient(c)
		msg.Body = r.Name + "同志：\n" + n.Body
		if _, err := a.Notifier.Deliver(ctx, fmt.Sprintf("%s/%d", n.Key, r.PersonID), r, "weak_case", nil, msg); err != nil && !errors.Is(err, notify.ErrUnreachable) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
