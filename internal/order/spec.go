package order

import "rectify/workflows/item/itemmsg"

// Spec is the item of measure m at the target unit unitID as its workflow holds it. Issuance
// and the reminder plan both build items here, so the plan shows what issuance will start.
func (p *Plan) Spec(m PlannedMeasure, unitID int64) itemmsg.Spec {
	r := m.Responsibility
	return itemmsg.Spec{ID: itemmsg.ItemID(m.ID, unitID), MeasureID: m.ID, DeadlineKind: m.DeadlineKind, DueDate: m.Due,
		WorkingDays: m.WorkingDays, WorkingDaysFrom: m.WorkingDaysFrom, Checkpoints: m.Checkpoints,
		PrimaryPerson: p.Person(r.Primary, unitID), DirectPerson: p.Person(r.Direct, unitID),
		HandlerPerson: p.Person(r.Handler, unitID)}
}
