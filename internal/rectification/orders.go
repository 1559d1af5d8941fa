package rectification

import (
	"context"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// Valid answers a draft that passed validation.
type Valid struct {
	Valid bool `json:"valid"`
}

// ValidateOrder checks a draft of the actor's unit without storing it.
func (s *Service) ValidateOrder(ctx context.Context, a auth.Actor, d order.Draft) (Valid, error) {
	if err := requireIssuer(a); err != nil {
		return Valid{}, err
	}
	if err := s.Orders.Validate(ctx, a.UnitID, d); err != nil {
		return Valid{}, err
	}
	return Valid{Valid: true}, nil
}

// Created is a stored draft order.
type Created struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// CreateOrder stores a draft order of the actor's unit.
func (s *Service) CreateOrder(ctx context.Context, a auth.Actor, d order.Draft) (Created, error) {
	if err := requireIssuer(a); err != nil {
		return Created{}, err
	}
	id, err := s.Orders.Create(ctx, a.UnitID, a.PersonID, d)
	if err != nil {
		return Created{}, err
	}
	return Created{ID: id, Status: "draft"}, nil
}

// OrderList is the orders an actor sees.
type OrderList struct {
	Orders []order.Order `json:"orders"`
}

// ListOrders lists the orders the actor sees, of one status or all.
func (s *Service) ListOrders(ctx context.Context, a auth.Actor, status string) (OrderList, error) {
	switch status {
	case "", "draft", "issuing", "issued":
	default:
		return OrderList{}, apperr.New(apperr.Invalid, "status", "状态应为draft、issuing或issued")
	}
	list, err := s.Orders.List(ctx, order.ScopeOf(a), status)
	return OrderList{Orders: list}, err
}

// GetOrder is one order as the actor sees it.
func (s *Service) GetOrder(ctx context.Context, a auth.Actor, id int64) (*order.Order, error) {
	return s.Orders.Get(ctx, order.ScopeOf(a), id)
}

// Issuing is an order whose issuance has started.
type Issuing struct {
	OrderID    int64  `json:"order_id"`
	Status     string `json:"status"`
	WorkflowID string `json:"workflow_id"`
}

// IssueOrder records the order as issuing and starts the issuance workflow, which puts every
// item under supervision in the background; it answers at once.
func (s *Service) IssueOrder(ctx context.Context, a auth.Actor, id int64) (Issuing, error) {
	if err := requireIssuer(a); err != nil {
		return Issuing{}, err
	}
	if _, err := s.Orders.Get(ctx, order.ScopeOf(a), id); err != nil {
		return Issuing{}, err
	}
	at, err := s.Orders.BeginIssue(ctx, id, a.UnitID, a.PersonID)
	if err != nil {
		return Issuing{}, err
	}
	wfID, err := item.StartIssue(ctx, s.Temporal, s.TaskQueue, itemmsg.IssueOrderInput{Deployment: s.Deployment, OrderID: id, IssuedBy: a.PersonID, IssuedAt: at})
	if err != nil {
		return Issuing{}, err
	}
	return Issuing{OrderID: id, Status: "issuing", WorkflowID: wfID}, nil
}
