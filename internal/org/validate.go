package org

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"rectify/internal/apperr"
	"rectify/internal/role"
)

var (
	emailRe  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$`)
	mobileRe = regexp.MustCompile(`^1[0-9]{10}$`)
)

// existingUnit is what validation and loading need to know about a unit already stored.
type existingUnit struct {
	ID       int64
	Code     string
	ParentID int64
	Path     string
}

// snapshot is the part of the stored tree a file touches: the units it names and all their
// ancestors, so that parent chains can be followed to the root.
type snapshot struct {
	byCode map[string]existingUnit
	byID   map[int64]existingUnit
}

func newSnapshot(units []existingUnit) snapshot {
	s := snapshot{byCode: map[string]existingUnit{}, byID: map[int64]existingUnit{}}
	for _, u := range units {
		s.byCode[u.Code] = u
		s.byID[u.ID] = u
	}
	return s
}

// plan is a valid tree in the order it must be written: every unit after its parent.
type plan struct {
	units  []UnitRecord
	people []PersonRecord
}

// check validates t against itself and the stored units in snap, collecting every
// problem. Records come back trimmed and with kinds and roles in their stored form.
func check(t Tree, snap snapshot) (plan, []apperr.FieldError) {
	var problems []apperr.FieldError
	add := func(pos Pos, field, format string, args ...any) {
		problems = append(problems, apperr.FieldError{Field: pos.Field(field), Message: fmt.Sprintf(format, args...)})
	}
	if len(t.Units) == 0 && len(t.People) == 0 {
		return plan{}, []apperr.FieldError{{Field: "file", Message: "文件中没有任何单位或人员"}}
	}

	units := make([]UnitRecord, len(t.Units))
	first := map[string]int{} // code -> index of its first record
	for i, u := range t.Units {
		u.Pos = u.Pos.orIndex(i, "units")
		trimSpace(&u.Code, &u.Name, &u.Parent)
		raw := strings.TrimSpace(u.Kind)
		u.Kind = canonicalKind(raw)
		units[i] = u

		if u.Code == "" {
			add(u.Pos, colCode, "单位编码不能为空")
		} else if j, dup := first[u.Code]; dup {
			add(u.Pos, colCode, "单位编码“%s”重复，与%s重复", u.Code, units[j].Pos)
		} else {
			first[u.Code] = i
		}
		if u.Name == "" {
			add(u.Pos, colName, "单位名称不能为空")
		}
		if raw == "" {
			add(u.Pos, colKind, "单位类型不能为空")
		} else if _, ok := kindLabels[u.Kind]; !ok {
			add(u.Pos, colKind, "未知的单位类型“%s”，可用的类型为 %s", raw, kindHelp())
		}
	}

	// parentOf follows the tree as it will be after loading: the file's parent for units in
	// the file, the stored parent for the others. known is false for an unknown code.
	parentOf := func(code string) (parent string, known bool) {
		if i, ok := first[code]; ok {
			return units[i].Parent, true
		}
		if e, ok := snap.byCode[code]; ok {
			if e.ParentID == 0 {
				return "", true
			}
			if p, ok := snap.byID[e.ParentID]; ok {
				return p.Code, true
			}
		}
		return "", false
	}
	exists := func(code string) bool {
		_, inFile := first[code]
		_, stored := snap.byCode[code]
		return inFile || stored
	}

	for i, u := range units {
		if u.Parent == "" || first[u.Code] != i || u.Code == "" {
			continue
		}
		if u.Parent == u.Code {
			add(u.Pos, colParent, "单位“%s”不能以自己为上级单位", u.Code)
			continue
		}
		if !exists(u.Parent) {
			add(u.Pos, colParent, "上级单位“%s”不存在", u.Parent)
			continue
		}
		if chain := cycleFrom(u.Code, parentOf); chain != nil && firstInFile(chain, first) == i {
			add(u.Pos, colParent, "上级单位关系形成循环：%s", strings.Join(append(chain, chain[0]), " → "))
		}
	}

	people := make([]PersonRecord, len(t.People))
	logins := map[string]int{}
	for i, p := range t.People {
		p.Pos = p.Pos.orIndex(i, "people")
		trimSpace(&p.Login, &p.Name, &p.Unit, &p.Position, &p.Email, &p.Mobile)

		switch j, dup := logins[p.Login]; {
		case p.Login == "":
			add(p.Pos, colLogin, "登录名不能为空")
		case strings.IndexFunc(p.Login, unicode.IsSpace) >= 0:
			add(p.Pos, colLogin, "登录名“%s”不能包含空格", p.Login)
		case dup:
			add(p.Pos, colLogin, "登录名“%s”重复，与%s重复", p.Login, people[j].Pos)
		default:
			logins[p.Login] = i
		}
		if p.Name == "" {
			add(p.Pos, colName, "姓名不能为空")
		}
		if p.Unit == "" {
			add(p.Pos, colUnit, "所属单位不能为空")
		} else if !exists(p.Unit) {
			add(p.Pos, colUnit, "所属单位“%s”不存在", p.Unit)
		}
		var roles []role.Role
		seen := map[role.Role]bool{}
		for _, r := range p.Roles {
			c, ok := role.Parse(string(r))
			if !ok {
				add(p.Pos, colRoles, "未知的角色“%s”，可用的角色为 %s", strings.TrimSpace(string(r)), roleHelp())
				continue
			}
			if !seen[c] {
				seen[c] = true
				roles = append(roles, c)
			}
		}
		if len(p.Roles) == 0 {
			add(p.Pos, colRoles, "至少需要一个角色")
		}
		p.Roles = roles
		if p.Email != "" && !emailRe.MatchString(p.Email) {
			add(p.Pos, colEmail, "邮箱“%s”格式不正确", p.Email)
		}
		if p.Mobile != "" && !mobileRe.MatchString(p.Mobile) {
			add(p.Pos, colMobile, "手机号“%s”格式不正确，应为以1开头的11位数字", p.Mobile)
		}
		people[i] = p
	}
	if len(problems) > 0 {
		return plan{}, problems
	}

	// Write order: by depth in the tree as it will be after loading. Ordering by the file's
	// own parent links is not enough: a unit may hang below a stored unit whose own parent
	// the file changes, and that change must land first.
	depth := map[string]int{}
	var depthOf func(code string) int
	depthOf = func(code string) int {
		if d, ok := depth[code]; ok {
			return d
		}
		d := 0
		if p, _ := parentOf(code); p != "" {
			d = depthOf(p) + 1
		}
		depth[code] = d
		return d
	}
	ordered := make([]UnitRecord, len(units))
	copy(ordered, units)
	sort.SliceStable(ordered, func(a, b int) bool { return depthOf(ordered[a].Code) < depthOf(ordered[b].Code) })
	return plan{units: ordered, people: people}, nil
}

// cycleFrom follows parents from start and returns the chain start, parent, ... when it
// comes back to start; nil when it reaches a root, an unknown code, or a loop that does
// not pass through start.
func cycleFrom(start string, parentOf func(string) (string, bool)) []string {
	chain := []string{start}
	seen := map[string]bool{start: true}
	cur := start
	for {
		p, known := parentOf(cur)
		if p == "" || !known {
			return nil
		}
		if p == start {
			return chain
		}
		if seen[p] {
			return nil
		}
		seen[p] = true
		chain = append(chain, p)
		cur = p
	}
}

// firstInFile is the smallest file index among the codes of a cycle, so that each cycle
// is reported once, on its first record.
func firstInFile(chain []string, first map[string]int) int {
	best := -1
	for _, c := range chain {
		if i, ok := first[c]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

func kindHelp() string {
	parts := make([]string, len(kindOrder))
	for i, k := range kindOrder {
		parts[i] = kindLabels[k]
	}
	return strings.Join(parts, "、")
}

func roleHelp() string {
	var parts []string
	for _, r := range role.All() {
		parts = append(parts, r.Label())
	}
	return strings.Join(parts, "、")
}

// orIndex is pos, or for a record built in code (no line) its place in the array.
func (pos Pos) orIndex(i int, array string) Pos {
	if pos.Line == 0 {
		return Pos{Line: i + 1, Array: array}
	}
	return pos
}

// trimSpace trims each string in place.
func trimSpace(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}
