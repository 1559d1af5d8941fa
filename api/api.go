// Package api serves the staff API (JSON over chi). Every call acts as a signed-in person
// and is scoped by the organization tree (一级抓一级); errors leave through apperr.
package api

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/httpguard"
	"rectify/internal/problemlist"
	"rectify/internal/rectification"
	"rectify/internal/telemetry"
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
	// Timeout bounds each request's work, Temporal calls included (httpguard.DefaultTimeout
	// when zero).
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
	sameSite := httpguard.CrossOrigin(httpguard.CrossOriginOptions{PublicURL: d.PublicURL, Deny: writeError, ExemptBearer: true})
	s := &server{Deps: d}
	r := chi.NewRouter()
	// The request id is given outside, by telemetry.Middleware, so that the log lines of a
	// request and its metrics share it.
	r.Use(telemetry.ChiRoute, middleware.Recoverer, sameSite)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Get("/api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiDoc)
	})
	r.Group(func(r chi.Router) {
		r.Use(d.Auth.Middleware, httpguard.Timeout(d.Timeout))
		// Uploads read multipart/form-data; every other request body is JSON.
		uploads := r.With(d.Auth.RequireActor, bodyOf("multipart/form-data"))
		uploads.Post("/api/items/{id}/evidence", bounded(evidence.MaxSize+1<<20, reply(http.StatusCreated, s.uploadEvidence)))
		uploads.Post("/api/orders/import", bounded(problemlist.DefaultMaxBytes+1<<20, reply(http.StatusCreated, s.importSync)))
		uploads.Post("/api/imports", bounded(problemlist.DefaultMaxBytes+1<<20, reply(http.StatusAccepted, s.importAsync)))
		uploads.Post("/api/progress-sheet/preview", bounded(25<<20, reply(http.StatusCreated, s.previewProgress)))
		jsonBody := r.With(bodyOf("application/json"))
		s.sessionRoutes(jsonBody)
		jsonBody.Group(func(r chi.Router) {
			r.Use(d.Auth.RequireActor)
			s.rectificationRoutes(r)
			s.passDownRoutes(r)
			s.weakRoutes(r)
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

// rectificationRoutes are the JSON routes of orders, items and their evidence, supervision,
// the calendar, imports, ledgers, progress sheets and bulletins.
func (s *server) rectificationRoutes(r chi.Router) {
	rect := s.Rectification
	r.Post("/api/orders/validate", replyTo(http.StatusOK, withBody(rect.ValidateOrder)))
	r.Post("/api/orders", replyTo(http.StatusCreated, withBody(rect.CreateOrder)))
	r.Get("/api/orders", reply(http.StatusOK, s.listOrders))
	r.Get("/api/orders/{id}", reply(http.StatusOK, byID("order_id", rect.GetOrder)))
	r.Post("/api/orders/{id}/issue", reply(http.StatusAccepted, byID("order_id", rect.IssueOrder)))
	r.Get("/api/dashboard", reply(http.StatusOK, s.dashboard))
	r.Get("/api/items", reply(http.StatusOK, s.listItems))
	r.Get("/api/me/items", reply(http.StatusOK, s.myItems))
	r.Get("/api/items/{id}", reply(http.StatusOK, s.getItem))
	r.Post("/api/items/{id}/{action}", reply(http.StatusOK, s.act))
	r.Get("/api/evidence/{id}", sendFile(byID("evidence_id", rect.EvidenceFile)))
	r.Get("/api/review", reply(http.StatusOK, asActor(rect.ReviewQueue)))
	r.Get("/api/orders/{id}/reminder-plan", reply(http.StatusOK, byID("order_id", rect.ReminderPlan)))
	r.Get("/api/policy", reply(http.StatusOK, asActor(rect.Policy)))
	r.Put("/api/policy", replyTo(http.StatusOK, withBody(rect.SetPolicy)))
	r.Get("/api/calendar", reply(http.StatusOK, s.getCalendar))
	r.Post("/api/calendar/years", reply(http.StatusCreated, s.uploadYear))
	r.Get("/api/imports/{id}", reply(http.StatusOK, s.importStatus))
	r.Get("/api/ledger", sendFile(s.exportLedger))
	r.Get("/api/progress-sheet", sendFile(s.progressSheet))
	r.Post("/api/progress-sheet/{id}/apply", reply(http.StatusOK, byID("upload_id", rect.ApplyProgress)))
	r.Get("/api/bulletins", reply(http.StatusOK, asActor(rect.ListBulletins)))
	// Publishing starts a bulletin of the caller's department now and answers at once.
	r.Post("/api/bulletins", reply(http.StatusAccepted, asActor(rect.PublishBulletin)))
	r.Get("/api/bulletins/{id}", reply(http.StatusOK, byID("bulletin_id", rect.GetBulletin)))
	r.Get("/api/bulletins/{id}/xlsx", sendFile(byID("bulletin_id", rect.BulletinSheet)))
}

// weakRoutes are the JSON routes of weak-branch rectification (软弱涣散党组织整顿): reasons,
// campaigns, proposals and cases.
func (s *server) weakRoutes(r chi.Router) {
	wb := s.Weak
	r.Get("/api/weak/reasons", reply(http.StatusOK, asActor(wb.Reasons)))
	r.Put("/api/weak/reasons", replyTo(http.StatusOK, withBody(wb.SetReasons)))
	r.Post("/api/weak/campaigns", replyTo(http.StatusCreated, withBody(wb.CreateCampaign)))
	r.Get("/api/weak/campaigns", reply(http.StatusOK, asActor(wb.Campaigns)))
	r.Get("/api/weak/campaigns/{id}", reply(http.StatusOK, byID("campaign_id", wb.Campaign)))
	r.Post("/api/weak/campaigns/{id}/proposals", replyTo(http.StatusCreated, byIDWithBody("campaign_id", wb.Propose)))
	r.Get("/api/weak/campaigns/{id}/proposals", reply(http.StatusOK, byID("campaign_id", wb.Proposals)))
	r.Get("/api/weak/campaigns/{id}/cases", reply(http.StatusOK, byID("campaign_id", wb.Cases)))
	r.Post("/api/weak/campaigns/{id}/samples", replyTo(http.StatusCreated, byIDWithBody("campaign_id", wb.DrawSample)))
	r.Post("/api/weak/campaigns/{id}/grades", reply(http.StatusOK, byID("campaign_id", wb.Grade)))
	r.Get("/api/weak/campaigns/{id}/ledger", sendFile(s.campaignLedger))
	r.Post("/api/weak/proposals/{id}/determine", replyTo(http.StatusCreated, byIDWithBody("proposal_id", wb.Determine)))
	r.Post("/api/weak/proposals/{id}/decline", noContent(s.decline))
	r.Get("/api/weak/cases/{id}", reply(http.StatusOK, byID("case_id", wb.Case)))
	r.Post("/api/weak/cases/{id}/plan", replyTo(http.StatusCreated, byIDWithBody("case_id", wb.MakePlan)))
	r.Post("/api/weak/cases/{id}/actions/{kind}", replyTo(http.StatusOK, s.caseAction))
}

func actor(r *http.Request) auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}
