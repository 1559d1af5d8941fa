// Package api serves the staff API (JSON over chi). Every call acts as a signed-in person
// and is scoped by the organization tree (一级抓一级); errors leave through apperr.
package api

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/client"

	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/problemlist"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/internal/weak"
)

//go:embed openapi.json
var openapiDoc []byte

// Deps is what the API needs.
type Deps struct {
	Auth   *auth.Service
	Orders *order.Store
	Items  *items.Store
	Weak   *weak.Store
	// Rectification does the domain work of orders, items, imports, spreadsheets, reminder
	// policy, the calendar and bulletins; handlers only translate.
	Rectification *rectification.Service
	Temporal      client.Client
	TaskQueue     string
	// Deployment is the database's id that workflow ids start with.
	Deployment string
	// Now is the clock; nil for the wall clock.
	Now func() time.Time
	// Timeout bounds each request's work, Temporal calls included.
	Timeout time.Duration
	// PublicURL is where people reach the API; pages from its origin may send unsafe
	// requests with a session cookie even when a proxy changes the Host header.
	PublicURL string
}

type server struct {
	Deps
}

// New builds the HTTP handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	d.Temporal = reachable.Temporal(d.Temporal)
	sameSite := crossOrigin(originOf(d.PublicURL))
	s := &server{Deps: d}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer, sameSite)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Get("/api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiDoc)
	})
	r.Group(func(r chi.Router) {
		r.Use(d.Auth.Middleware, s.withTimeout)
		// Uploads read multipart/form-data; every other request body is JSON.
		uploads := r.With(d.Auth.RequireActor, bodyOf("multipart/form-data"))
		uploads.Post("/api/items/{id}/evidence", bounded(evidence.MaxSize+1<<20, reply(http.StatusCreated, s.uploadEvidence)))
		uploads.Post("/api/orders/import", bounded(problemlist.DefaultMaxBytes+1<<20, reply(http.StatusCreated, s.importSync)))
		uploads.Post("/api/imports", bounded(problemlist.DefaultMaxBytes+1<<20, reply(http.StatusAccepted, s.importAsync)))
		uploads.Post("/api/progress-sheet/preview", bounded(25<<20, reply(http.StatusCreated, s.previewProgress)))
		jsonBody := r.With(bodyOf("application/json"))
		d.Auth.Mount(jsonBody)
		jsonBody.Group(func(r chi.Router) {
			r.Use(d.Auth.RequireActor)
			r.Post("/api/orders/validate", replyTo(http.StatusOK, s.validateOrder))
			r.Post("/api/orders", replyTo(http.StatusCreated, s.createOrder))
			r.Get("/api/orders", reply(http.StatusOK, s.listOrders))
			r.Get("/api/orders/{id}", reply(http.StatusOK, s.getOrder))
			r.Post("/api/orders/{id}/issue", reply(http.StatusAccepted, s.issueOrder))
			r.Get("/api/items", reply(http.StatusOK, s.listItems))
			r.Get("/api/me/items", reply(http.StatusOK, s.myItems))
			r.Get("/api/items/{id}", reply(http.StatusOK, s.getItem))
			r.Post("/api/items/{id}/{action}", reply(http.StatusOK, s.act))
			r.Get("/api/evidence/{id}", sendFile(s.downloadEvidence))
			r.Get("/api/orders/{id}/reminder-plan", reply(http.StatusOK, s.reminderPlan))
			r.Get("/api/policy", reply(http.StatusOK, s.getPolicy))
			r.Put("/api/policy", replyTo(http.StatusOK, s.putPolicy))
			r.Get("/api/calendar", reply(http.StatusOK, s.getCalendar))
			r.Post("/api/calendar/years", reply(http.StatusCreated, s.uploadYear))
			r.Get("/api/imports/{id}", reply(http.StatusOK, s.importStatus))
			r.Get("/api/ledger", sendFile(s.exportLedger))
			r.Get("/api/progress-sheet", sendFile(s.progressSheet))
			r.Post("/api/progress-sheet/{id}/apply", reply(http.StatusOK, s.applyProgress))
			r.Get("/api/weak/reasons", s.weakReasons)
			r.Put("/api/weak/reasons", s.setWeakReasons)
			r.Post("/api/weak/campaigns", s.createCampaign)
			r.Get("/api/weak/campaigns", s.listCampaigns)
			r.Get("/api/weak/campaigns/{id}", s.getCampaign)
			r.Post("/api/weak/campaigns/{id}/proposals", s.propose)
			r.Get("/api/weak/campaigns/{id}/proposals", s.listProposals)
			r.Get("/api/weak/campaigns/{id}/cases", s.listCases)
			r.Post("/api/weak/campaigns/{id}/samples", s.drawSample)
			r.Post("/api/weak/campaigns/{id}/grades", s.gradeCampaign)
			r.Get("/api/weak/campaigns/{id}/ledger", s.campaignLedger)
			r.Post("/api/weak/proposals/{id}/determine", s.determine)
			r.Post("/api/weak/proposals/{id}/decline", s.decline)
			r.Get("/api/weak/cases/{id}", s.getCase)
			r.Post("/api/weak/cases/{id}/plan", s.casePlan)
			r.Post("/api/weak/cases/{id}/actions/{kind}", s.caseAction)
			r.Get("/api/bulletins", reply(http.StatusOK, s.listBulletins))
			r.Post("/api/bulletins", reply(http.StatusAccepted, s.publishBulletin))
			r.Get("/api/bulletins/{id}", reply(http.StatusOK, s.getBulletin))
			r.Get("/api/bulletins/{id}/xlsx", sendFile(s.bulletinXLSX))
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, notFound("path", "接口不存在"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, notFound("method", "接口不支持该请求方法"))
	})
	return r
}

func (s *server) withTimeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.Timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// scopeOf is what the actor may see, for the stores' SQL. A missing path never widens it.
func scopeOf(a auth.Actor) order.Scope {
	return order.Scope{UnitID: a.UnitID, Path: a.UnitPath, Subtree: a.SeesBelow() && a.UnitPath != ""}
}

func actor(r *http.Request) auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}
