package pages

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rectify/internal/apperr"
	"rectify/internal/limits"
	"rectify/internal/order"
	"rectify/internal/rectification"
)

// The new-order form and order.Draft, both ways. Inputs are named as the service names the
// draft's fields in its refusals (problems[0].measures[1].deadline.due), so that every
// refusal finds its input; a person is chosen as pos:书记 (the holder of a position at each
// target) or login:wangfang.

// maxFormProblems bounds the problems read from one form; more than an order may hold is
// refused by the service anyway.
const maxFormProblems = 1000

// readDraft reads an order draft from a posted form.
func readDraft(f url.Values) order.Draft {
	d := order.Draft{Title: f.Get("title"), Source: f.Get("source"), DocNumber: f.Get("doc_number"), Targets: f["targets"]}
	for i := 0; i < maxFormProblems; i++ {
		p := fmt.Sprintf("problems[%d]", i)
		if _, ok := f[p+".description"]; !ok {
			break
		}
		pr := order.Problem{Description: f.Get(p + ".description")}
		for j := 0; j < limits.MaxDraftMeasures; j++ {
			m := fmt.Sprintf("%s.measures[%d]", p, j)
			if _, ok := f[m+".content"]; !ok {
				break
			}
			days, _ := strconv.Atoi(strings.TrimSpace(f.Get(m + ".deadline.working_days")))
			var checkpoints []string
			for _, cp := range f[m+".deadline.checkpoints"] {
				if cp = strings.TrimSpace(cp); cp != "" {
					checkpoints = append(checkpoints, cp)
				}
			}
			pr.Measures = append(pr.Measures, order.Measure{Content: f.Get(m + ".content"), Criterion: f.Get(m + ".criterion"),
				EvidenceExpected: f.Get(m + ".evidence_expected"),
				Responsibility: order.Responsibility{Primary: personRef(f.Get(m + ".responsibility.primary")),
					Direct: personRef(f.Get(m + ".responsibility.direct")), Handler: personRef(f.Get(m + ".responsibility.handler"))},
				Deadline: order.Deadline{Kind: f.Get(m + ".deadline.kind"), Due: strings.TrimSpace(f.Get(m + ".deadline.due")),
					WorkingDays: days, From: f.Get(m + ".deadline.from"), Checkpoints: checkpoints}})
		}
		d.Problems = append(d.Problems, pr)
	}
	return d
}

func personRef(v string) order.PersonRef {
	if pos, ok := strings.CutPrefix(v, "pos:"); ok {
		return order.PersonRef{Position: pos}
	}
	if login, ok := strings.CutPrefix(v, "login:"); ok {
		return order.PersonRef{Login: login}
	}
	return order.PersonRef{}
}

func refValue(r order.PersonRef) string {
	switch {
	case r.Position != "":
		return "pos:" + r.Position
	case r.Login != "":
		return "login:" + r.Login
	}
	return ""
}

// blankMeasure is a new measure: 限期整改, and the responsibility of the measure before it
// (most measures of an order go to the same posts).
func blankMeasure(prev *order.Measure) order.Measure {
	m := order.Measure{Deadline: order.Deadline{Kind: order.ByDate}}
	if prev != nil {
		m.Responsibility = prev.Responsibility
		m.Deadline.Kind = prev.Deadline.Kind
	}
	return m
}

// lastMeasure is the draft's last measure, if any.
func lastMeasure(d order.Draft) *order.Measure {
	for i := len(d.Problems) - 1; i >= 0; i-- {
		if ms := d.Problems[i].Measures; len(ms) > 0 {
			return &ms[len(ms)-1]
		}
	}
	return nil
}

// edit applies an editing button of the form (添加问题, 添加措施, 删除) to the draft; ok is
// false for anything else.
func edit(d *order.Draft, op string) bool {
	verb, at, _ := strings.Cut(op, ":")
	i, j := -1, -1
	if p, m, two := strings.Cut(at, "."); two {
		i, _ = strconv.Atoi(p)
		j, _ = strconv.Atoi(m)
	} else if at != "" {
		i, _ = strconv.Atoi(at)
	}
	inProblem := i >= 0 && i < len(d.Problems)
	switch {
	case verb == "add-problem":
		d.Problems = append(d.Problems, order.Problem{Measures: []order.Measure{blankMeasure(lastMeasure(*d))}})
	case verb == "add-measure" && inProblem:
		ms := d.Problems[i].Measures
		var prev *order.Measure
		if len(ms) > 0 {
			prev = &ms[len(ms)-1]
		}
		d.Problems[i].Measures = append(ms, blankMeasure(prev))
	case verb == "drop-problem" && inProblem:
		d.Problems = slices.Delete(d.Problems, i, i+1)
	case verb == "drop-measure" && inProblem && j >= 0 && j < len(d.Problems[i].Measures):
		d.Problems[i].Measures = slices.Delete(d.Problems[i].Measures, j, j+1)
	default:
		return false
	}
	return true
}

