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

	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/problemlist"
	"rectify/internal/rectification"
	"rectify/internal/weakbranch"
)

//go:embed openapi.json
var openapiDoc []byte

// Deps is what the API needs.
type Deps struct {
	Auth *auth.Service
	// Rectification does the domain work of orders, items, imports, spreadsheets, reminder
	// policy, the calendar and bulletins; Weak that of weak-branch campaigns and cases.
	// Handlers only translate.
	Rectification *rectification.Service
	Weak          *weakbranch.Service
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
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
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
			r.Get("/api/weak/campaigns/{id}/ledger", sendFile(s.campaignLedger))
			r.Post("/api/weak/proposals/{id}/determine", replyTo(http.StatusCreated, s.determine))
			r.Post("/api/weak/proposals/{id}/decline", noContent(s.decline))
			r.Get("/api/weak/cases/{id}", reply(http.StatusOK, s.getCase))
			r.Post("/api/weak/cases/{id}/plan", replyTo(http.StatusCreated, s.casePlan))
			r.Post("/api/weak/cases/{id}/actions/{kind}", replyTo(http.StatusOK, s.caseAction))
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

func actor(r *http.Request) auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}
