// Package auth signs people in (session cookie or personal API token) and carries the
// acting person, with their unit and roles, through the request context.
package auth

import (
	"context"
	"strings"

	"rectify/internal/role"
)

// Actor is the person acting in a request, with the unit they belong to.
type Actor struct {
	PersonID int64       `json:"person_id"`
	Login    string      `json:"login"`
	Name     string      `json:"name"`
	UnitID   int64       `json:"unit_id"`
	UnitCode string      `json:"unit_code"`
	UnitName string      `json:"unit_name"`
	UnitPath string      `json:"-"`
	Roles    []role.Role `json:"roles"`
}

// Has reports whether the actor holds role.
func (a Actor) Has(r role.Role) bool { return role.Has(a.Roles, r) }

// Sees applies 一级抓一级 to a unit's materialized path (e.g. "/1/4/17/"): everyone sees
// their own unit; org staff, township officials and leaders also see every unit below
// theirs; nobody sees siblings, parents or other subtrees.
func (a Actor) Sees(unitPath string) bool {
	// A malformed or empty path of our own must never turn into a prefix of everything.
	if a.UnitPath == "" || !strings.HasPrefix(a.UnitPath, "/") || !strings.HasSuffix(a.UnitPath, "/") {
		return false
	}
	if unitPath == a.UnitPath {
		return true
	}
	if !strings.HasPrefix(unitPath, a.UnitPath) || !strings.HasSuffix(unitPath, "/") {
		return false
	}
	return a.SeesBelow()
}

// SeesBelow reports whether the actor's roles reach below their own unit: org staff,
// township officials and leaders do; branch secretaries see their own unit only.
func (a Actor) SeesBelow() bool { return role.SeesBelow(a.Roles) }

// CanIssue reports whether the actor may issue rectification orders (整改通知).
func (a Actor) CanIssue() bool { return role.MayIssue(a.Roles) }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
