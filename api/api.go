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
	"rectify/internal/bulletin"
	"rectify/internal/evidence"
	"rectify/internal/holidays"
	"rectify/internal/imports"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/progress"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/internal/weakbranch"
)

//go:embed openapi.json
var openapiDoc []byte

// Deps is what the API needs.
type Deps struct {
	Auth      *auth.Service
	Orders    *order.Store
	Items     *items.Store
	Evidence  *evidence.Store
	Notifier  *notify.Notifier
	Holidays  *holidays.Store
	Bulletins *bulletin.Store
	Weak      *weakbranch.Service
	Org       *org.Store
	Progress  *progress.Store
	Imports   *imports.Service
	// Rectification does the domain work of orders and items; handlers only translate.
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
		uploads.Post("/api/items/{id}/evidence", s.uploadEvidence)
		uploads.Post("/api/orders/import", s.importSync)
		uploads.Post("/api/imports", s.importAsync)
		uploads.Post("/api/progress-sheet/preview", s.previewProgress)
		jsonBody := r.With(bodyOf("application/json"))
		d.Auth.Mount(jsonBody)
		jsonBody.Group(func(r chi.Router) {
			r.Use(d.Auth.RequireActor)
			r.Post("/api/orders/validate", replyTo(http.StatusOK, s.validateOrder))
			r.Post("/api/orders", replyTo(http.StatusCreated, s.createOrder))
			r.Get("/api/orders", reply(http.StatusOK, s.listOrders))
			r.Get("/api/orders/{id}", reply(http.StatusOK, s.getOrder))
			r.Post("/api/orders/{id}/issue", reply(http.StatusAccepted, s.issueOrder))
			r.Get("/api/items", s.listItems)
			r.Get("/api/me/items", s.myItems)
			r.Get("/api/items/{id}", s.getItem)
			r.Post("/api/items/{id}/{action}", s.act)
			r.Get("/api/evidence/{id}", s.downloadEvidence)
			r.Get("/api/orders/{id}/reminder-plan", s.reminderPlan)
			r.Get("/api/policy", s.getPolicy)
			r.Put("/api/policy", s.putPolicy)
			r.Get("/api/calendar", s.getCalendar)
			r.Post("/api/calendar/years", s.uploadYear)
			r.Get("/api/imports/{id}", s.importStatus)
			r.Get("/api/ledger", s.exportLedger)
			r.Get("/api/progress-sheet", s.progressSheet)
			r.Post("/api/progress-sheet/{id}/apply", s.applyProgress)
			r.Get("/api/weak/reasons", reply(http.StatusOK, s.weakReasons))
			r.Put("/api/weak/reasons", replyTo(http.StatusOK, s.setWeakReasons))
			r.Post("/api/weak/campaigns", replyTo(http.StatusCreated, s.createCampaign))
			r.Get("/api/weak/campaigns", reply(http.StatusOK, s.listCampaigns))
			r.Get("/api/weak/campaigns/{id}", reply(http.StatusOK, s.getCampaign))
			r.Post("/api/weak/campaigns/{id}/proposals", replyTo(http.StatusCreated, s.propose))
			r.Get("/api/weak/campaigns/{id}/proposals", reply(http.StatusOK, s.listProposals))
			r.Get("/api/weak/campaigns/{id}/cases", reply(http.StatusOK, s.listCases))
			r.Post("/api/weak/campaigns/{id}/samples", replyTo(http.StatusCreated, s.drawSample))
			r.Post("/api/weak/campaigns/{id}/grades", reply(http.StatusOK, s.gradeCampaign))
			r.Get("/api/weak/campaigns/{id}/ledger", s.campaignLedger)
			r.Post("/api/weak/proposals/{id}/determine", replyTo(http.StatusCreated, s.determine))
			r.Post("/api/weak/proposals/{id}/decline", noContent(s.decline))
			r.Get("/api/weak/cases/{id}", reply(http.StatusOK, s.getCase))
			r.Post("/api/weak/cases/{id}/plan", replyTo(http.StatusCreated, s.casePlan))
			r.Post("/api/weak/cases/{id}/actions/{kind}", replyTo(http.StatusOK, s.caseAction))
			r.Get("/api/bulletins", s.listBulletins)
			r.Post("/api/bulletins", s.publishBulletin)
			r.Get("/api/bulletins/{id}", s.getBulletin)
			r.Get("/api/bulletins/{id}/xlsx", s.bulletinXLSX)
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
