package order

import "rectify/workflows/item/itemmsg"

// Specs are the items of the plan at the target unit unitID.
func (p *Plan) Specs(unitID int64) []itemmsg.Spec {
	var out []itemmsg.Spec
	for _, m := range p.Measures {
		if m.For(unitID) {
			out = append(out, p.Spec(m, unitID))
		}
	}
	return out
}

// ItemCount is how many items issuing the plan makes.
func (p *Plan) ItemCount() int {
	n := 0
	for _, u := range p.Targets {
		for _, m := range p.Measures {
			if m.For(u) {
				n++
			}
		}
	}
	return n
}

// Spec is the item of measure m at the target unit unitID as its workflow holds it. Issuance
// and the reminder plan both build items here, so the plan shows what issuance will start.
func (p *Plan) Spec(m PlannedMeasure, unitID int64) itemmsg.Spec {
	r := m.Responsibility
	return itemmsg.Spec{ID: itemmsg.ItemID(m.ID, unitID), MeasureID: m.ID, DeadlineKind: m.DeadlineKind, DueDate: m.Due,
		WorkingDays: m.WorkingDays, WorkingDaysFrom: m.WorkingDaysFrom, Checkpoints: m.Checkpoints,
		PrimaryPerson: p.Person(r.Primary, unitID), DirectPerson: p.Person(r.Direct, unitID),
		HandlerPerson: p.Person(r.Handler, unitID), ParentItemID: p.ParentItemID}
}
