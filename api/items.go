package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

func (s *server) itemFilter(r *http.Request) (items.Filter, error) {
	q := r.URL.Query()
	f := items.Filter{UnitCode: q.Get("unit"), State: q.Get("state"), Light: q.Get("light")}
	var err error
	switch f.Light {
	case "", "green", "yellow", "red":
	default:
		return f, apperr.New(apperr.Invalid, "light", "light应为green、yellow或red")
	}
	if f.Listed, err = queryBool(r, "listed"); err != nil {
		return f, err
	}
	if f.State != "" && itemmsg.State(f.State).Label() == f.State {
		return f, apperr.New(apperr.Invalid, "state", "未知的事项状态“"+f.State+"”")
	}
	if f.OrderID, err = queryInt(r, "order"); err != nil {
		return f, err
	}
	if f.Overdue, err = queryBool(r, "overdue"); err != nil {
		return f, err
	}
	if f.Open, err = queryBool(r, "open"); err != nil {
		return f, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return f, err
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		return f, err
	}
	f.Limit, f.Offset = int(limit), int(offset)
	return f, nil
}

func (s *server) listItems(w http.ResponseWriter, r *http.Request) {
	f, err := s.itemFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	list, err := s.Items.List(r.Context(), scopeOf(actor(r)), f, s.Now())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

// myItems lists what waits for the caller: view=todo (default) is what their unit must act
// on next, view=overdue the open overdue items they are responsible for or their unit holds.
func (s *server) myItems(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	f, err := s.itemFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	switch r.URL.Query().Get("view") {
	case "", "todo":
		f.ToDo = true
	case "overdue":
		f.Overdue = true
		f.ToDo = true
	case "responsible":
		f.PersonID = a.PersonID
		f.Open = true
	default:
		writeError(w, r, apperr.New(apperr.Invalid, "view", "view应为todo、overdue或responsible"))
		return
	}
	list, err := s.Items.List(r.Context(), scopeOf(a), f, s.Now())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *server) getItem(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	row, err := s.Items.Get(r.Context(), scopeOf(actor(r)), id, s.Now())
	if err != nil {
		writeError(w, r, err)
		return
	}
	timeline, err := s.Items.Timeline(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	files, err := s.Evidence.ForItem(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	lights, err := s.Items.Lights(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	sent, err := s.Notifier.Deliveries(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	notices, err := s.Items.Notices(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": row, "timeline": timeline, "evidence": files,
		"lights": lights, "notices": notices, "deliveries": sent})
}

// actionPaths maps URL segments to actions.
var actionPaths = map[string]itemmsg.Action{
	"acknowledge":   itemmsg.Acknowledge,
	"progress":      itemmsg.Progress,
	"request-close": itemmsg.RequestClose,
	"close":         itemmsg.Close,
	"return":        itemmsg.Return,
	"cancel":        itemmsg.Cancel,
	// 延期: asked by the unit before the deadline, decided by the issuer.
	"request-extension": itemmsg.RequestExtension,
	"approve-extension": itemmsg.ApproveExtension,
	"refuse-extension":  itemmsg.RefuseExtension,
}

type actionBody struct {
	Note        string  `json:"note"`
	EvidenceIDs []int64 `json:"evidence_ids"`
	ExtendTo    string  `json:"extend_to"`
}

// act performs an action through the item's workflow Update: the validator answers at once
// whether it is accepted, and the same Idempotency-Key is never acted on twice.
func (s *server) act(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	id := chi.URLParam(r, "id")
	action, ok := actionPaths[chi.URLParam(r, "action")]
	if !ok {
		writeError(w, r, notFound("action", "不支持的操作“"+chi.URLParam(r, "action")+"”"))
		return
	}
	var body actionBody
	if r.ContentLength != 0 {
		if err := decode(r, &body); err != nil {
			writeError(w, r, err)
			return
		}
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	res, err := s.perform(r.Context(), a, id, action, body, key)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// perform is every action on an item, whichever way it arrives (API call or spreadsheet):
// scoped, checked, and sent as the item workflow's Update.
func (s *server) perform(ctx context.Context, a auth.Actor, id string, action itemmsg.Action, body actionBody, key string) (itemmsg.ActionResult, error) {
	var res itemmsg.ActionResult
	req := itemmsg.ActionRequest{ItemID: id, Action: action, Note: body.Note, EvidenceIDs: body.EvidenceIDs, ExtendTo: body.ExtendTo, Key: key,
		Actor: itemmsg.Actor{PersonID: a.PersonID, Name: a.Name, UnitID: a.UnitID, Roles: a.Roles}}
	if err := item.Bounds(req, s.Now()); err != nil {
		return res, err
	}
	row, err := s.Items.Get(ctx, scopeOf(a), id, s.Now())
	if err != nil {
		return res, err
	}
	for i, eid := range body.EvidenceIDs {
		f, err := s.Evidence.Get(ctx, eid)
		if err != nil || f.ItemID != id {
			return res, apperr.Newf(apperr.Invalid, fmt.Sprintf("evidence_ids[%d]", i), "佐证材料%d不属于该事项", eid)
		}
	}
	// Every request is a new Update: the workflow remembers keys per (item, person) with
	// what they asked and judges a retry itself; Temporal's deduplication by update id would
	// answer a retry without saying it was one, or another person with someone else's result.
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   row.WorkflowID,
		UpdateID:     uuid.NewString(),
		UpdateName:   itemmsg.UpdateAction,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil && ctx.Err() != nil {
		return res, unconfirmed(err)
	}
	if err != nil {
		return res, actionError(err, req, row)
	}
	return res, nil
}

// unconfirmed is the answer when an action was handed to its workflow but no result came
// back within the request's budget: it may still take effect, so the person is told to look
// before acting again, and that a retry with the same Idempotency-Key is safe.
func unconfirmed(err error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Field: "Idempotency-Key",
		Message: "操作已提交，但暂未确认结果：请稍后刷新查看；如需重试，请使用同一幂等键（Idempotency-Key），不会重复办理", Err: err}
}

// actionError turns a refused or failed Update into the error a person reads.
func actionError(err error, req itemmsg.ActionRequest, row items.Row) error {
	if e, ok := refusal(err); ok {
		return e
	}
	if workflowGone(err) {
		// The unit's workflow ended with all its items closed or cancelled: the answer must not
		// depend on that, so refuse who may not act first, as the validator would have.
		if perr := item.MayAct(req.Actor, req.Action, row.UnitID, row.IssuerUnitID); perr != nil {
			return actionError(perr, req, row)
		}
		return &apperr.Error{Kind: apperr.Conflict, Field: "state",
			Message: "整改事项" + itemmsg.State(row.State).Label() + "，不能再操作", Err: err}
	}
	return fmt.Errorf("item action on %s: %w", row.ID, err)
}

// refusal is an Update refused by a workflow's validator or handler, as a person reads it.
func refusal(err error) (error, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if kind := apperr.KindFromCode(appErr.Type()); kind != apperr.Internal {
			var field string
			if appErr.HasDetails() {
				_ = appErr.Details(&field)
			}
			return &apperr.Error{Kind: kind, Field: field, Message: appErr.Message(), Err: err}, true
		}
	}
	return nil, false
}

// workflowGone is true when the workflow an Update was sent to has ended.
func workflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed")
}

func (s *server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	id := chi.URLParam(r, "id")
	row, err := s.Items.Get(r.Context(), scopeOf(a), id, s.Now())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if row.UnitID != a.UnitID || !slices.ContainsFunc(a.Roles, func(r string) bool { return r != "leader" }) {
		writeError(w, r, apperr.New(apperr.Forbidden, "actor", "只有责任单位人员可以上传佐证材料"))
		return
	}
	if itemmsg.State(row.State).Terminal() {
		writeError(w, r, apperr.New(apperr.Conflict, "state", "整改事项"+itemmsg.State(row.State).Label()+"，不能上传佐证材料"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, evidence.MaxSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, r, apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件，字段名为file"))
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			writeError(w, r, apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）"))
			return
		}
		if err != nil {
			writeError(w, r, apperr.New(apperr.Invalid, "file", "上传内容无法读取"))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		f, err := s.Evidence.Save(r.Context(), id, part.FileName(), part.Header.Get("Content-Type"), part, a.PersonID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, f)
		return
	}
}

func (s *server) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	eid, err := pathID(r, "id", "evidence_id")
	if err != nil {
		writeError(w, r, err)
		return
	}
	f, err := s.Evidence.Get(r.Context(), eid)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.Items.Get(r.Context(), scopeOf(a), f.ItemID, s.Now()); err != nil {
		writeError(w, r, notFound("evidence_id", "佐证材料不存在或无权查看"))
		return
	}
	fh, err := s.Evidence.Open(f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer fh.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	w.Header().Set("X-Content-SHA256", f.SHA256)
	http.ServeContent(w, r, "", f.UploadedAt, fh)
}
