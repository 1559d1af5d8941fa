package org

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/testenv"
)

// fuzzLoad is the org loader without its database: parse the file, then check the tree as
// Load does against an empty organization. Refusals name a field; what passes has a plan
// with a unit for every unit record.
func fuzzLoad(t *testing.T, parse func([]byte) (Tree, error), data []byte) {
	tree, err := parse(data)
	if err != nil {
		testenv.RequireNamedRefusal(t, err)
		return
	}
	p, problems := check(tree, newSnapshot(nil))
	for _, f := range problems {
		require.NotEmpty(t, f.Field, "%+v", f)
		require.NotEmpty(t, f.Message, "%+v", f)
	}
	if len(problems) == 0 {
		require.Len(t, p.units, len(tree.Units))
	}
}

// FuzzParseCSV feeds org files in CSV (rectify load-org) to the parser and checker.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("type,code,name,kind,parent,login,unit,roles,position\nunit,330100,某某县,county,,,,,\nunit,330101,城关镇,township,330100,,,,\nperson,,李四,,,lisi,330101,township_official;branch_secretary,书记\n"))
	f.Add([]byte("type,code,name\nunit,\"c,n\n"))
	f.Add([]byte("\xef\xbb\xbf类型,编码,名称,单位类型,上级\nunit,a,甲,county,b\nunit,b,乙,township,a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLoad(t, func(b []byte) (Tree, error) { return ParseCSV(bytes.NewReader(b)) }, data)
	})
}

// FuzzParseJSON feeds org files in JSON (rectify load-org) to the parser and checker.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"units":[{"code":"c","name":"县","kind":"county"},{"code":"t","name":"镇","kind":"township","parent":"c"}],"people":[{"login":"a","name":"甲","unit":"t","roles":["township_official"]}]}`))
	f.Add([]byte(`{"units": [{"code": true}]}`))
	f.Add([]byte(`[1, 2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLoad(t, func(b []byte) (Tree, error) { return ParseJSON(bytes.NewReader(b)) }, data)
	})
}
