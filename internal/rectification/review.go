package rectification

import (
	"context"
	"slices"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// A CloseOutReview is a close-out request (申请销号) waiting for the actor's unit: the item,
// the request as the audit trail holds it (who, when, what they said) and the evidence it
// named, and where that evidence was also used for another item (佐证重复, a sign of
// rectification on paper).
type CloseOutReview struct {
	Item          items.Row        `json:"item"`
	Request       items.Event      `json:"request"`
	Evidence      []evidence.File  `json:"evidence"`
	EvidenceReuse []evidence.Reuse `json:"evidence_reuse"`
}

// An ExtensionReview is an extension request (延期申请) waiting for the actor's unit, with
// the request as the audit trail holds it (its note is the reason).
type ExtensionReview struct {
	Item    items.Row   `json:"item"`
	Request items.Event `json:"request"`
}

// ReviewQueue is what waits for a reviewing unit (待审核): close-out requests to close out or
// return, and extension requests to approve or refuse.
type ReviewQueue struct {
	CloseOuts  []CloseOutReview  `json:"close_outs"`
	Extensions []ExtensionReview `json:"extensions"`
}

// ReviewQueue lists the close-out and extension requests on items the actor's unit issued.
// Only the roles that review (组织部门, 乡镇干部) have a queue.
func (s *Service) ReviewQueue(ctx context.Context, a auth.Actor) (ReviewQueue, error) {
	if !a.CanIssue() {
		return ReviewQueue{}, apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部审核销号和延期申请")
	}
	sc, now := order.ScopeOf(a), s.Now()
	asked, err := s.Items.List(ctx, sc, items.Filter{ToDo: true, State: string(itemmsg.CloseRequested)}, now)
	if err != nil {
		return ReviewQueue{}, err
	}
	var mine []items.Row
	for _, row := range asked {
		if row.IssuerUnitID == a.UnitID {
			mine = append(mine, row)
		}
	}
	ext, err := s.Items.ExtensionRequests(ctx, sc, now)
	if err != nil {
		return ReviewQueue{}, err
	}
	if err := s.freshList(ctx, mine); err != nil {
		return ReviewQueue{}, err
	}
	if err := s.freshList(ctx, ext); err != nil {
		return ReviewQueue{}, err
	}
	// Four queries whatever the queue's length: the close-out requests, the extension
	// requests, the evidence the close-out requests name, and its uses on other items.
	closeReqs, err := s.Items.LatestOf(ctx, itemIDs(mine), string(itemmsg.RequestClose))
	if err != nil {
		return ReviewQueue{}, err
	}
	extReqs, err := s.Items.LatestOf(ctx, itemIDs(ext), string(itemmsg.RequestExtension))
	if err != nil {
		return ReviewQueue{}, err
	}
	var named []int64
	for _, r := range closeReqs {
		named = append(named, r.EvidenceIDs...)
	}
	files, err := s.Evidence.ByIDs(ctx, named)
	if err != nil {
		return ReviewQueue{}, err
	}
	reuses, err := s.Evidence.Reuses(ctx, sc, named, nil)
	if err != nil {
		return ReviewQueue{}, err
	}
	q := ReviewQueue{CloseOuts: []CloseOutReview{}, Extensions: []ExtensionReview{}}
	for _, row := range mine {
		r := CloseOutReview{Item: row, Request: closeReqs[row.ID], Evidence: []evidence.File{}, EvidenceReuse: []evidence.Reuse{}}
		for _, f := range files {
			if f.ItemID == row.ID && slices.Contains(r.Request.EvidenceIDs, f.ID) {
				r.Evidence = append(r.Evidence, f)
			}
		}
		for _, u := range reuses {
			if u.OwnItemID == row.ID && slices.Contains(r.Request.EvidenceIDs, u.EvidenceID) {
				r.EvidenceReuse = append(r.EvidenceReuse, u)
			}
		}
		q.CloseOuts = append(q.CloseOuts, r)
	}
	for _, row := range ext {
		q.Extensions = append(q.Extensions, ExtensionReview{Item: row, Request: extReqs[row.ID]})
	}
	return q, nil
}

func itemIDs(rows []items.Row) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// Offered lists the actions a may take on an item now, in lifecycle order: what a page
// offers as buttons. It follows the workflow's rules on who may act and in which states;
// the workflow's validator still judges every action taken.
func Offered(a auth.Actor, row items.Row) []itemmsg.Action {
	actor := itemmsg.Actor{PersonID: a.PersonID, Name: a.Name, UnitID: a.UnitID, Roles: a.Roles}
	st := itemmsg.State(row.State)
	open := st == itemmsg.Acknowledged || st == itemmsg.InProgress
	can := map[itemmsg.Action]bool{
		itemmsg.Acknowledge:  st == itemmsg.Issued,
		itemmsg.Progress:     open,
		itemmsg.RequestClose: open,
		// 延期 is asked before the deadline, one request at a time, of an item that has one.
		itemmsg.RequestExtension: (st == itemmsg.Issued || open) && row.ExtensionAsk == "" && !row.Overdue &&
			(row.Due != "" || row.DueAt != nil),
		itemmsg.Close:            st == itemmsg.CloseRequested,
		itemmsg.Return:           st == itemmsg.CloseRequested,
		itemmsg.ApproveExtension: !st.Terminal() && row.ExtensionAsk != "",
		itemmsg.RefuseExtension:  !st.Terminal() && row.ExtensionAsk != "",
	}
	var out []itemmsg.Action
	for _, act := range itemmsg.Actions {
		if can[act] && item.MayAct(actor, act, row.UnitID, row.IssuerUnitID) == nil {
			out = append(out, act)
		}
	}
	return out
}
