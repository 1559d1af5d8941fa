package pages

import (
	"crypto/rand"
	"fmt"

	"net/http"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
	"rectify/workflows/weakcase/weakcasemsg"
)

// weakStages are the stages cases are listed by, in the order a case goes through them.
var weakStages = []weakcasemsg.Stage{weakcasemsg.Rectifying, weakcasemsg.Prechecked, weakcasemsg.Consolidating, weakcasemsg.Closed}

// weak is 整顿 for the campaign asked for, or the latest one the person sees.
func (h *handler) weak(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
	v, err := h.weakView(w, r, a, id)
	h.show(w, r, "weak", v, err)
}

func (h *handler) weakView(w http.ResponseWriter, r *http.Request, a auth.Actor, id int64) (weakView, error) {
	ctx := r.Context()
	list, err := h.Weak.Campaigns(ctx, a)
	if err != nil {
		return weakView{}, err
	}
	v := weakView{Page: h.page(w, r, "weak.title")}
	c := v.c
	if done := r.URL.Query().Get("done"); slices.Contains([]string{"proposed", "determined", "declined"}, done) {
		v.Flash = c.T("weak.done." + done)
	}
	if len(list.Campaigns) == 0 {
		return v, nil
	}
	if id == 0 {
		id = list.Campaigns[0].ID
	}
	for _, cp := range list.Campaigns {
		v.Campaigns = append(v.Campaigns, stateFilter{URL: fmt.Sprintf("/weak?campaign=%d", cp.ID), Label: cp.Title, Current: cp.ID == id})
	}
	cf, err := h.Weak.Campaign(ctx, a, id)
	if err != nil {
		return weakView{}, err
	}
	v.Campaign, v.Lines = &cf.Campaign, weakLines(c, cf.Figures)
	v.Ledger = fmt.Sprintf("/weak/campaigns/%d/ledger", id)
	if v.Lang == "en" {
		v.Ledger += "?lang=en"
	}
	// Townships propose the branches below them; the county decides.
	v.CanPropose, v.CanDecide = a.CanIssue() && !a.Has(role.OrgStaff), a.Has(role.OrgStaff)
	if v.CanPropose {
		ch, err := h.Rectification.DraftChoices(ctx, a)
		if err != nil {
			return weakView{}, err
		}
		for _, u := range ch.Units {
			// The grassroots organizations a campaign is about; townships and agencies are not.
			if slices.Contains([]string{org.KindVillage, org.KindCommunity, org.KindBranch}, u.Kind) {
				v.Branches = append(v.Branches, weakOption{Value: u.Code, Label: u.Name})
			}
		}
		rs, err := h.Weak.Reasons(ctx, a)
		if err != nil {
			return weakView{}, err
		}
		for _, x := range rs.Reasons {
			v.Reasons = append(v.Reasons, weakOption{Value: strconv.FormatInt(x.ID, 10), Label: x.Category + "：" + x.Name})
		}
	}
	ps, err := h.Weak.Proposals(ctx, a, id)
	if err != nil {
		return weakView{}, err
	}
	for _, p := range ps.Proposals {
		pc := proposalCard{Proposal: p, Status: c.T("weak.status." + p.Status), Reasons: reasonsText(p.Reasons),
			Open: p.Status == "proposed" && v.CanDecide}
		if p.DecidedAt != nil {
			pc.Decided = c.When(*p.DecidedAt)
		}
		v.Proposals = append(v.Proposals, pc)
	}
	cs, err := h.Weak.Cases(ctx, a, id)
	if err != nil {
		return weakView{}, err
	}
	for _, st := range weakStages {
		ws := weakStage{Label: c.T("weak.stage." + string(st))}
		for _, k := range cs.Cases {
			if k.Stage == string(st) {
				ws.Cases = append(ws.Cases, k)
			}
		}
		if len(ws.Cases) > 0 {
			v.Stages = append(v.Stages, ws)
		}
	}
	return v, nil
}

// reasonsText is a proposal's reasons as one line, each with its note.
func reasonsText(rs []weak.ProposalReason) string {
	var out []string
	for _, x := range rs {
		s := x.Name
		if x.Note != "" {
			s += "（" + x.Note + "）"
		}
		out = append(out, s)
	}
	return strings.Join(out, "；")
}

