package api

import (
	"net/http"

	"rectify/internal/auth"
	"rectify/internal/rectification"
)

func (s *server) listOrders(r *http.Request, a auth.Actor) (rectification.OrderList, error) {
	return s.Rectification.ListOrders(r.Context(), a, r.URL.Query().Get("status"))
}
