package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/weak"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase"
	"rectify/workflows/weakcase/weakcasemsg"
)

func weakActor(a auth.Actor) weak.Actor {
	return weak.Actor{PersonID: a.PersonID, UnitID: a.UnitID, UnitPath: a.UnitPath}
}

func requireCounty(a auth.Actor) error {
	if !a.Has("org_staff") {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门干部可以办理")
	}
	return nil
}

func (s *server) weakReasons(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Weak.Reasons(r.Context(), actor(r).UnitID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reasons": rs})
}

func (s *server) setWeakReasons(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireCounty(a); err != nil {
		writeError(w, r, err)
		return
	}
	var body struct {
		Reasons []weak.ReasonInput `json:"reasons"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Weak.SetReasons(r.Context(), a.UnitID, body.Reasons, a.PersonID); err != nil {
		writeError(w, r, err)
		return
	}
	s.weakReasons(w, r)
}

func (s *server) createCampaign(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireCounty(a); err != nil {
		writeError(w, r, err)
		return
	}
	var body struct {
		Year   int                 `json:"year"`
		Title  string              `json:"title"`
		Policy *weakcasemsg.Policy `json:"policy"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	policy := weakcasemsg.DefaultPolicy()
	if body.Policy != nil {
		policy = *body.Policy
		// Checked before the campaign is created, so that a refused policy stores nothing.
		if err := apperr.InvalidFields(weak.PolicyErrors(policy)); err != nil {
			writeError(w, r, err)
			return
		}
	}
	c, err := s.Weak.CreateCampaign(r.Context(), a.UnitID, body.Year, body.Title, a.PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Weak.SetCampaignPolicy(r.Context(), c.ID, policy, a.PersonID); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "campaign": c, "policy": policy})
}

func (s *server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Weak.Campaigns(r.Context(), scopeOf(actor(r)))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": cs})
}

// getCampaign returns a campaign with its figures for bulletins.
func (s *server) getCampaign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Weak.Campaign(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f, err := s.Weak.FiguresInScope(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign": c, "figures": f})
}

func (s *server) propose(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !a.CanIssue() {
		writeError(w, r, apperr.New(apperr.Forbidden, "actor", "只有乡镇干部或组织部门干部可以提出软弱涣散党组织"))
		return
	}
	var body struct {
		Branch  string                `json:"branch"`
		Reasons []weak.ProposedReason `json:"reasons"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Weak.Propose(r.Context(), id, weakActor(a), body.Branch, body.Reasons)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *server) listProposals(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	ps, err := s.Weak.Proposals(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"proposals": ps})
}

// determine (认定) makes a proposal a case and starts its workflow.
func (s *server) determine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	if err := requireCounty(a); err != nil {
		writeError(w, r, err)
		return
	}
	id, err := pathID(r, "id", "proposal_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var body struct {
		weak.FourOnes
		Note string `json:"note"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Weak.Determine(ctx, id, weakActor(a), body.FourOnes, body.Note, func(caseID int64) string {
		return weakcasemsg.WorkflowID(s.Deployment, caseID)
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.startCase(r, c.ID); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// startCase starts a case's workflow; starting it again finds the one running.
func (s *server) startCase(r *http.Request, caseID int64) error {
	in, err := s.Weak.StartInput(r.Context(), caseID, s.Deployment)
	if err != nil {
		return err
	}
	return weakcase.Start(r.Context(), s.Temporal, s.TaskQueue, in)
}

func (s *server) decline(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireCounty(a); err != nil {
		writeError(w, r, err)
		return
	}
	id, err := pathID(r, "id", "proposal_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var body struct {
		Note string `json:"note"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Weak.Decline(r.Context(), id, weakActor(a), body.Note); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) listCases(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	cs, err := s.Weak.Cases(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": cs})
}

func (s *server) getCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, events, err := s.Weak.Case(r.Context(), scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": c, "events": events})
}

// casePlan makes the one-village plan (一村一策): four-list measures issued by the county to
// the branch as an order, so its items get the same deadlines, reminders and close-out.
func (s *server) casePlan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	if err := requireCounty(a); err != nil {
		writeError(w, r, err)
		return
	}
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, _, err := s.Weak.Case(ctx, scopeOf(a), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The plan is issued by the campaign's county, never by a unit above that sees the case.
	if err := s.Weak.RequireCountyStaff(ctx, c.CampaignID, weakActor(a), "制定整顿方案"); err != nil {
		writeError(w, r, err)
		return
	}
	if c.PlanOrderID != 0 {
		writeError(w, r, apperr.New(apperr.Conflict, "plan", "该党组织已有整顿方案"))
		return
	}
	var body struct {
		Problems []order.Problem `json:"problems"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	d := order.Draft{Title: c.BranchName + "整顿方案（一村一策）", Source: "调研", Targets: []string{c.BranchCode}, Problems: body.Problems}
	oid, err := s.Orders.Create(ctx, a.UnitID, a.PersonID, d)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Weak.SetPlanOrder(ctx, id, oid, a.PersonID); err != nil {
		writeError(w, r, err)
		return
	}
	at, err := s.Orders.BeginIssue(ctx, oid, a.UnitID, a.PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := item.StartIssue(ctx, s.Temporal, s.TaskQueue, itemmsg.IssueOrderInput{Deployment: s.Deployment, OrderID: oid, IssuedBy: a.PersonID, IssuedAt: at}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"case_id": id, "plan_order_id": oid})
}

var caseKinds = map[string]weakcasemsg.Kind{"report": weakcasemsg.Report, "precheck": weakcasemsg.Precheck, "accept": weakcasemsg.Accept,
	"lookback": weakcasemsg.Lookback, "sample-check": weakcasemsg.SampleCheck, "assign": weakcasemsg.Assign}

// caseAction sends an action to the case's workflow as an Update: refused at once with the
// reason, or done.
func (s *server) caseAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	id, err := pathID(r, "id", "case_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	kind, ok := caseKinds[chi.URLParam(r, "kind")]
	if !ok {
		writeError(w, r, notFound("kind", "不支持的操作“"+chi.URLParam(r, "kind")+"”"))
		return
	}
	c, _, err := s.Weak.Case(ctx, scopeOf(a), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var act weakcasemsg.Action
	if err := decode(r, &act); err != nil {
		writeError(w, r, err)
		return
	}
	if err := weak.CheckAction(act); err != nil {
		writeError(w, r, err)
		return
	}
	act.Kind = kind
	act.Actor = weakcasemsg.Actor{PersonID: a.PersonID, UnitID: a.UnitID, Roles: a.Roles}
	act.Key = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if kind == weakcasemsg.Assign {
		// The same rules as determination, checked only for those who may assign, so that
		// nobody else learns who a person id is.
		if err := s.Weak.RequireCountyStaff(ctx, c.CampaignID, weakActor(a), "调整四个一"); err != nil {
			writeError(w, r, err)
			return
		}
		if err := s.Weak.ValidateAssignment(ctx, id, act.Role, act.Assignee); err != nil {
			writeError(w, r, err)
			return
		}
	}
	act.PlanOpen = 0
	if c.PlanOrderID != 0 {
		if err := s.Items.Each(ctx, scopeOf(a), items.Filter{OrderID: c.PlanOrderID, Open: true}, s.Now(), func(items.Row) error {
			act.PlanOpen++
			return nil
		}); err != nil {
			writeError(w, r, err)
			return
		}
	}
	// A new Update each time: the case workflow judges repeated keys itself (see item actions).
	res, err := weakcase.Act(ctx, s.Temporal, s.Deployment, id, uuid.NewString(), act)
	if e, ok := refusal(err); ok {
		err = e
	} else if err != nil && workflowGone(err) {
		err = &apperr.Error{Kind: apperr.Conflict, Field: "stage", Message: "该党组织的整顿案件已结束", Err: err}
	} else if err != nil && ctx.Err() != nil {
		err = unconfirmed(err)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// countyCampaign is the campaign in the path, for a county staff member who can see it;
// the stores check that they are staff of the campaign's own county.
func (s *server) countyCampaign(r *http.Request) (auth.Actor, int64, error) {
	a := actor(r)
	if err := requireCounty(a); err != nil {
		return a, 0, err
	}
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		return a, 0, err
	}
	_, err = s.Weak.Campaign(r.Context(), scopeOf(a), id)
	return a, id, err
}

func (s *server) drawSample(w http.ResponseWriter, r *http.Request) {
	a, id, err := s.countyCampaign(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// No seed is taken from the caller: the server draws it, and records it.
	var body struct {
		Round int     `json:"round"`
		Share float64 `json:"share"`
	}
	if err := decode(r, &body); err != nil {
		writeError(w, r, err)
		return
	}
	sm, err := s.Weak.Draw(r.Context(), id, body.Round, body.Share, weakActor(a))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sm)
}

func (s *server) gradeCampaign(w http.ResponseWriter, r *http.Request) {
	a, id, err := s.countyCampaign(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	g, err := s.Weak.Grade(r.Context(), id, weakActor(a))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *server) campaignLedger(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "campaign_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := s.Weak.WriteLedger(r.Context(), scopeOf(actor(r)), id, &buf, r.URL.Query().Get("lang") == "en"); err != nil {
		writeError(w, r, err)
		return
	}
	attachment(w, fmt.Sprintf("软弱涣散党组织整顿台账-%d.xlsx", id))
	_, _ = io.Copy(w, &buf)
}
