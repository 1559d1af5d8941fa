package org

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"rectify/internal/apperr"
	"rectify/internal/role"
)

// Column (and JSON key) names.
const (
	colType     = "type"
	colCode     = "code"
	colName     = "name"
	colKind     = "kind"
	colParent   = "parent"
	colLogin    = "login"
	colUnit     = "unit"
	colRoles    = "roles"
	colPosition = "position"
	colEmail    = "email"
	colMobile   = "mobile"
	colPassword = "password"
)

// columnAliases maps a lower-cased header (or JSON key) to its column.
var columnAliases = map[string]string{
	"type": colType, "类型": colType, "记录类型": colType, "行类型": colType,
	"code": colCode, "编码": colCode, "单位编码": colCode, "代码": colCode, "单位代码": colCode,
	"name": colName, "名称": colName, "单位名称": colName, "姓名": colName, "名字": colName,
	"kind": colKind, "单位类型": colKind, "类别": colKind, "单位类别": colKind, "层级": colKind,
	"parent": colParent, "上级": colParent, "上级单位": colParent, "上级编码": colParent, "上级单位编码": colParent,
	"login": colLogin, "登录名": colLogin, "账号": colLogin, "帐号": colLogin, "用户名": colLogin,
	"unit": colUnit, "所属单位": colUnit, "所属单位编码": colUnit, "单位": colUnit, "所在单位": colUnit,
	"roles": colRoles, "role": colRoles, "角色": colRoles,
	"position": colPosition, "职务": colPosition, "岗位": colPosition,
	"email": colEmail, "邮箱": colEmail, "电子邮箱": colEmail, "电子邮件": colEmail,
	"mobile": colMobile, "手机": colMobile, "手机号": colMobile, "手机号码": colMobile,
	"password": colPassword, "密码": colPassword, "初始密码": colPassword,
}

func columnOf(header string) (string, bool) {
	c, ok := columnAliases[strings.ToLower(strings.TrimSpace(header))]
	return c, ok
}

const (
	recUnit   = "unit"
	recPerson = "person"
)

var recordTypes = map[string]string{
	"unit": recUnit, "单位": recUnit, "组织": recUnit,
	"person": recPerson, "people": recPerson, "人员": recPerson, "人": recPerson,
}

var unitKeys = map[string]bool{colCode: true, colName: true, colKind: true, colParent: true}

var personKeys = map[string]bool{colLogin: true, colName: true, colUnit: true, colRoles: true,
	colPosition: true, colEmail: true, colMobile: true, colPassword: true}

var bom = []byte{0xEF, 0xBB, 0xBF}

// ParseFile reads an input file, choosing the format by its extension (.json or .csv).
func ParseFile(path string) (Tree, error) {
	var parse func(io.Reader) (Tree, error)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		parse = ParseJSON
	case ".csv":
		parse = ParseCSV
	default:
		return Tree{}, fmt.Errorf("org.ParseFile %q: %w", path,
			apperr.Newf(apperr.Invalid, "file", "不支持的文件类型“%s”，请使用 .json 或 .csv 文件", ext))
	}
	f, err := os.Open(path)
	if err != nil {
		return Tree{}, fmt.Errorf("org.ParseFile %q: %w", path, err)
	}
	defer f.Close()
	t, err := parse(f)
	if err != nil {
		return Tree{}, fmt.Errorf("org.ParseFile %q: %w", path, err)
	}
	return t, nil
}

