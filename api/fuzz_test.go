package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/internal/testenv"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase/weakcasemsg"
)

// A requestBody is one JSON request body of the API: its decoding into the handler's type
// and the validation that needs no database.
type requestBody struct {
	name string
	seed string
	run  func(t *testing.T, data []byte)
}

// body decodes data into a T as the handlers do and validates it; a refusal must be an
// Invalid apperr naming a field, and an accepted body must survive a round trip through
// JSON unchanged.
func body[T any](name, seed string, validate func(T) error) requestBody {
	return requestBody{name: name, seed: seed, run: func(t *testing.T, data []byte) {
		var v T
		err := decodeJSON(bytes.NewReader(data), &v)
		if err == nil && validate != nil {
			err = validate(v)
		}
		if err != nil {
			testenv.RequireNamedRefusal(t, err)
			return
		}
		out, err := json.Marshal(v)
		require.NoError(t, err)
		var back T
		require.NoError(t, decodeJSON(bytes.NewReader(out), &back), "%s", out)
		require.Equal(t, v, back)
	}}
}

// fieldsErr is nil for no problems (InvalidFields returns a nil *apperr.Error).
func fieldsErr(fs []apperr.FieldError) error {
	if len(fs) == 0 {
		return nil
	}
	return apperr.InvalidFields(fs)
}

var fuzzToday = time.Date(2026, 11, 24, 10, 0, 0, 0, calendar.Shanghai)

// requestBodies lists every JSON body the API decodes, in the order the seed corpus in
// testdata/fuzz numbers them.
var requestBodies = []requestBody{
	body[order.Draft]("POST /api/orders", `{"title":"整改通知","source":"巡察","targets":["T1"],"problems":[{"description":"问题","measures":[{"content":"措施","criterion":"标准","responsibility":{"primary":{"position":"书记"},"handler":{"login":"t1zz"}},"deadline":{"kind":"by_date","due":"2026-12-31"}}]}]}`, nil),
	body[rectification.ActionBody]("POST /api/items/{id}/{action}", `{"note":"已整改","evidence_ids":[1,2],"extend_to":"2027-01-31"}`,
		func(b rectification.ActionBody) error {
			return item.Bounds(itemmsg.ActionRequest{Note: b.Note, EvidenceIDs: b.EvidenceIDs, ExtendTo: b.ExtendTo}, fuzzToday)
		}),
	body[itemmsg.Policy]("PUT /api/policy", `{"yellow_days":3,"remind_before":[3,1],"ack_within":1,"urge_after":1,"escalate_unit_after":3,"escalate_issuer_after":5,"list_after":10,"due_time":"17:30","send_start":"08:30","send_end":"17:30"}`,
		func(p itemmsg.Policy) error { return fieldsErr(order.PolicyErrors(p)) }),
	body[weakbranch.CampaignInput]("POST /api/weak/campaigns", `{"year":2026,"title":"排查整顿","policy":{"report_workday":5,"report_escalate_after":3,"pass_score":70,"consolidation_months":12,"lookback_months":[6,12],"sample_window_months":12,"due_time":"17:30","send_start":"08:30","send_end":"17:30"}}`,
		weakbranch.CampaignInput.Check),
	body[weakbranch.ReasonsInput]("PUT /api/weak/reasons", `{"reasons":[{"category":"发展治理","name":"产业发展滞后","active":true}]}`,
		func(b weakbranch.ReasonsInput) error {
			_, err := weak.CheckReasons(b.Reasons)
			return err
		}),
	body[weakbranch.ProposalInput]("POST /api/weak/campaigns/{id}/proposals", `{"branch":"V11","reasons":[{"reason_id":1,"note":"班子不团结"}]}`,
		func(b weakbranch.ProposalInput) error { return weak.CheckProposal(b.Branch, b.Reasons) }),
	body[weakbranch.Determination]("POST /api/weak/proposals/{id}/determine", `{"county_leader":"xianzhang","township_leader":"t1","first_secretary":"shuji","paired_unit":"A1","note":"认定"}`, nil),
	body[weakbranch.Declining]("POST /api/weak/proposals/{id}/decline", `{"note":"不符合认定标准"}`, nil),
	body[weakbranch.PlanInput]("POST /api/weak/cases/{id}/plan", `{"problems":[{"description":"班子弱","measures":[{"content":"调整班子","criterion":"到位","responsibility":{"primary":{"position":"书记"},"handler":{"position":"书记"}},"deadline":{"kind":"by_date","working_days":30}}]}]}`, nil),
	body[weakcasemsg.Action]("POST /api/weak/cases/{id}/actions/{kind}", `{"scores":[{"item":"总分","score":85}],"polled":20,"dissatisfied":2,"note":"验收"}`, weak.CheckAction),
	body[weakbranch.SampleInput]("POST /api/weak/campaigns/{id}/samples", `{"round":1,"share":0.2}`, nil),
	{name: "POST /api/calendar/years", seed: `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`, run: func(t *testing.T, data []byte) {
		// As holidays.Upload reads it: a ParseError becomes an Invalid error on its field.
		y, err := calendar.ParseYear(bytes.NewReader(data))
		var pe *calendar.ParseError
		if errors.As(err, &pe) {
			testenv.RequireNamedRefusal(t, apperr.New(apperr.Invalid, pe.Field, pe.Message))
			return
		}
		require.NoError(t, err)
		_, err = calendar.New(y)
		require.NoError(t, err)
	}},
}

// FuzzRequestBodies feeds bytes to the decode and validate path of every JSON request body;
// kind picks the body.
func FuzzRequestBodies(f *testing.F) {
	for i, b := range requestBodies {
		f.Add(uint8(i), []byte(b.seed))
		f.Add(uint8(i), []byte(b.seed[:len(b.seed)/2]))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		b := requestBodies[int(kind)%len(requestBodies)]
		t.Log(b.name)
		b.run(t, data)
	})
}
