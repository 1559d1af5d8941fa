package api

import (
	"context"
	"io"
	"net/http"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/recalendar"
)

// PlanStep is one line of an order's reminder plan: who gets what, when.
type PlanStep struct {
	ItemID     string       `json:"item_id"`
	Unit       string       `json:"unit"`
	MeasureID  int64        `json:"measure_id"`
	Rung       itemmsg.Rung `json:"rung"`
	RungLabel  string       `json:"rung_label"`
	FireAt     time.Time    `json:"fire_at"`
	SendAt     time.Time    `json:"send_at"`
	Recipients []string     `json:"recipients"`
}

// reminderPlan shows, before (or after) issue, every reminder and escalation each item
// would get if nobody acted: computed by the same planning the workflows run.
func (s *server) reminderPlan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r, "id", "order_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Only the targets the caller sees: a township never sees its sibling's reminders.
	o, plan, err := s.Orders.PlanInScope(ctx, scopeOf(actor(r)), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	cal, err := s.Holidays.Current(ctx)
	if err != nil {
		writeError(w, r, err)
		return
	}
	issued := s.Now()
	if o.IssuedAt != nil {
		issued = *o.IssuedAt
	}
	units := map[int64]string{}
	for _, t := range o.Targets {
		units[t.UnitID] = t.Name
	}
	in := itemmsg.UnitOrderInput{OrderID: id, IssuerUnitID: plan.IssuerUnitID, IssuedAt: issued, IssuedBy: actor(r).PersonID, Policy: &plan.Policy}
	var steps []PlanStep
	var people []int64
	for _, unitID := range plan.Targets {
		for _, m := range plan.Measures {
			rs := m.Responsibility
			it := itemmsg.Item{State: itemmsg.Issued, Spec: itemmsg.Spec{ID: itemmsg.ItemID(m.ID, unitID), MeasureID: m.ID,
				DueDate: m.Due, WorkingDays: m.WorkingDays, WorkingDaysFrom: m.WorkingDaysFrom, Checkpoints: m.Checkpoints,
				PrimaryPerson: plan.Person(rs.Primary, unitID), DirectPerson: plan.Person(rs.Direct, unitID), HandlerPerson: plan.Person(rs.Handler, unitID)}}
			for _, st := range item.Plan(&it, &in, cal, plan.Policy) {
				steps = append(steps, PlanStep{ItemID: it.ID, Unit: units[unitID], MeasureID: m.ID, Rung: st.Rung, RungLabel: st.Rung.Label(),
					FireAt: st.FireAt, SendAt: st.SendAt, Recipients: ids(st.Recipients)})
				people = append(people, st.Recipients...)
			}
		}
	}
	names, err := s.personNames(ctx, people)
	if err != nil {
		writeError(w, r, err)
		return
	}
	for i := range steps {
		for j, p := range steps[i].Recipients {
			steps[i].Recipients[j] = names[p]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"order_id": id, "issued_at": issued, "policy": plan.Policy, "steps": steps,
		"warning": cal.MissingYearWarning(s.Now())})
}

// ids keeps person ids as strings until names replace them.
func ids(ps []int64) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = itoa(p)
	}
	return out
}

func (s *server) personNames(ctx context.Context, people []int64) (map[string]string, error) {
	slices.Sort(people)
	people = slices.Compact(people)
	cs, err := s.Org.Contacts(ctx, people)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range cs {
		out[itoa(c.PersonID)] = c.Name
	}
	return out, nil
}

// getPolicy returns the caller's department default supervision policy.
func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.Orders.DepartmentPolicy(r.Context(), actor(r).UnitID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// putPolicy sets the caller's department default; new orders copy it.
func (s *server) putPolicy(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := requireIssuer(a); err != nil {
		writeError(w, r, err)
		return
	}
	var p itemmsg.Policy
	if err := decode(r, &p); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Orders.SetDepartmentPolicy(r.Context(), a.UnitID, p, a.PersonID); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// getCalendar tells which years are known, warns when next year's table is missing, and
// answers a working-day question when given ?date= (and &add=N).
func (s *server) getCalendar(w http.ResponseWriter, r *http.Request) {
	cal, err := s.Holidays.Current(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	var years []int
	for _, y := range cal.Years() {
		years = append(years, y.Year)
	}
	uploaded, err := s.Holidays.InForce(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"years": years, "uploaded": uploaded, "fingerprint": cal.Fingerprint(), "warning": cal.MissingYearWarning(s.Now())}
	if d := r.URL.Query().Get("date"); d != "" {
		t, err := calendar.ParseDate(d)
		if err != nil {
			writeError(w, r, apperr.New(apperr.Invalid, "date", "“"+d+"”不是日期，应写作2006-01-02"))
			return
		}
		ok, name := cal.IsWorkday(t)
		out["date"], out["workday"], out["name"] = d, ok, name
		if n, err := queryInt(r, "add"); err != nil {
			writeError(w, r, err)
			return
		} else if n > 0 {
			sum, err := workdaysQuery(cal, t, n)
			if err != nil {
				writeError(w, r, err)
				return
			}
			out["plus_workdays"] = sum.Format("2006-01-02")
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// uploadYear loads a year's holiday table (holiday-cn JSON) without a rebuild, as that year's
// next version, and has every open item's working-day deadline recomputed; approved
// extensions stay. Only org staff of the top unit may (the store checks).
func (s *server) uploadYear(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, r, apperr.New(apperr.Invalid, "body", "请求体无法读取"))
		return
	}
	v, err := s.Holidays.Upload(r.Context(), body, a.PersonID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	cal, err := s.Holidays.Current(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	wfID := recalendar.RecalendarWorkflowID(s.Deployment, cal.Fingerprint())
	if _, err := s.Temporal.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{ID: wfID, TaskQueue: s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, recalendar.RecalendarWorkflow); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"year": v.Year, "days": v.Days, "version": v, "fingerprint": cal.Fingerprint(), "recompute_workflow": wfID})
}
