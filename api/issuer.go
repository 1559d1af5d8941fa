package api

import (
	"rectify/internal/apperr"
	"rectify/internal/auth"
)

func requireIssuer(a auth.Actor) error {
	if !a.CanIssue() {
		return apperr.New(apperr.Forbidden, "actor", "只有组织部门或乡镇干部可以交办整改通知")
	}
	return nil
}