// formBuilder makes a form's fields and keeps them by name, so that refusals can be placed.
type formBuilder struct {
	c      *catalog
	fields map[string]*formField
	// holders take refusals of a list as a whole (problems, problems[0].measures).
	holders map[string]*[]string
}

func (b *formBuilder) field(name, kind, label, value string, required bool) *formField {
	f := &formField{Name: name, ID: inputID(name), Kind: kind, Label: label, Value: value, Required: required}
	b.fields[name] = f
	return f
}

func (b *formBuilder) text(name, labelKey, value string, required bool) *formField {
	return b.field(name, "text", b.c.T(labelKey), value, required)
}

func (b *formBuilder) choice(name, labelKey, value string, required bool, groups ...optionGroup) *formField {
	f := b.field(name, "select", b.c.T(labelKey), value, required)
	for _, g := range groups {
		// Options are shared between the fields that offer them: each field marks its own copy.
		g.Options = slices.Clone(g.Options)
		for i := range g.Options {
			g.Options[i].Selected = g.Options[i].Value == value
		}
		f.Groups = append(f.Groups, g)
	}
	return f
}

// orderForm builds the form for draft d from what the system has; no date before today
// may be picked. The people offered are
// the positions held below the issuer and, when one unit is chosen, that unit's people: a
// person named on an order to several units would be the same person at every one.
func orderForm(v *orderFormView, d order.Draft, ch rectification.DraftChoices, today string) *formBuilder {
	c := v.c
	b := &formBuilder{c: c, fields: map[string]*formField{}, holders: map[string]*[]string{}}
	sources := optionGroup{Options: []option{{Value: "", Label: c.T("order.choose")}}}
	for _, s := range ch.Sources {
		sources.Options = append(sources.Options, option{Value: s, Label: s})
	}
	v.Basics = basics{Title: b.text("title", "order.f.title", d.Title, true), Source: b.choice("source", "order.f.source", d.Source, true, sources),
		DocNumber: b.text("doc_number", "order.f.doc_number", d.DocNumber, false)}

	chosen := map[string]bool{}
	for _, t := range d.Targets {
		chosen[t] = true
	}
	v.Targets = targetChoice{Name: "targets", ID: inputID("targets")}
	var only []option // the people of the one unit chosen
	onlyName := ""
	for _, u := range ch.Units {
		box := targetBox{Code: u.Code, Name: u.Name, ID: "t-" + u.Code, Checked: chosen[u.Code]}
		if u.Code == u.Below {
			v.Targets.Groups = append(v.Targets.Groups, targetGroup{Top: box})
		} else if n := len(v.Targets.Groups); n > 0 {
			g := &v.Targets.Groups[n-1]
			g.Below = append(g.Below, box)
			g.Open = g.Open || box.Checked
		}
		if len(d.Targets) == 1 && chosen[u.Code] {
			onlyName = u.Name
			for _, p := range u.People {
				label := p.Name
				if p.Position != "" {
					label = c.T("order.person", p.Name, p.Position)
				}
				only = append(only, option{Value: "login:" + p.Login, Label: label})
			}
		}
	}
	b.fields["targets"] = &formField{ID: v.Targets.ID, Label: c.T("order.f.targets")}

	positions := optionGroup{Label: c.T("order.by_position")}
	for _, p := range ch.Positions {
		positions.Options = append(positions.Options, option{Value: "pos:" + p, Label: p})
	}
	people := func(required bool, current order.PersonRef) []optionGroup {
		none := c.T("order.choose")
		if !required {
			none = c.T("order.nobody")
		}
		groups := []optionGroup{{Options: []option{{Value: "", Label: none}}}, positions}
		if len(only) > 0 {
			groups = append(groups, optionGroup{Label: c.T("order.people_of", onlyName), Options: only})
		}
		// Keep what was chosen even when the choice is no longer offered, so that its
		// refusal has something to stand beside.
		if cur := refValue(current); cur != "" && !offered(groups, cur) {
			groups = append(groups, optionGroup{Label: c.T("order.chosen"), Options: []option{{Value: cur, Label: current.Position + current.Login}}})
		}
		return groups
	}
	b.holders["problems"] = &v.ProblemsErr
	for i, p := range d.Problems {
		pf := problemForm{N: i + 1, Prefix: fmt.Sprintf("problems[%d]", i), At: strconv.Itoa(i)}
		pf.ID = inputID(pf.Prefix)
		pf.Description = b.field(pf.Prefix+".description", "textarea", c.T("order.f.description"), p.Description, true)
		for j, m := range p.Measures {
			mf := measureForm{N: j + 1, Prefix: fmt.Sprintf("%s.measures[%d]", pf.Prefix, j), At: fmt.Sprintf("%d.%d", i, j)}
			mf.ID = inputID(mf.Prefix)
			at := func(s string) string { return mf.Prefix + "." + s }
			mf.Content = b.field(at("content"), "textarea", c.T("order.f.content"), m.Content, true)
			mf.Criterion = b.field(at("criterion"), "textarea", c.T("order.f.criterion"), m.Criterion, true)
			mf.Evidence = b.text(at("evidence_expected"), "order.f.evidence_expected", m.EvidenceExpected, false)
			r := m.Responsibility
			mf.Primary = b.choice(at("responsibility.primary"), "order.f.primary", refValue(r.Primary), true, people(true, r.Primary)...)
			mf.Direct = b.choice(at("responsibility.direct"), "order.f.direct", refValue(r.Direct), false, people(false, r.Direct)...)
			mf.Handler = b.choice(at("responsibility.handler"), "order.f.handler", refValue(r.Handler), true, people(true, r.Handler)...)
			dl := m.Deadline
			kinds := optionGroup{}
			for _, k := range []string{order.Immediate, order.ByDate, order.Ongoing} {
				kinds.Options = append(kinds.Options, option{Value: k, Label: c.DeadlineKind(k)})
			}
			mf.Kind = b.choice(at("deadline.kind"), "order.f.kind", dl.Kind, true, kinds)
			mf.Due = b.field(at("deadline.due"), "date", c.T("order.f.due"), dl.Due, false)
			mf.Due.Min = today
			days := ""
			if dl.WorkingDays != 0 {
				days = strconv.Itoa(dl.WorkingDays)
			}
			mf.WorkingDays = b.field(at("deadline.working_days"), "number", c.T("order.f.working_days"), days, false)
			mf.From = b.choice(at("deadline.from"), "order.f.from", dl.From, false, optionGroup{Options: []option{
				{Value: "issue", Label: c.T("order.from_issue")}, {Value: "acknowledge", Label: c.T("order.from_ack")}}})
			mf.More = days != "" || len(dl.Checkpoints) > 0
			// Four dates cover a year of quarterly checks; a longer plan comes by import.
			for k := range max(4, len(dl.Checkpoints)) {
				cp := ""
				if k < len(dl.Checkpoints) {
					cp = dl.Checkpoints[k]
				}
				f := &formField{Name: at("deadline.checkpoints"), ID: inputID(at("deadline.checkpoints")) + "-" + strconv.Itoa(k), Kind: "date",
					Label: c.T("order.checkpoint_n", k+1), Value: cp, Min: today}
				// A refusal of the k-th date stands beside it; one of the dates as a whole
				// beside the first.
				b.fields[fmt.Sprintf("%s[%d]", f.Name, k)] = f
				if k == 0 {
					b.fields[f.Name] = f
				}
				mf.Checkpoints = append(mf.Checkpoints, f)
			}
			pf.Measures = append(pf.Measures, mf)
		}
		v.Problems = append(v.Problems, pf)
	}
	// The holders of a problem's measures point into v.Problems, now that it stopped growing.
	for i := range v.Problems {
		b.holders[v.Problems[i].Prefix+".measures"] = &v.Problems[i].MeasuresErr
	}
	return b
}