// splitRoles splits a roles cell on ; ； 、 and commas.
func splitRoles(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == '；' || r == '、' || r == ',' || r == '，'
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// canonicalKind returns the stored kind when s is a known alias, otherwise s trimmed.
func canonicalKind(s string) string {
	if k, ok := ParseKind(s); ok {
		return k
	}
	return strings.TrimSpace(s)
}

// canonicalRoles returns each role's stored value when it is known, otherwise the role
// trimmed for validation to report.
func canonicalRoles(in []string) []role.Role {
	var out []role.Role
	for _, r := range in {
		if c, ok := role.Parse(r); ok {
			out = append(out, c)
		} else if r = strings.TrimSpace(r); r != "" {
			out = append(out, role.Role(r))
		}
	}
	return out
}

// ParseCSV reads the one-file CSV shape described in the package documentation.
func ParseCSV(r io.Reader) (Tree, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return Tree{}, fmt.Errorf("org.ParseCSV: %w", apperr.New(apperr.Invalid, "第1行", "文件为空，缺少表头"))
	}
	if err != nil {
		return Tree{}, fmt.Errorf("org.ParseCSV: %w", csvError(err))
	}
	var problems []apperr.FieldError
	cols := map[string]int{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		c, ok := columnOf(h)
		if !ok {
			problems = append(problems, apperr.FieldError{Field: "第1行",
				Message: fmt.Sprintf("未知的列“%s”，可用的列为 %s", strings.TrimSpace(h), strings.Join(allColumns(), ","))})
			continue
		}
		if _, dup := cols[c]; dup {
			problems = append(problems, apperr.FieldError{Field: "第1行", Message: fmt.Sprintf("列“%s”重复", strings.TrimSpace(h))})
			continue
		}
		cols[c] = i
	}
	for _, c := range []string{colType, colName} {
		if _, ok := cols[c]; !ok {
			problems = append(problems, apperr.FieldError{Field: "第1行", Message: fmt.Sprintf("缺少列“%s”", c)})
		}
	}
	if len(problems) > 0 {
		return Tree{}, fmt.Errorf("org.ParseCSV: %w", apperr.InvalidFields(problems))
	}

	var t Tree
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Tree{}, fmt.Errorf("org.ParseCSV: %w", csvError(err))
		}
		line, _ := cr.FieldPos(0)
		pos := Pos{Line: line}
		if blank(rec) {
			continue
		}
		get := func(c string) string {
			i, ok := cols[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if extra := extraFields(rec, len(header)); extra > 0 {
			problems = append(problems, apperr.FieldError{Field: pos.String(),
				Message: fmt.Sprintf("本行有%d列，多于表头的%d列", len(rec), len(header))})
			continue
		}
		typ := get(colType)
		switch recordTypes[strings.ToLower(typ)] {
		case recUnit:
			t.Units = append(t.Units, unitRecord(pos, get))
		case recPerson:
			pw := ""
			if i, ok := cols[colPassword]; ok && i < len(rec) {
				pw = rec[i]
			}
			t.People = append(t.People, personRecord(pos, get, pw))
		default:
			msg := "记录类型不能为空，应为 unit（单位）或 person（人员）"
			if typ != "" {
				msg = fmt.Sprintf("未知的记录类型“%s”，应为 unit（单位）或 person（人员）", typ)
			}
			problems = append(problems, apperr.FieldError{Field: pos.Field(colType), Message: msg})
		}
	}
	if len(problems) > 0 {
		return Tree{}, fmt.Errorf("org.ParseCSV: %w", apperr.InvalidFields(problems))
	}
	return t, nil
}

func allColumns() []string {
	return []string{colType, colCode, colName, colKind, colParent, colLogin, colUnit, colRoles,
		colPosition, colEmail, colMobile, colPassword}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// extraFields counts non-empty fields beyond the header's width; spreadsheets often
// leave trailing empty ones, which are harmless.
func extraFields(rec []string, width int) int {
	n := 0
	for i := width; i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			n++
		}
	}
	return n
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &apperr.Error{Kind: apperr.Invalid, Field: fmt.Sprintf("第%d行", pe.Line),
			Message: fmt.Sprintf("CSV 格式错误（第%d行第%d列）：%v", pe.Line, pe.Column, pe.Err), Err: err}
	}
	return fmt.Errorf("读取 CSV：%w", err)
}

// ParseJSON reads the JSON shape described in the package documentation.
func ParseJSON(r io.Reader) (Tree, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Tree{}, fmt.Errorf("org.ParseJSON: %w", err)
	}
	data = bytes.TrimPrefix(data, bom)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Tree{}, fmt.Errorf("org.ParseJSON: %w", jsonError(data, err))
	}
	if top == nil {
		return Tree{}, fmt.Errorf("org.ParseJSON: %w", apperr.New(apperr.Invalid, "file", "JSON 文件的顶层应为对象，含 units 和 people 两个数组"))
	}
	var problems []apperr.FieldError
	var units, people []json.RawMessage
	for _, k := range sortedKeys(top) {
		var dst *[]json.RawMessage
		switch strings.ToLower(k) {
		case "units", "单位":
			dst = &units
		case "people", "persons", "人员":
			dst = &people
		default:
			field := k
			if field == "" { // a key "" still needs a field to name
				field = "file"
			}
			problems = append(problems, apperr.FieldError{Field: field, Message: fmt.Sprintf("未知的字段“%s”，顶层只能有 units 和 people", k)})
			continue
		}
		if string(top[k]) == "null" {
			continue
		}
		if err := json.Unmarshal(top[k], dst); err != nil {
			problems = append(problems, apperr.FieldError{Field: k, Message: "应为数组"})
		}
	}

	var t Tree
	var ps []apperr.FieldError
	t.Units, ps = jsonRecords(units, "units", unitKeys, func(pos Pos, f map[string]string) UnitRecord {
		return unitRecord(pos, trimmed(f))
	})
	problems = append(problems, ps...)
	t.People, ps = jsonRecords(people, "people", personKeys, func(pos Pos, f map[string]string) PersonRecord {
		return personRecord(pos, trimmed(f), f[colPassword])
	})
	problems = append(problems, ps...)
	if len(problems) > 0 {
		return Tree{}, fmt.Errorf("org.ParseJSON: %w", apperr.InvalidFields(problems))
	}
	return t, nil
}