// propose is a township's proposal of a branch with its reasons (排查).
func (h *handler) propose(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var posted proposalForm
	err := r.ParseForm()
	if err == nil {
		posted = proposalForm{Branch: r.PostFormValue("branch"), Note: strings.TrimSpace(r.PostFormValue("note")), Reasons: r.PostForm["reason"]}
		in := weakbranch.ProposalInput{Branch: posted.Branch}
		for _, s := range posted.Reasons {
			if n, perr := strconv.ParseInt(s, 10, 64); perr == nil {
				in.Reasons = append(in.Reasons, weak.ProposedReason{ReasonID: n, Note: posted.Note})
			}
		}
		_, err = h.Weak.Propose(r.Context(), a, id, in)
	} else {
		err = apperr.New(apperr.Invalid, "body", "表单无法读取，请重试")
	}
	h.weakDone(w, r, a, id, "propose", posted, "proposed", err)
}

// decide is the county's determination of a proposal with its four ones (认定), or its
// decline with a reason (不予认定).
func (h *handler) decide(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	campaign, _ := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "body", "表单无法读取，请重试"))
		return
	}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	posted := proposalForm{Ones: weak.FourOnes{CountyLeader: get("county_leader"), TownshipLeader: get("township_leader"),
		FirstSecretary: get("first_secretary"), PairedUnit: get("paired_unit")}, Decline: get("decline_note")}
	var err error
	done := "determined"
	switch r.PathValue("decision") {
	case "determine":
		_, err = h.Weak.Determine(r.Context(), a, id, weakbranch.Determination{FourOnes: posted.Ones, Note: get("note")})
	case "decline":
		done = "declined"
		err = h.Weak.Decline(r.Context(), a, id, weakbranch.Declining{Note: posted.Decline})
	default:
		err = apperr.New(apperr.NotFound, "decision", "不支持的操作")
	}
	h.weakDone(w, r, a, campaign, fmt.Sprintf("p-%d", id), posted, done, err)
}

// weakDone goes back to the campaign after a change, or shows it again with the refusal
// beside the form that was sent and what was typed kept.
func (h *handler) weakDone(w http.ResponseWriter, r *http.Request, a auth.Actor, campaign int64, form string, posted proposalForm, done string, err error) {
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/weak?campaign=%d&done=%s", campaign, done), http.StatusSeeOther)
		return
	}
	v, verr := h.weakView(w, r, a, campaign)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.ErrForm, v.Message, v.Posted = form, refusalText(err), posted
	for i := range v.Branches {
		v.Branches[i].Chosen = v.Branches[i].Value == posted.Branch
	}
	for i := range v.Reasons {
		v.Reasons[i].Chosen = slices.Contains(posted.Reasons, v.Reasons[i].Value)
	}
	h.render(w, r, apperr.Report(w, r, err), "weak", v)
}

// refusalText is a refusal as one sentence: its message, or its fields' messages.
func refusalText(err error) string {
	_, body := apperr.ToBody(err)
	var out []string
	for _, f := range body.Error.Fields {
		out = append(out, f.Message)
	}
	if len(out) == 0 {
		return body.Error.Message
	}
	return strings.Join(out, "；")
}

// weakLedger sends the campaign's ledger (台账) as a spreadsheet.
func (h *handler) weakLedger(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := h.Weak.Ledger(r.Context(), a, id, r.URL.Query().Get("lang") == "en")
	h.download(w, r, d, err)
}

// weakCase is one case with its events and forms.
func (h *handler) weakCase(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v, err := h.weakCaseView(w, r, a, rand.Text())
	h.show(w, r, "weak_case", v, err)
}

// weakCaseKinds are the actions the case page's forms send.
var weakCaseKinds = []string{"report", "precheck", "accept"}

// scoreItems are the lines a new acceptance score sheet starts with: the five standards a
// branch is held to (党支部“五化”), each line's item editable.
var scoreItems = []string{"支部设置标准化", "组织生活正常化", "管理服务精细化", "工作制度体系化", "阵地建设规范化"}

