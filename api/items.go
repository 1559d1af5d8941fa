package api

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/light"
	"rectify/internal/rectification"
	"rectify/internal/weakbranch"
	"rectify/workflows/item/itemmsg"
)

// itemFilter reads the query of an item list: ?unit= ?state= ?light= ?listed= ?order=
// ?overdue= ?open= ?limit= ?offset= ?after= (the previous page's next).
func itemFilter(r *http.Request) (items.Filter, error) {
	q := r.URL.Query()
	f := items.Filter{UnitCode: q.Get("unit"), State: q.Get("state"), Light: light.Light(q.Get("light")), After: q.Get("after")}
	var err error
	if f.Listed, err = queryBool(r, "listed"); err != nil {
		return f, err
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

func (s *server) listItems(r *http.Request, a auth.Actor) (rectification.ItemList, error) {
	f, err := itemFilter(r)
	if err != nil {
		return rectification.ItemList{}, err
	}
	return s.Rectification.ListItems(r.Context(), a, f)
}

// myItems lists what waits for the caller: ?view=todo (default), overdue or responsible.
func (s *server) myItems(r *http.Request, a auth.Actor) (rectification.ItemList, error) {
	f, err := itemFilter(r)
	if err != nil {
		return rectification.ItemList{}, err
	}
	return s.Rectification.MyItems(r.Context(), a, rectification.MyItemsInput{View: r.URL.Query().Get("view"), Filter: f})
}

// dashboard is the leader's dashboard of ?unit= (a unit code; the caller's own unit if absent).
func (s *server) dashboard(r *http.Request, a auth.Actor) (weakbranch.LeaderDashboard, error) {
	return s.Weak.Dashboard(r.Context(), a, rectification.DashboardInput{UnitCode: r.URL.Query().Get("unit")})
}

func (s *server) getItem(r *http.Request, a auth.Actor) (rectification.ItemDetail, error) {
	return s.Rectification.GetItem(r.Context(), a, chi.URLParam(r, "id"))
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

// act performs an action on an item; the body is optional, and the Idempotency-Key header
// makes a retry safe.
func (s *server) act(r *http.Request, a auth.Actor) (itemmsg.ActionResult, error) {
	action, ok := actionPaths[chi.URLParam(r, "action")]
	if !ok {
		return itemmsg.ActionResult{}, notFound("action", "不支持的操作“"+chi.URLParam(r, "action")+"”")
	}
	in := rectification.ActInput{ItemID: chi.URLParam(r, "id"), Action: action, Key: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
	if r.ContentLength != 0 {
		if err := decode(r, &in.ActionBody); err != nil {
			return itemmsg.ActionResult{}, err
		}
	}
	return s.Rectification.Act(r.Context(), a, in)
}

// uploadEvidence takes the multipart field "file"; it is read only if the caller may upload.
func (s *server) uploadEvidence(r *http.Request, a auth.Actor) (evidence.File, error) {
	return s.Rectification.UploadEvidence(r.Context(), a, rectification.EvidenceInput{ItemID: chi.URLParam(r, "id"),
		File: func() (rectification.Upload, error) {
			part, err := filePart(r, "上传内容无法读取")
			if err != nil {
				return rectification.Upload{}, err
			}
			return rectification.Upload{Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Body: part}, nil
		}})
}

// filePart finds the multipart field "file", to read as it streams; unreadable is the
// message when the body cannot be read.
func filePart(r *http.Request, unreadable string) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "file", "请以multipart/form-data上传文件，字段名为file")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.New(apperr.Invalid, "file", "未找到上传的文件（字段名应为file）")
		}
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "file", unreadable)
		}
		if part.FormName() == "file" {
			return part, nil
		}
	}
}