// unitRecord builds a unit from its fields; get returns a column's trimmed value.
func unitRecord(pos Pos, get func(col string) string) UnitRecord {
	return UnitRecord{Pos: pos, Code: get(colCode), Name: get(colName), Kind: canonicalKind(get(colKind)), Parent: get(colParent)}
}

// personRecord builds a person from its fields; get returns a column's trimmed value,
// and the password is taken as it is.
func personRecord(pos Pos, get func(col string) string, password string) PersonRecord {
	return PersonRecord{Pos: pos, Login: get(colLogin), Name: get(colName), Unit: get(colUnit),
		Roles: canonicalRoles(splitRoles(get(colRoles))), Position: get(colPosition), Email: get(colEmail),
		Mobile: get(colMobile), Password: password}
}

func trimmed(fields map[string]string) func(string) string {
	return func(col string) string { return strings.TrimSpace(fields[col]) }
}

// jsonRecords builds the records of one JSON array, skipping those that are not objects.
func jsonRecords[T any](raws []json.RawMessage, array string, keys map[string]bool,
	build func(Pos, map[string]string) T) ([]T, []apperr.FieldError) {
	var out []T
	var problems []apperr.FieldError
	for i, raw := range raws {
		pos := Pos{Line: i + 1, Array: array}
		fields, ps := jsonObject(raw, pos, keys)
		problems = append(problems, ps...)
		if fields != nil {
			out = append(out, build(pos, fields))
		}
	}
	return out, problems
}

// rolesSep joins roles given as a JSON array so that splitRoles can treat both forms alike.
const rolesSep = ";"

// jsonObject reads one record: an object whose values are strings or numbers (roles may
// also be an array of strings). Keys go through the same aliases as CSV headers. It
// returns nil fields when raw is not an object.
func jsonObject(raw json.RawMessage, pos Pos, allowed map[string]bool) (map[string]string, []apperr.FieldError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, []apperr.FieldError{{Field: pos.String(), Message: "应为对象"}}
	}
	var problems []apperr.FieldError
	fields := map[string]string{}
	for _, k := range sortedKeys(obj) {
		c, ok := columnOf(k)
		if !ok || !allowed[c] {
			problems = append(problems, apperr.FieldError{Field: pos.Field(k), Message: fmt.Sprintf("未知的字段“%s”", k)})
			continue
		}
		v := obj[k]
		if c == colRoles {
			var list []string
			if err := json.Unmarshal(v, &list); err == nil {
				fields[c] = strings.Join(list, rolesSep)
				continue
			}
		}
		s, ok := jsonScalar(v)
		if !ok {
			msg := "应为字符串"
			if c == colRoles {
				msg = "应为字符串数组，如 [\"组织部干部\", \"领导\"]"
			}
			problems = append(problems, apperr.FieldError{Field: pos.Field(c), Message: msg})
			continue
		}
		fields[c] = s
	}
	return fields, problems
}

// jsonScalar accepts a string, a number (codes are often written as numbers) or null.
func jsonScalar(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonError turns a decoding error into an Invalid error naming the line and column.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return &apperr.Error{Kind: apperr.Invalid, Field: fmt.Sprintf("第%d行", line),
			Message: fmt.Sprintf("JSON 格式错误（第%d行第%d列）：%v", line, col, se), Err: err}
	case errors.As(err, &te):
		return &apperr.Error{Kind: apperr.Invalid, Field: "file", Message: "JSON 文件的顶层应为对象，含 units 和 people 两个数组", Err: err}
	default:
		return &apperr.Error{Kind: apperr.Invalid, Field: "file", Message: fmt.Sprintf("JSON 格式错误：%v", err), Err: err}
	}
}

func lineCol(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}
