package rectification

import (
	"context"

	"rectify/internal/auth"
	"rectify/internal/calendar"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// PassDownOffer is what may be done to pass an item down (分办, 转办) or to re-check it
// after 销号 (回头看) by the actor, with the people and units to choose from. It spares a
// form to who may not use it; Assign, Split and LookBack still judge each request.
type PassDownOffer struct {
	Assign   bool `json:"assign"`
	Split    bool `json:"split"`
	LookBack bool `json:"look_back"`
	// People are the item's unit's people, one of whom 分办 names as the handler.
	People []PersonChoice `json:"people,omitempty"`
	// Below are the units directly below the item's unit that have people, for 转办.
	Below []UnitChoice `json:"below,omitempty"`
	// ParentDue is the latest deadline a sub-item may have (the item's own, YYYY-MM-DD).
	ParentDue string `json:"parent_due,omitempty"`
}

// PersonChoice is a person offered as a handler.
type PersonChoice struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Position string `json:"position,omitempty"`
}

// UnitChoice is a unit offered for a sub-item, with its people.
type UnitChoice struct {
	Code   string         `json:"code"`
	Name   string         `json:"name"`
	People []PersonChoice `json:"people"`
}

// PassDownChoices is what the actor may do to pass item id down or re-check it, by the rules
// the commands apply: 分办 and 转办 by the item's own unit (转办 by its issuing roles, on an
// acknowledged or in-progress item, to at most MaxLevels), 回头看 by the issuer of a closed
// item.
func (s *Service) PassDownChoices(ctx context.Context, a auth.Actor, id string) (PassDownOffer, error) {
	row, err := s.Items.Get(ctx, order.ScopeOf(a), id, s.Now())
	if err != nil {
		return PassDownOffer{}, err
	}
	actor := itemmsg.Actor{PersonID: a.PersonID, Name: a.Name, UnitID: a.UnitID, Roles: a.Roles}
	may := func(act itemmsg.Action) bool { return item.MayAct(actor, act, row.UnitID, row.IssuerUnitID) == nil }
	st := itemmsg.State(row.State)
	open := st == itemmsg.Acknowledged || st == itemmsg.InProgress
	o := PassDownOffer{
		Assign:   (st == itemmsg.Issued || open) && may(itemmsg.Assign),
		LookBack: st == itemmsg.Closed && may(itemmsg.LookBackHolds),
	}
	if o.Assign {
		people, err := s.Org.PeopleAt(ctx, row.UnitID)
		if err != nil {
			return PassDownOffer{}, err
		}
		o.People = personChoices(people)
	}
	if !open || !may(itemmsg.Split) {
		return o, nil
	}
	level, err := s.Items.Level(ctx, row.ID)
	if err != nil || level >= MaxLevels {
		return o, err
	}
	units, err := s.Org.Children(ctx, row.UnitID)
	if err != nil {
		return PassDownOffer{}, err
	}
	for _, u := range units {
		people, err := s.Org.PeopleAt(ctx, u.ID)
		if err != nil {
			return PassDownOffer{}, err
		}
		if len(people) > 0 {
			o.Below = append(o.Below, UnitChoice{Code: u.Code, Name: u.Name, People: personChoices(people)})
		}
	}
	o.Split = len(o.Below) > 0
	// As createSplit reads the parent's deadline.
	o.ParentDue = row.Due
	if row.DueAt != nil {
		o.ParentDue = row.DueAt.In(calendar.Shanghai).Format("2006-01-02")
	}
	return o, nil
}

func personChoices(people []org.Person) []PersonChoice {
	out := make([]PersonChoice, 0, len(people))
	for _, p := range people {
		out = append(out, PersonChoice{Login: p.Login, Name: p.Name, Position: p.Position})
	}
	return out
}