func (h *handler) weakCaseView(w http.ResponseWriter, r *http.Request, a auth.Actor, key string) (weakCaseView, error) {
	id, err := pathID(r, "case_id", "整顿案件不存在或无权查看")
	if err != nil {
		return weakCaseView{}, err
	}
	d, err := h.Weak.Case(r.Context(), a, id)
	if err != nil {
		return weakCaseView{}, err
	}
	v := weakCaseView{Page: h.page(w, r, "weak.case_title"), Case: d.Case, Key: key}
	c := v.c
	v.Title = d.Case.BranchName
	if done := r.URL.Query().Get("done"); slices.Contains(weakCaseKinds, done) {
		v.Flash = c.T("weak.done." + done)
	}
	v.Stage, v.Reasons, v.Determined = c.T("weak.stage."+d.Case.Stage), reasonsText(d.Case.Reasons), c.When(d.Case.DeterminedAt)
	if d.Case.Score != nil {
		v.Score = strconv.FormatFloat(*d.Case.Score, 'f', -1, 64)
	}
	v.CanAct = !role.ReadsOnly(a.Roles) && d.Case.Stage != string(weakcasemsg.Closed)
	v.CanPrecheck = a.CanIssue() && !a.Has(role.OrgStaff) && d.Case.Stage == string(weakcasemsg.Rectifying)
	v.CanAccept = a.Has(role.OrgStaff) && d.Case.Stage == string(weakcasemsg.Prechecked)
	for i, it := range scoreItems {
		v.Scores = append(v.Scores, scoreRow{N: i, Seq: i + 1, Item: it})
	}
	// A month's report is usually of the month just ended, but never of a month before the
	// case began.
	now := h.Weak.Now().In(order.Shanghai)
	v.Month = now.AddDate(0, 0, 1-now.Day()).AddDate(0, -1, 0).Format("2006-01")
	if first := d.Case.DeterminedAt.In(order.Shanghai).Format("2006-01"); v.Month < first {
		v.Month = first
	}
	for i := len(d.Events) - 1; i >= 0; i-- {
		e := d.Events[i]
		we := weakEvent{When: c.When(e.At), Kind: c.T("weak.event." + e.Kind), Stage: c.T("weak.stage." + e.To)}
		we.Month, _ = e.Detail["month"].(string)
		we.Note, _ = e.Detail["note"].(string)
		we.Outcome, _ = e.Detail["outcome"].(string)
		v.Events = append(v.Events, we)
	}
	return v, nil
}

// weakAct sends a monthly report or a pre-check to the case's workflow, then goes back to
// the case; a refusal shows the case again with the reason beside the form.
func (h *handler) weakAct(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	kind := r.PathValue("kind")
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var act weakcasemsg.Action
	var key string
	err := r.ParseForm()
	switch {
	case err != nil:
		err = apperr.New(apperr.Invalid, "body", "表单无法读取，请重试")
	case !slices.Contains(weakCaseKinds, kind):
		err = apperr.New(apperr.NotFound, "kind", "不支持的操作")
	default:
		key = r.PostFormValue("key")
		act = weakcasemsg.Action{Note: strings.TrimSpace(r.PostFormValue("note")), Month: strings.TrimSpace(r.PostFormValue("month")),
			Pass: r.PostFormValue("pass") == "yes"}
		if kind == "accept" {
			err = scoreSheet(r, &act)
		}
		if err == nil {
			_, err = h.Weak.Act(r.Context(), a, id, kind, key, act)
		}
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/weak/cases/%d?done=%s", id, kind), http.StatusSeeOther)
		return
	}
	v, verr := h.weakCaseView(w, r, a, keyAfter(err, key))
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.ErrForm, v.Message = kind, unconfirmed(v.c, err, refusalText(err))
	switch kind {
	case "report":
		v.Month, v.Note = cmpOr(act.Month, v.Month), act.Note
	case "accept":
		// The sheet as it was sent, for the person to fix.
		for i := range v.Scores {
			v.Scores[i].Item, v.Scores[i].Score = r.PostFormValue(fmt.Sprintf("item%d", i)), r.PostFormValue(fmt.Sprintf("score%d", i))
		}
		v.Polled, v.Dissatisfied = r.PostFormValue("polled"), r.PostFormValue("dissatisfied")
	}
	h.render(w, r, apperr.Report(w, r, err), "weak_case", v)
}

// scoreSheet reads the acceptance score sheet: a line for each item named, its score a
// number, and the villagers polled and dissatisfied.
func scoreSheet(r *http.Request, act *weakcasemsg.Action) error {
	for i := range scoreItems {
		item := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("item%d", i)))
		score := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("score%d", i)))
		if item == "" && score == "" {
			continue
		}
		n, err := strconv.ParseFloat(score, 64)
		if err != nil {
			return apperr.Newf(apperr.Invalid, "scores", "“%s”的得分应为数字", item)
		}
		act.Scores = append(act.Scores, weakcasemsg.ScoreLine{Item: item, Score: n})
	}
	var err error
	for _, x := range []struct {
		name, label string
		to          *int
	}{{"polled", "测评人数", &act.Polled}, {"dissatisfied", "不满意人数", &act.Dissatisfied}} {
		if *x.to, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue(x.name))); err != nil {
			return apperr.Newf(apperr.Invalid, x.name, "%s应为整数", x.label)
		}
	}
	return nil
}