func offered(groups []optionGroup, value string) bool {
	for _, g := range groups {
		for _, o := range g.Options {
			if o.Value == value {
				return true
			}
		}
	}
	return false
}

// place puts each refusal of err beside its field: the field itself, or the nearest field
// or list that contains it (targets[2] → targets, …primary.position → …primary). A refusal
// that belongs to nothing on the form is the form's own message. Every refusal is also
// listed on top, with a link to where it stands.
func (b *formBuilder) place(v *orderFormView, err error) {
	_, body := apperr.ToBody(err)
	list := body.Error.Fields
	if len(list) == 0 {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	for _, fe := range list {
		placed := false
		for name := fe.Field; name != "" && !placed; name = parent(name) {
			if f, ok := b.fields[name]; ok {
				f.Errs = append(f.Errs, fe.Message)
				if name == "targets" {
					v.Targets.Errs = append(v.Targets.Errs, fe.Message)
				}
				v.Summary = append(v.Summary, fieldProblem{ID: f.ID, Where: fieldLabel(v.c, fe.Field), Message: fe.Message})
				placed = true
			} else if h, ok := b.holders[name]; ok {
				*h = append(*h, fe.Message)
				v.Summary = append(v.Summary, fieldProblem{ID: inputID(name) + "-err", Where: fieldLabel(v.c, fe.Field), Message: fe.Message})
				placed = true
			}
		}
		if !placed {
			v.Message = join(v.Message, fe.Message)
		}
	}
}

// parent is the field that contains a field: a list entry's list, or a field's owner.
func parent(name string) string {
	if strings.HasSuffix(name, "]") {
		if i := strings.LastIndex(name, "["); i > 0 {
			return name[:i]
		}
	}
	if i := strings.LastIndex(name, "."); i > 0 {
		return name[:i]
	}
	return ""
}
