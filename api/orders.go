package api

import (
	"net/http"

	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/rectification"
)

func (s *server) validateOrder(r *http.Request, a auth.Actor, d order.Draft) (rectification.Valid, error) {
	return s.Rectification.ValidateOrder(r.Context(), a, d)
}

func (s *server) createOrder(r *http.Request, a auth.Actor, d order.Draft) (rectification.Created, error) {
	return s.Rectification.CreateOrder(r.Context(), a, d)
}

func (s *server) listOrders(r *http.Request, a auth.Actor) (rectification.OrderList, error) {
	return s.Rectification.ListOrders(r.Context(), a, r.URL.Query().Get("status"))
}

func (s *server) getOrder(r *http.Request, a auth.Actor) (*order.Order, error) {
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		return nil, err
	}
	return s.Rectification.GetOrder(r.Context(), a, id)
}

func (s *server) issueOrder(r *http.Request, a auth.Actor) (rectification.Issuing, error) {
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		return rectification.Issuing{}, err
	}
	return s.Rectification.IssueOrder(r.Context(), a, id)
}
