package order

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/limits"
)

// fuzzDirectory is a county C with townships T1 and T2 and a village V11, as the store
// would load it for the county's issuer.
func fuzzDirectory() *directory {
	d := &directory{units: map[string]unitInfo{}, byLogin: map[string]personInfo{}, byPosition: map[[2]string]personInfo{}}
	for i, u := range []unitInfo{{1, "C", "某某县", "1."}, {2, "T1", "城关镇", "1.2."}, {3, "T2", "河西乡", "1.3."}, {4, "V11", "东村", "1.2.4."}} {
		if i == 0 {
			d.issuer = u
		}
		d.units[u.Code] = u
	}
	for _, p := range []personInfo{{1, "zuzhi", 1, "科长"}, {2, "t1sj", 2, "书记"}, {3, "t1zz", 2, "组织委员"}, {4, "t2sj", 3, "书记"}, {5, "t2zz", 3, "组织委员"}} {
		d.addPerson(p)
	}
	return d
}

// FuzzValidateDraft feeds order drafts (POST /api/orders and /api/orders/validate) through
// the strict JSON decoding and the validation Create runs. A refused draft names every
// problem's field; an accepted one resolves every target and keeps every deadline within
// the horizon.
func FuzzValidateDraft(f *testing.F) {
	f.Add([]byte(`{"title":"关于巡察反馈问题的整改通知","source":"巡察","targets":["T1","T2"],"problems":[{"description":"培训不到位","measures":[
		{"content":"集中培训","criterion":"覆盖率100%","responsibility":{"cooperating_units":["V11"],"primary":{"position":"书记"},"handler":{"login":"t1zz"}},"deadline":{"kind":"by_date","due":"2026-12-31"}},
		{"content":"台账","criterion":"完整","responsibility":{"primary":{"position":"书记"},"handler":{"position":"组织委员"}},"deadline":{"kind":"限期整改","working_days":10,"from":"签收"}},
		{"content":"每季度检查","criterion":"通报","responsibility":{"primary":{"login":"zuzhi"},"handler":{"position":"组织委员"}},"deadline":{"kind":"长期坚持","checkpoints":["2027-06-30"]}}]}],
		"policy":{"yellow_days":3,"remind_before":[3,1],"ack_within":1,"urge_after":1,"escalate_unit_after":3,"escalate_issuer_after":5,"list_after":10,"due_time":"17:30","send_start":"08:30","send_end":"17:30"}}`))
	f.Add([]byte(`{"title":"","source":"网络舆情","targets":["XT1"],"problems":[{"measures":[{"deadline":{"kind":"by_date","working_days":9000000000000000000}}]}]}`))
	dir := fuzzDirectory()
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, Shanghai)
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Draft
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&d) != nil {
			return // the API's decoder refuses it (FuzzRequestBodies covers that path)
		}
		v, err := validate(d, dir, today)
		if err != nil {
			e, ok := apperr.As(err)
			require.True(t, ok, "not an apperr.Error: %v", err)
			require.Equal(t, apperr.Invalid, e.Kind)
			require.NotEmpty(t, e.Fields)
			for _, fe := range e.Fields {
				require.NotEmpty(t, fe.Field, "%+v", fe)
				require.NotEmpty(t, fe.Message, "%+v", fe)
			}
			return
		}
		require.Len(t, v.targets, len(d.Targets))
		require.LessOrEqual(t, len(d.Targets), limits.MaxTargets)
		last := limits.Horizon(today)
		for _, p := range d.Problems {
			for _, m := range p.Measures {
				require.NotEmpty(t, normalizedKind(m.Deadline.Kind))
				require.LessOrEqual(t, m.Deadline.WorkingDays, limits.MaxWorkingDays)
				for _, s := range append([]string{m.Deadline.Due}, m.Deadline.Checkpoints...) {
					if s == "" {
						continue
					}
					due, err := parseDate(s)
					require.NoError(t, err)
					require.False(t, due.After(last), "due %s beyond %s", s, last)
				}
			}
		}
	})
}
