// Package role names what a person may do: 组织部干部, 乡镇干部, 支部书记 and 领导. A Role is
// stored as its string (the people.roles CHECK allows exactly these four) and travels as
// such in JSON and in recorded workflow histories. The rules that depend only on roles —
// who may issue orders, who sees the units below their own, who only reads — live here so
// that sign-in, the services and the workflows apply the same ones.
package role

import (
	"slices"
	"strings"
)

// Role is one role a person holds.
type Role string

// Roles, exactly the values the people.roles CHECK allows.
const (
	OrgStaff         Role = "org_staff"         // 组织部干部
	TownshipOfficial Role = "township_official" // 乡镇干部
	BranchSecretary  Role = "branch_secretary"  // 支部书记
	Leader           Role = "leader"            // 领导
)

var all = []Role{OrgStaff, TownshipOfficial, BranchSecretary, Leader}

var labels = map[Role]string{
	OrgStaff:         "组织部干部",
	TownshipOfficial: "乡镇干部",
	BranchSecretary:  "支部书记",
	Leader:           "领导",
}

// aliases are the ways people write a role in a spreadsheet, besides its value.
var aliases = map[string]Role{
	"组织部干部": OrgStaff, "组织部": OrgStaff,
	"乡镇干部": TownshipOfficial, "街道干部": TownshipOfficial,
	"支部书记": BranchSecretary, "党支部书记": BranchSecretary, "书记": BranchSecretary,
	"领导": Leader,
}

// All lists every role in the order they are offered to people.
func All() []Role { return slices.Clone(all) }

// Parse turns a role written in English or Chinese into the stored value.
func Parse(s string) (Role, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if r := Role(s); slices.Contains(all, r) {
		return r, true
	}
	r, ok := aliases[s]
	return r, ok
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return slices.Contains(all, r) }

// Label is the Chinese name of the role, or the role itself when unknown.
func (r Role) Label() string {
	if l, ok := labels[r]; ok {
		return l
	}
	return string(r)
}

// Has reports whether roles holds r.
func Has(roles []Role, r Role) bool { return slices.Contains(roles, r) }

// MayIssue reports whether roles allow issuing rectification orders (整改通知) and reviewing
// close-out requests: organization staff and township officials do.
func MayIssue(roles []Role) bool { return Has(roles, OrgStaff) || Has(roles, TownshipOfficial) }

// SeesBelow reports whether roles reach below the person's own unit (一级抓一级): org staff,
// township officials and leaders do; branch secretaries see their own unit only.
func SeesBelow(roles []Role) bool { return MayIssue(roles) || Has(roles, Leader) }

// ReadsOnly reports whether roles allow reading only: a person who is nothing but a leader
// (or holds no role) does not sign for, report on or upload to their unit's items.
func ReadsOnly(roles []Role) bool {
	return !slices.ContainsFunc(roles, func(r Role) bool { return r != Leader })
}
