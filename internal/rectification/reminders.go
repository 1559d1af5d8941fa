package rectification

import (
	"context"
	"slices"
	"strconv"
	"time"

	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// PlanStep is one line of an order's reminder plan: who gets what, when.
type PlanStep struct {
	ItemID     string       `json:"item_id"`
	Unit       string       `json:"unit"`
	MeasureID  int64        `json:"measure_id"`
	Rung       itemmsg.Rung `json:"rung"`
	RungLabel  string       `json:"rung_label"`
	FireAt     time.Time    `json:"fire_at"`
	SendAt     time.Time    `json:"send_at"`
	Recipients []string     `json:"recipients"`
}

// ReminderPlan is every reminder and escalation an order's items would get if nobody acted.
type ReminderPlan struct {
	OrderID  int64          `json:"order_id"`
	IssuedAt time.Time      `json:"issued_at"`
	Policy   itemmsg.Policy `json:"policy"`
	Steps    []PlanStep     `json:"steps"`
	// Warning says when next year's holiday table is missing, so later steps may move.
	Warning string `json:"warning"`
}

// ReminderPlan shows, before (or after) issue, the reminder plan of an order the actor
// sees, computed by the same planning the workflows run. Only the targets the actor sees
// are in it: a township never sees its sibling's reminders.
func (s *Service) ReminderPlan(ctx context.Context, a auth.Actor, orderID int64) (ReminderPlan, error) {
	o, plan, err := s.Orders.PlanInScope(ctx, order.ScopeOf(a), orderID)
	if err != nil {
		return ReminderPlan{}, err
	}
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		return ReminderPlan{}, err
	}
	issued := s.Now()
	if o.IssuedAt != nil {
		issued = *o.IssuedAt
	}
	units := map[int64]string{}
	for _, t := range o.Targets {
		units[t.UnitID] = t.Name
	}
	in := itemmsg.UnitOrderInput{OrderID: orderID, IssuerUnitID: plan.IssuerUnitID, IssuedAt: issued, IssuedBy: a.PersonID, Policy: &plan.Policy}
	var steps []PlanStep
	var people []int64
	for _, unitID := range plan.Targets {
		for _, spec := range plan.Specs(unitID) {
			it := itemmsg.Item{State: itemmsg.Issued, Spec: spec}
			for _, st := range item.Plan(&it, &in, cal, plan.Policy) {
				steps = append(steps, PlanStep{ItemID: it.ID, Unit: units[unitID], MeasureID: spec.MeasureID, Rung: st.Rung, RungLabel: st.Rung.Label(),
					FireAt: st.FireAt, SendAt: st.SendAt, Recipients: personIDs(st.Recipients)})
				people = append(people, st.Recipients...)
			}
		}
	}
	names, err := s.personNames(ctx, people)
	if err != nil {
		return ReminderPlan{}, err
	}
	for i := range steps {
		for j, p := range steps[i].Recipients {
			steps[i].Recipients[j] = names[p]
		}
	}
	return ReminderPlan{OrderID: orderID, IssuedAt: issued, Policy: plan.Policy, Steps: steps, Warning: cal.MissingYearWarning(s.Now())}, nil
}

// personIDs keeps person ids as strings until names replace them.
func personIDs(ps []int64) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strconv.FormatInt(p, 10)
	}
	return out
}

// personNames maps person ids, as strings, to names.
func (s *Service) personNames(ctx context.Context, people []int64) (map[string]string, error) {
	slices.Sort(people)
	people = slices.Compact(people)
	cs, err := s.Org.Contacts(ctx, people)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range cs {
		out[strconv.FormatInt(c.PersonID, 10)] = c.Name
	}
	return out, nil
}

// Policy is the supervision policy of the actor's department: new orders copy it.
func (s *Service) Policy(ctx context.Context, a auth.Actor) (itemmsg.Policy, error) {
	return s.Orders.DepartmentPolicy(ctx, a.UnitID)
}

// SetPolicy sets the supervision policy of the actor's department and answers it.
func (s *Service) SetPolicy(ctx context.Context, a auth.Actor, p itemmsg.Policy) (itemmsg.Policy, error) {
	if err := requireIssuer(a); err != nil {
		return itemmsg.Policy{}, err
	}
	if err := s.Orders.SetDepartmentPolicy(ctx, a.UnitID, p, a.PersonID); err != nil {
		return itemmsg.Policy{}, err
	}
	return p, nil
}
