package pages

import (
	"net/http"

	"rectify/internal/apperr"
	"rectify/internal/auth"
)

// passwordView is 修改密码: the old and the new password, each refusal beside its field.
type passwordView struct {
	Page
	Errors  fieldErrors
	Message string
}

func (h *handler) passwordPage(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	v := passwordView{Page: h.page(w, r, "password.title")}
	// Only the one change this page makes is confirmed, never text from the address.
	if r.URL.Query().Get("done") == "password" {
		v.Flash = v.c.T("password.done")
	}
	h.render(w, r, http.StatusOK, "password", v)
}

// changePassword changes the person's own password through the same auth.Service as the
// API: their other sessions end, and this one goes on under a new token.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, a auth.Actor) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "body", "表单无法读取"))
		return
	}
	err := h.Auth.ChangeOwnPassword(r.Context(), a, r.PostForm.Get("old_password"), r.PostForm.Get("new_password"),
		h.Auth.ClientAddress(r), false)
	if err == nil {
		http.Redirect(w, r, "/account/password?done=password", http.StatusSeeOther)
		return
	}
	if k := apperr.KindOf(err); k != apperr.Invalid && k != apperr.TooManyRequests {
		h.fail(w, r, err)
		return
	}
	status := apperr.Report(w, r, err)
	v := passwordView{Page: h.page(w, r, "password.title"), Errors: fieldErrors{}}
	_, body := apperr.ToBody(err)
	list := body.Error.Fields
	if len(list) == 0 && body.Error.Field != "" {
		list = []apperr.FieldError{{Field: body.Error.Field, Message: body.Error.Message}}
	}
	for _, f := range list {
		if f.Field != "old_password" && f.Field != "new_password" {
			continue
		}
		if _, dup := v.Errors[f.Field]; !dup {
			v.Errors[f.Field] = f.Message
		}
	}
	if len(v.Errors) == 0 {
		v.Message = body.Error.Message
	}
	h.render(w, r, status, "password", v)
}
