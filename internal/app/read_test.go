package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/rectification"
)

// Lists page by a cursor (keyset): following next visits every item once, in the order of
// the whole list, and a cursor nobody was given is refused with its field.
func TestItemListsPageByCursor(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	o := issueThree(t, e)
	cs := e.Login("cs")
	var all rectification.ItemList
	cs.JSON("GET", "/api/items?order="+itoa(o.ID), nil, 200, &all)
	require.Len(t, all.Items, 6)
	require.Empty(t, all.Next, "not full: no next page")
	var seen []string
	next := ""
	for pages := 0; pages < 5; pages++ {
		var p rectification.ItemList
		cs.JSON("GET", "/api/items?limit=4&order="+itoa(o.ID)+"&after="+next, nil, 200, &p)
		for _, it := range p.Items {
			seen = append(seen, it.ID)
		}
		if p.Next == "" {
			break
		}
		next = p.Next
	}
	var want []string
	for _, it := range all.Items {
		want = append(want, it.ID)
	}
	require.Equal(t, want, seen)
	st, body := cs.Do("GET", "/api/items?after=bm90LWEtY3Vyc29y", nil, nil)
	requireRefused(t, st, body, "after", "分页位置after无效")
}
