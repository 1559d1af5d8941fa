package org

import (
	"fmt"
	"strings"

	"rectify/internal/role"
)

// Unit kinds, exactly the values the units.kind CHECK allows.
const (
	KindProvince   = "province"
	KindCity       = "city"
	KindCounty     = "county"
	KindTownship   = "township"
	KindStreet     = "street"
	KindVillage    = "village"
	KindCommunity  = "community"
	KindBranch     = "branch"
	KindAgency     = "agency"
	KindEnterprise = "enterprise"
	KindSchool     = "school"
)

var kindOrder = []string{KindProvince, KindCity, KindCounty, KindTownship, KindStreet, KindVillage,
	KindCommunity, KindBranch, KindAgency, KindEnterprise, KindSchool}

var kindLabels = map[string]string{
	KindProvince:   "省",
	KindCity:       "市",
	KindCounty:     "县区",
	KindTownship:   "乡镇",
	KindStreet:     "街道",
	KindVillage:    "村",
	KindCommunity:  "社区",
	KindBranch:     "党支部",
	KindAgency:     "机关",
	KindEnterprise: "企业",
	KindSchool:     "学校",
}

var kindAliases = map[string]string{
	"省": KindProvince, "省级": KindProvince, "自治区": KindProvince, "直辖市": KindProvince,
	"市": KindCity, "地市": KindCity, "市级": KindCity, "州": KindCity, "盟": KindCity,
	"县": KindCounty, "区": KindCounty, "县区": KindCounty, "县级": KindCounty, "县市区": KindCounty,
	"县级市": KindCounty, "旗": KindCounty,
	"乡镇": KindTownship, "乡": KindTownship, "镇": KindTownship,
	"街道": KindStreet, "街道办": KindStreet, "街道办事处": KindStreet,
	"村": KindVillage, "行政村": KindVillage,
	"社区": KindCommunity,
	"支部": KindBranch, "党支部": KindBranch,
	"机关": KindAgency, "机关单位": KindAgency,
	"企业": KindEnterprise,
	"学校": KindSchool,
}

func init() {
	for _, k := range kindOrder {
		kindAliases[k] = k
	}
}

// Kinds lists every unit kind from the top of the tree down.
func Kinds() []string { return append([]string(nil), kindOrder...) }

// ParseKind turns a kind written in English or Chinese into the stored value.
func ParseKind(s string) (string, bool) {
	k, ok := kindAliases[strings.ToLower(strings.TrimSpace(s))]
	return k, ok
}

// KindLabel is the Chinese name of a kind, or the kind itself when unknown.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// Unit is one organization in the tree. ParentID is 0 for a root unit; Path is the chain of
// ids from the root, such as /1/4/17/.
type Unit struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID int64  `json:"parent_id"`
	Path     string `json:"path"`
}

// Person is someone who signs in. PasswordHash is empty when no password was ever set and
// never leaves the process as JSON.
type Person struct {
	ID           int64       `json:"id"`
	Login        string      `json:"login"`
	Name         string      `json:"name"`
	UnitID       int64       `json:"unit_id"`
	Roles        []role.Role `json:"roles"`
	Position     string      `json:"position"`
	Email        string      `json:"email"`
	Mobile       string      `json:"mobile"`
	PasswordHash string      `json:"-"`
}

// HasRole reports whether p holds r.
func (p Person) HasRole(r role.Role) bool { return role.Has(p.Roles, r) }

// Pos says where a record came from: a CSV line, or a position in a JSON array.
type Pos struct {
	// Line is the CSV line number (the header is line 1), or the 1-based index in the
	// JSON array named by Array.
	Line int
	// Array is "units" or "people" for a JSON record and empty for a CSV record.
	Array string
}

// String names the record: "第7行" or "units[3]".
func (p Pos) String() string {
	if p.Array != "" {
		return fmt.Sprintf("%s[%d]", p.Array, p.Line)
	}
	return fmt.Sprintf("第%d行", p.Line)
}

// Field names one field of the record: "第7行 parent" or "units[3].parent".
func (p Pos) Field(name string) string {
	if name == "" {
		return p.String()
	}
	if p.Array != "" {
		return p.String() + "." + name
	}
	return p.String() + " " + name
}

// UnitRecord is one unit as read from an input file. Parent is the parent's code, empty
// for a root.
type UnitRecord struct {
	Pos
	Code   string
	Name   string
	Kind   string
	Parent string
}

// PersonRecord is one person as read from an input file. Unit is the unit's code; an
// empty Password keeps the stored hash.
type PersonRecord struct {
	Pos
	Login string
	Name  string
	Unit  string
	// Roles are as read until validation turns them into the stored values.
	Roles    []role.Role
	Position string
	Email    string
	Mobile   string
	Password string
}

// Tree is the content of one input file.
type Tree struct {
	Units  []UnitRecord
	People []PersonRecord
}
