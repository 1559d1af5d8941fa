package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/rectification"
	"rectify/workflows/item/itemmsg"
)

// errorCodes is the JSON error code each refusal status must carry.
var errorCodes = map[int]string{400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}

func errorBody(t *testing.T, body []byte) (code, field string, fields int) {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
			Fields  []struct {
				Field string `json:"field"`
			} `json:"fields"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &b), "error body: %s", body)
	require.NotEmpty(t, b.Error.Message, "error body: %s", body)
	return b.Error.Code, b.Error.Field, len(b.Error.Fields)
}

// scopeCase is one row of the matrix: who does what to something related to their own
// unit by rel, and the exact status they must get.
type scopeCase struct {
	who, rel, what string
	want           int
	do             func(c *apptest.Client) (int, []byte)
	check          func(t *testing.T, body []byte)
}

// TestScopingMatrix proves 一级抓一级 over HTTP: who sees and who may act on which items,
// orders and evidence, for every role against their own, child, sibling and parent units.
//
// Fixture: order A by cs (C) to T1 and T2 (3 items each), order B by t1o (T1) to V11 (1 item).
// Items: a1 a2 a3 at T1, b1 b2 b3 at T2, v at V11. Rows run in order; the action rows are
// arranged so that every expectation is exact: a1/b1/v are acknowledged once, a2 and b2 are
// cancelled by cs, a3/b3 receive evidence, and v is cancelled by T1 last of all (which ends
// its unit workflow, since it is that unit's only item).
func TestScopingMatrix(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()

	oA := issueThree(t, e)
	orderA := oA.ID
	clients := map[string]*apptest.Client{}
	for _, login := range []string{"cs", "cl", "t1s", "t1o", "t1l", "t2s", "t2o", "v11", "v21"} {
		clients[login] = e.Login(login)
	}

	// Order B: t1o issues to V11.
	var created struct{ ID int64 }
	clients["t1o"].JSON("POST", "/api/orders", villageDraft("V11"), 201, &created)
	orderB := created.ID
	clients["t1o"].JSON("POST", fmt.Sprintf("/api/orders/%d/issue", orderB), nil, 202, nil)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var n int
		var status string
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM items WHERE order_id = o.id), o.status FROM orders o WHERE o.id = $1`,
			orderB).Scan(&n, &status))
		assert.Equal(c, 1, n)
		assert.Equal(c, "issued", status)
	}, 30*time.Second, 50*time.Millisecond)

	var ordB order.Order
	clients["t1o"].JSON("GET", fmt.Sprintf("/api/orders/%d", orderB), nil, 200, &ordB)
	require.Len(t, oA.Order.Problems, 2)
	inT1, inT2 := oA.items(t, "T1"), oA.items(t, "T2")
	a1, a2, a3 := inT1[0], inT1[1], inT1[2]
	b1, b2, b3 := inT2[0], inT2[1], inT2[2]
	v := itemmsg.ItemID(ordB.Problems[0].Measures[0].ID, oA.unitID(t, "V11"))
	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE id = ANY($1)`, []string{a1, a2, a3, b1, b2, b3, v}).Scan(&n))
	require.Equal(t, 7, n, "the seven fixture items exist under the ids the test computes")

	// Row builders.
	getItem := func(who, rel, label, id string, want int) scopeCase {
		return scopeCase{who: who, rel: rel, what: "GET item " + label, want: want,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", "/api/items/"+id, nil, nil) },
			check: func(t *testing.T, body []byte) {
				var d struct{ Item items.Row }
				require.NoError(t, json.Unmarshal(body, &d))
				require.Equal(t, id, d.Item.ID)
			}}
	}
	// listItems asks for ?unit=code (or everything with code "") and wants exactly these
	// counts by unit code.
	listItems := func(who, rel, code string, want map[string]int) scopeCase {
		path, what := "/api/items", "GET items"
		if code != "" {
			path, what = "/api/items?unit="+code, "GET items?unit="+code
		}
		return scopeCase{who: who, rel: rel, what: what, want: 200,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", path, nil, nil) },
			check: func(t *testing.T, body []byte) {
				var l struct{ Items []items.Row }
				require.NoError(t, json.Unmarshal(body, &l))
				got := map[string]int{}
				for _, it := range l.Items {
					got[it.UnitCode]++
				}
				require.Equal(t, want, got, "items by unit")
			}}
	}
	getOrder := func(who, rel, label string, id int64, want int) scopeCase {
		return scopeCase{who: who, rel: rel, what: "GET order " + label, want: want,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", fmt.Sprintf("/api/orders/%d", id), nil, nil) },
			check: func(t *testing.T, body []byte) {
				var o order.Order
				require.NoError(t, json.Unmarshal(body, &o))
				require.Equal(t, id, o.ID)
			}}
	}
	listOrders := func(who string, want ...int64) scopeCase {
		return scopeCase{who: who, rel: "scope", what: "GET orders", want: 200,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", "/api/orders", nil, nil) },
			check: func(t *testing.T, body []byte) {
				var l struct{ Orders []order.Order }
				require.NoError(t, json.Unmarshal(body, &l))
				got := []int64{}
				for _, o := range l.Orders {
					got = append(got, o.ID)
				}
				sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
				if want == nil {
					want = []int64{}
				}
				require.Equal(t, want, got)
			}}
	}
	// orderShare: of an order seen whole or in part, exactly these targets (by code) and
	// their items, in the detail and in the list.
	orderShare := func(who, rel, label string, id int64, targets []string, items int, partial bool) []scopeCase {
		check := func(t *testing.T, o order.Order) {
			var got []string
			for _, tg := range o.Targets {
				got = append(got, tg.Code)
			}
			require.Equal(t, targets, got, "targets")
			require.Equal(t, items, o.Items, "items counted")
			n := 0
			for _, c := range o.Counts {
				n += c
			}
			require.Equal(t, items, n, "counts by state")
			require.Equal(t, partial, o.Partial, "seen in part")
		}
		return []scopeCase{{who: who, rel: rel, what: "GET order share " + label, want: 200,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", fmt.Sprintf("/api/orders/%d", id), nil, nil) },
			check: func(t *testing.T, body []byte) {
				var o order.Order
				require.NoError(t, json.Unmarshal(body, &o))
				check(t, o)
			}}, {who: who, rel: rel, what: "GET orders share " + label, want: 200,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("GET", "/api/orders", nil, nil) },
			check: func(t *testing.T, body []byte) {
				var l struct{ Orders []order.Order }
				require.NoError(t, json.Unmarshal(body, &l))
				i := slices.IndexFunc(l.Orders, func(o order.Order) bool { return o.ID == id })
				require.GreaterOrEqual(t, i, 0)
				require.Equal(t, items, l.Orders[i].Items, "items counted in the list")
				require.Empty(t, l.Orders[i].Targets)
			}}}
	}
	// planShare: the reminder plan names exactly these units, and none of the others' people.
	planShare := func(who, rel, label string, id int64, units []string, strangers []string, want int) scopeCase {
		return scopeCase{who: who, rel: rel, what: "GET reminder plan " + label, want: want,
			do: func(c *apptest.Client) (int, []byte) {
				return c.Do("GET", fmt.Sprintf("/api/orders/%d/reminder-plan", id), nil, nil)
			},
			check: func(t *testing.T, body []byte) {
				var p struct{ Steps []rectification.PlanStep }
				require.NoError(t, json.Unmarshal(body, &p))
				require.NotEmpty(t, p.Steps)
				got := map[string]bool{}
				for _, st := range p.Steps {
					got[st.Unit] = true
					for _, name := range strangers {
						require.NotContains(t, st.Recipients, name)
					}
				}
				require.Len(t, got, len(units))
				for _, u := range units {
					require.True(t, got[u], "steps of %s", u)
				}
			}}
	}
	// act is an action on an item, named by the first word of what; when it is done, the item
	// is in the action's state.
	doneState := map[string]itemmsg.State{"acknowledge": itemmsg.Acknowledged, "cancel": itemmsg.Cancelled}
	act := func(who, rel, what, id string, want int) scopeCase {
		action, _, _ := strings.Cut(what, " ")
		state := doneState[action]
		return scopeCase{who: who, rel: rel, what: what, want: want,
			do: func(c *apptest.Client) (int, []byte) { return c.Do("POST", "/api/items/"+id+"/"+action, nil, nil) },
			check: func(t *testing.T, body []byte) {
				var res itemmsg.ActionResult
				require.NoError(t, json.Unmarshal(body, &res))
				require.Equal(t, id, res.ItemID)
				require.Equal(t, state, res.State)
			}}
	}
	// The evidence each item received from an upload row, and its content.
	type stored struct {
		id      int64
		content []byte
	}
	evidence := map[string]stored{}
	upload := func(who, rel, label, id string, want int) scopeCase {
		content := []byte("佐证材料 " + who + " " + id)
		return scopeCase{who: who, rel: rel, what: "upload evidence " + label, want: want,
			do: func(c *apptest.Client) (int, []byte) {
				return c.Upload("/api/items/"+id+"/evidence", "证明.txt", content)
			},
			check: func(t *testing.T, body []byte) {
				var f struct {
					ID     int64  `json:"id"`
					ItemID string `json:"item_id"`
				}
				require.NoError(t, json.Unmarshal(body, &f))
				require.Equal(t, id, f.ItemID)
				require.NotZero(t, f.ID)
				require.NotContains(t, evidence, id, "one upload an item")
				evidence[id] = stored{f.ID, content}
			}}
	}
	// getEvidence reads what an earlier row uploaded to item id; on 200 it is the same bytes.
	getEvidence := func(who, rel, label, id string, want int) scopeCase {
		return scopeCase{who: who, rel: rel, what: "GET evidence " + label, want: want,
			do: func(c *apptest.Client) (int, []byte) {
				require.Contains(t, evidence, id, "the evidence was uploaded by an earlier row")
				return c.Do("GET", fmt.Sprintf("/api/evidence/%d", evidence[id].id), nil, nil)
			},
			check: func(t *testing.T, body []byte) { require.Equal(t, evidence[id].content, body) }}
	}
	var drafts int
	postOrder := func(who, rel string, targets []string, want int, field string) scopeCase {
		if want == 201 {
			drafts++
		}
		return scopeCase{who: who, rel: rel, what: "POST order to " + strings.Join(targets, ","), want: want,
			do: func(c *apptest.Client) (int, []byte) {
				return c.Do("POST", "/api/orders", villageDraft(targets...), nil)
			},
			check: func(t *testing.T, body []byte) {
				if want == 400 {
					_, f, nf := errorBody(t, body)
					require.Equal(t, field, f)
					require.Equal(t, 1, nf, "exactly one field is wrong: %s", body)
					return
				}
				var o struct {
					ID     int64  `json:"id"`
					Status string `json:"status"`
				}
				require.NoError(t, json.Unmarshal(body, &o))
				require.NotZero(t, o.ID)
				require.Equal(t, "draft", o.Status)
			}}
	}

	cases := []scopeCase{
		// --- Reading one item: own unit, units below for subtree roles; never sibling or parent.
		getItem("cs", "child", "T1", a1, 200),
		getItem("cs", "child", "T2", b1, 200),
		getItem("cs", "grandchild", "V11", v, 200),
		getItem("cl", "child", "T1", a1, 200),
		getItem("cl", "child", "T2", b1, 200),
		getItem("cl", "grandchild", "V11", v, 200),
		getItem("t1o", "own", "T1", a1, 200),
		getItem("t1o", "child", "V11", v, 200),
		getItem("t1o", "sibling", "T2", b1, 404),
		getItem("t1s", "own", "T1", a1, 200),
		getItem("t1s", "sibling", "T2", b1, 404),
		getItem("t1l", "own", "T1", a1, 200),
		getItem("t1l", "child", "V11", v, 200),
		getItem("t1l", "sibling", "T2", b1, 404),
		getItem("t2o", "own", "T2", b1, 200),
		getItem("t2o", "sibling", "T1", a1, 404),
		getItem("t2o", "sibling-child", "V11", v, 404),
		getItem("t2s", "own", "T2", b2, 200),
		getItem("t2s", "sibling", "T1", a2, 404),
		getItem("v11", "own", "V11", v, 200),
		getItem("v11", "parent", "T1", a1, 404),
		getItem("v11", "parent-sibling", "T2", b1, 404),
		getItem("v21", "parent", "T2", b1, 404),
		getItem("v21", "parent-sibling", "T1", a1, 404),
		getItem("v21", "cousin", "V11", v, 404),
		getItem("cs", "none", "unknown id", "m999999-u1", 404),

		// --- Listing items by unit: exact counts.
		listItems("cs", "scope", "", map[string]int{"T1": 3, "T2": 3, "V11": 1}),
		listItems("cs", "own", "C", map[string]int{}),
		listItems("cs", "child", "T1", map[string]int{"T1": 3}),
		listItems("cs", "child", "T2", map[string]int{"T2": 3}),
		listItems("cs", "grandchild", "V11", map[string]int{"V11": 1}),
		listItems("cl", "scope", "", map[string]int{"T1": 3, "T2": 3, "V11": 1}),
		listItems("cl", "child", "T1", map[string]int{"T1": 3}),
		listItems("t1o", "scope", "", map[string]int{"T1": 3, "V11": 1}),
		listItems("t1o", "own", "T1", map[string]int{"T1": 3}),
		listItems("t1o", "child", "V11", map[string]int{"V11": 1}),
		listItems("t1o", "sibling", "T2", map[string]int{}),
		listItems("t1o", "sibling-child", "V21", map[string]int{}),
		listItems("t1o", "parent", "C", map[string]int{}),
		listItems("t1l", "scope", "", map[string]int{"T1": 3, "V11": 1}),
		listItems("t1l", "child", "V11", map[string]int{"V11": 1}),
		listItems("t1l", "sibling", "T2", map[string]int{}),
		listItems("t2o", "scope", "", map[string]int{"T2": 3}),
		listItems("t2o", "own", "T2", map[string]int{"T2": 3}),
		listItems("t2o", "sibling", "T1", map[string]int{}),
		listItems("t2o", "sibling-child", "V11", map[string]int{}),
		listItems("v11", "scope", "", map[string]int{"V11": 1}),
		listItems("v11", "own", "V11", map[string]int{"V11": 1}),
		listItems("v11", "parent", "T1", map[string]int{}),
		listItems("v11", "parent-sibling", "T2", map[string]int{}),
		listItems("v21", "scope", "", map[string]int{}),
		listItems("v21", "own", "V21", map[string]int{}),
		listItems("v21", "parent", "T2", map[string]int{}),
		listItems("v21", "cousin", "V11", map[string]int{}),

		// --- Orders: visible to the issuer's scope and to the targets' scope.
		getOrder("cs", "own-issuer", "A", orderA, 200),
		getOrder("cs", "child-issuer", "B", orderB, 200),
		getOrder("cl", "own-issuer", "A", orderA, 200),
		getOrder("cl", "child-issuer", "B", orderB, 200),
		getOrder("t1o", "own-target", "A", orderA, 200),
		getOrder("t1o", "own-issuer", "B", orderB, 200),
		getOrder("t1s", "own-issuer", "B", orderB, 200),
		getOrder("t1l", "own-target", "A", orderA, 200),
		getOrder("t1l", "own-issuer", "B", orderB, 200),
		getOrder("t2o", "own-target", "A", orderA, 200),
		getOrder("t2o", "sibling-issuer", "B", orderB, 404),
		getOrder("v11", "own-target", "B", orderB, 200),
		getOrder("v11", "parent-target", "A", orderA, 404),
		getOrder("v21", "parent-target", "A", orderA, 404),
		getOrder("v21", "cousin-target", "B", orderB, 404),
		getOrder("cs", "none", "unknown id", 999999, 404),
		listOrders("cs", orderA, orderB),
		listOrders("cl", orderA, orderB),
		listOrders("t1o", orderA, orderB),
		listOrders("t1l", orderA, orderB),
		listOrders("t2o", orderA),
		listOrders("v11", orderB),
		listOrders("v21"),
	}
	// --- An order shared by the sibling townships T1 and T2: each sees its own share only;
	// the county (the issuer) sees all.
	cases = slices.Concat(cases,
		orderShare("cs", "own-issuer", "A", orderA, []string{"T1", "T2"}, 6, false),
		orderShare("cl", "own-issuer", "A", orderA, []string{"T1", "T2"}, 6, false),
		orderShare("t1o", "own-target", "A", orderA, []string{"T1"}, 3, true),
		orderShare("t1l", "own-target", "A", orderA, []string{"T1"}, 3, true),
		orderShare("t2o", "own-target", "A", orderA, []string{"T2"}, 3, true),
		orderShare("t2s", "own-target", "A", orderA, []string{"T2"}, 3, true),
		orderShare("t1o", "own-issuer", "B", orderB, []string{"V11"}, 1, false),
		orderShare("v11", "own-target", "B", orderB, []string{"V11"}, 1, true),
	)
	cases = append(cases,
		planShare("cs", "own-issuer", "A", orderA, []string{"城关镇", "河西乡"}, nil, 200),
		planShare("t1o", "own-target", "A", orderA, []string{"城关镇"}, []string{"河西乡书记", "河西乡组织委员"}, 200),
		planShare("t2o", "own-target", "A", orderA, []string{"河西乡"}, []string{"城关镇书记", "城关镇组织委员", "城关镇领导"}, 200),
		planShare("t1l", "own-target", "A", orderA, []string{"城关镇"}, []string{"河西乡书记", "河西乡组织委员"}, 200),
		planShare("v21", "parent-target", "A", orderA, nil, nil, 404),
		planShare("t2o", "sibling-issuer", "B", orderB, nil, nil, 404),
	)
	cases = append(cases, []scopeCase{

		// --- Acknowledge: only a non-leader person of the item's unit. a1 at T1:
		act("cs", "child", "acknowledge T1", a1, 403),
		act("cl", "child", "acknowledge T1", a1, 403),
		act("t1l", "own", "acknowledge T1", a1, 403),
		act("t2o", "sibling", "acknowledge T1", a1, 404),
		act("v11", "parent", "acknowledge T1", a1, 404),
		act("v21", "parent-sibling", "acknowledge T1", a1, 404),
		act("t1o", "own", "acknowledge T1", a1, 200),
		act("t1s", "own", "acknowledge T1 again", a1, 409),
		// v at V11:
		act("t1o", "child", "acknowledge V11", v, 403),
		act("t1l", "child", "acknowledge V11", v, 403),
		act("cs", "grandchild", "acknowledge V11", v, 403),
		act("t2o", "sibling-child", "acknowledge V11", v, 404),
		act("v21", "cousin", "acknowledge V11", v, 404),
		act("v11", "own", "acknowledge V11", v, 200),
		act("v11", "own", "acknowledge V11 again", v, 409),
		// b1 at T2:
		act("t1o", "sibling", "acknowledge T2", b1, 404),
		act("v21", "parent", "acknowledge T2", b1, 404),
		act("t2o", "own", "acknowledge T2", b1, 200),

		// --- Cancel: only org_staff/township_official of the issuing unit. a2 at T1 (order A by C):
		act("cl", "child", "cancel T1", a2, 403),
		act("t1o", "own", "cancel T1", a2, 403),
		act("t1l", "own", "cancel T1", a2, 403),
		act("t2o", "sibling", "cancel T1", a2, 404),
		act("v11", "parent", "cancel T1", a2, 404),
		act("cs", "child", "cancel T1", a2, 200),
		act("cs", "child", "cancel T1 again", a2, 409),
		act("t1o", "own", "acknowledge cancelled T1", a2, 409),
		act("t1l", "own", "acknowledge cancelled T1", a2, 403),
		act("t2o", "sibling", "acknowledge cancelled T1", a2, 404),
		upload("t1o", "own", "on cancelled T1", a2, 409),
		// b2 at T2:
		act("t1o", "sibling", "cancel T2", b2, 404),
		act("t2s", "own", "cancel T2", b2, 403),
		act("cs", "child", "cancel T2", b2, 200),
		// v at V11 (order B by T1): the county is not the issuer.
		act("cs", "grandchild", "cancel V11", v, 403),
		act("cl", "grandchild", "cancel V11", v, 403),
		act("v11", "own", "cancel V11", v, 403),
		act("t1l", "child", "cancel V11", v, 403),
		act("t2o", "sibling-child", "cancel V11", v, 404),
		act("v21", "cousin", "cancel V11", v, 404),

		// --- Evidence: uploaded only by a non-leader person of the item's unit.
		upload("t1l", "own", "T1", a3, 403),
		upload("cs", "child", "T1", a3, 403),
		upload("cl", "child", "T1", a3, 403),
		upload("t2o", "sibling", "T1", a3, 404),
		upload("v11", "parent", "T1", a3, 404),
		upload("t1o", "own", "T1", a3, 201),
		upload("t1o", "child", "V11", v, 403),
		upload("t1l", "child", "V11", v, 403),
		upload("cs", "grandchild", "V11", v, 403),
		upload("t2o", "sibling-child", "V11", v, 404),
		upload("v21", "cousin", "V11", v, 404),
		upload("v11", "own", "V11", v, 201),
		upload("t1o", "sibling", "T2", b3, 404),
		upload("v21", "parent", "T2", b3, 404),
		upload("t2o", "own", "T2", b3, 201),
		// ...and read by whoever sees the item.
		getEvidence("t1o", "own", "T1", a3, 200),
		getEvidence("t1s", "own", "T1", a3, 200),
		getEvidence("t1l", "own", "T1", a3, 200),
		getEvidence("cs", "child", "T1", a3, 200),
		getEvidence("cl", "child", "T1", a3, 200),
		getEvidence("t2o", "sibling", "T1", a3, 404),
		getEvidence("v11", "parent", "T1", a3, 404),
		getEvidence("v21", "parent-sibling", "T1", a3, 404),
		getEvidence("v11", "own", "V11", v, 200),
		getEvidence("t1o", "child", "V11", v, 200),
		getEvidence("t1l", "child", "V11", v, 200),
		getEvidence("cs", "grandchild", "V11", v, 200),
		getEvidence("t2o", "sibling-child", "V11", v, 404),
		getEvidence("v21", "cousin", "V11", v, 404),
		getEvidence("t2o", "own", "T2", b3, 200),
		getEvidence("cs", "child", "T2", b3, 200),
		getEvidence("t1o", "sibling", "T2", b3, 404),
		getEvidence("v11", "parent-sibling", "T2", b3, 404),
		getEvidence("v21", "parent", "T2", b3, 404),

		// --- The issuing unit cancels v last: it was V11's only item of order B, so its
		// workflow ends; the item refuses everything after.
		act("t1s", "child", "cancel V11", v, 200),
		act("t1o", "child", "cancel V11 again", v, 409),
		act("v11", "own", "acknowledge cancelled V11", v, 409),
		upload("v11", "own", "on cancelled V11", v, 409),
		// With the workflow gone, those who may not act are still told so, not 409.
		act("t1l", "child", "cancel V11 after end", v, 403),
		act("cs", "grandchild", "acknowledge V11 after end", v, 403),
		getEvidence("v11", "own", "V11 after cancel", v, 200),

		// --- Creating orders: only org_staff and township officials, to units strictly below.
		postOrder("cs", "own", []string{"C"}, 400, "targets[0]"),
		postOrder("cs", "child", []string{"T1"}, 201, ""),
		postOrder("cs", "grandchild", []string{"V11"}, 201, ""),
		postOrder("cl", "child", []string{"T1"}, 403, ""),
		postOrder("t1o", "own", []string{"T1"}, 400, "targets[0]"),
		postOrder("t1o", "child", []string{"V11"}, 201, ""),
		postOrder("t1o", "sibling", []string{"T2"}, 400, "targets[0]"),
		postOrder("t1o", "parent", []string{"C"}, 400, "targets[0]"),
		postOrder("t1o", "sibling-child", []string{"V21"}, 400, "targets[0]"),
		postOrder("t1o", "child+sibling", []string{"V11", "T2"}, 400, "targets[1]"),
		postOrder("t1s", "child", []string{"V11"}, 201, ""),
		postOrder("t1l", "child", []string{"V11"}, 403, ""),
		postOrder("t2o", "own", []string{"T2"}, 400, "targets[0]"),
		postOrder("t2o", "child", []string{"V21"}, 201, ""),
		postOrder("t2o", "sibling", []string{"T1"}, 400, "targets[0]"),
		postOrder("t2o", "parent", []string{"C"}, 400, "targets[0]"),
		postOrder("t2o", "sibling-child", []string{"V11"}, 400, "targets[0]"),
		postOrder("v11", "own", []string{"V11"}, 403, ""),
		postOrder("v11", "parent", []string{"T1"}, 403, ""),
		postOrder("v21", "own", []string{"V21"}, 403, ""),
	}...)

	seen := map[string]bool{}
	for _, c := range cases {
		name := c.who + "/" + c.rel + "/" + c.what
		require.False(t, seen[name], "duplicate case %s", name)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			st, body := c.do(clients[c.who])
			require.Equal(t, c.want, st, "%s", body)
			if st >= 400 {
				code, _, _ := errorBody(t, body)
				require.Equal(t, errorCodes[st], code)
			}
			if c.check != nil && st <= 400 { // successes, and the field of a 400
				c.check(t, body)
			}
		})
	}

	// Refusals changed nothing: each item carries exactly the accepted actions.
	wantTrail := map[string][]string{
		a1: {"issued", "acknowledged"}, a2: {"issued", "cancelled"}, a3: {"issued"},
		b1: {"issued", "acknowledged"}, b2: {"issued", "cancelled"}, b3: {"issued"},
		v: {"issued", "acknowledged", "cancelled"},
	}
	wantEvidence := map[string]int{a3: 1, b3: 1, v: 1}
	for id, trail := range wantTrail {
		var d struct {
			Item     items.Row
			Timeline []items.Event
			Evidence []json.RawMessage
		}
		clients["cs"].JSON("GET", "/api/items/"+id, nil, 200, &d)
		var got []string
		for _, ev := range d.Timeline {
			got = append(got, ev.To)
		}
		assert.Equal(t, trail, got, "timeline of %s", id)
		assert.Equal(t, trail[len(trail)-1], d.Item.State, "state of %s", id)
		assert.EqualValues(t, len(trail), d.Item.Revision, "revision of %s", id)
		assert.Len(t, d.Evidence, wantEvidence[id], "evidence of %s", id)
	}
	var orders int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&orders))
	require.Equal(t, 2+drafts, orders, "only the accepted drafts were stored")
}

// TestUnauthenticated proves that every staff endpoint needs a person: no session, a signed-out
// session, or an unknown or revoked Bearer token answer 401 with a JSON error.
func TestUnauthenticated(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true})
	anon := e.Anonymous()
	send := func(t *testing.T, method, path, bearer string, body string) (int, []byte) {
		t.Helper()
		h := http.Header{}
		if body != "" {
			h.Set("Content-Type", "application/json")
		}
		if bearer != "" {
			h.Set("Authorization", "Bearer "+bearer)
		}
		st, _, b := anon.Send(method, path, strings.NewReader(body), h)
		return st, b
	}
	unauthenticated := func(t *testing.T, st int, body []byte) {
		t.Helper()
		require.Equal(t, 401, st, "%s", body)
		code, _, _ := errorBody(t, body)
		require.Equal(t, "unauthenticated", code)
	}
	// Every staff endpoint a stranger might try, with the body it would need.
	endpoints := []string{
		"GET /api/me",
		"GET /api/items",
		"GET /api/items?unit=T1",
		"GET /api/items/m1-u1",
		"GET /api/me/items",
		"GET /api/orders",
		"GET /api/orders/1",
		"POST /api/orders",
		"POST /api/orders/1/issue",
		"POST /api/items/m1-u1/acknowledge",
		"POST /api/items/m1-u1/cancel",
		"POST /api/items/m1-u1/evidence",
		"GET /api/evidence/1",
		"POST /api/tokens",
	}
	bodies := map[string]string{
		"POST /api/orders": `{"title":"x"}`,
		"POST /api/tokens": `{"name":"x"}`,
	}
	// What anyone may read: the health check and the API's description.
	st, _ := send(t, "GET", "/healthz", "", "")
	require.Equal(t, 204, st)
	st, body := send(t, "GET", "/api/openapi.json", "", "")
	require.Equal(t, 200, st)
	require.Contains(t, string(body), `"openapi": "3.0.3"`)
	for _, ep := range endpoints {
		t.Run("anonymous/"+ep, func(t *testing.T) {
			method, path, _ := strings.Cut(ep, " ")
			st, body := send(t, method, path, "", bodies[ep])
			unauthenticated(t, st, body)
		})
	}

	cs := e.Login("cs")
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	cs.JSON("POST", "/api/tokens", map[string]string{"name": "脚本"}, 201, &tok)
	require.True(t, strings.HasPrefix(tok.Token, "rct_"))

	t.Run("bearer/valid", func(t *testing.T) {
		st, body := send(t, "GET", "/api/me", tok.Token, "")
		require.Equal(t, 200, st, "%s", body)
		var me struct{ Login string }
		require.NoError(t, json.Unmarshal(body, &me))
		require.Equal(t, "cs", me.Login)
		st, body = send(t, "GET", "/api/items", tok.Token, "")
		require.Equal(t, 200, st, "%s", body)
		st, body = send(t, "GET", "/api/tokens", tok.Token, "")
		require.Equal(t, 200, st, "%s", body)
		require.Contains(t, string(body), `"name":"脚本"`)
		require.NotContains(t, string(body), tok.Token, "a listed token never shows its secret")
	})
	t.Run("bearer/unknown", func(t *testing.T) {
		st, body := send(t, "GET", "/api/items", "rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
		unauthenticated(t, st, body)
	})
	t.Run("bearer/malformed", func(t *testing.T) {
		st, body := send(t, "GET", "/api/items", "not-a-token", "")
		unauthenticated(t, st, body)
	})
	t.Run("bearer/tampered", func(t *testing.T) {
		st, body := send(t, "GET", "/api/me", tok.Token+"x", "")
		unauthenticated(t, st, body)
	})
	t.Run("bearer/revoked", func(t *testing.T) {
		st, body := cs.Do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), nil, nil)
		require.Equal(t, 204, st, "%s", body)
		for _, path := range []string{"/api/me", "/api/items", "/api/orders"} {
			st, body := send(t, "GET", path, tok.Token, "")
			unauthenticated(t, st, body)
		}
	})
	t.Run("bearer/bad token beats a valid session", func(t *testing.T) {
		st, body := cs.Do("GET", "/api/items", nil, http.Header{"Authorization": {"Bearer " + tok.Token}})
		unauthenticated(t, st, body)
		st, body = cs.Do("GET", "/api/items", nil, nil)
		require.Equal(t, 200, st, "the session itself still works: %s", body)
	})
	t.Run("session/signed out", func(t *testing.T) {
		st, body := cs.Do("DELETE", "/api/session", nil, nil)
		require.Equal(t, 204, st, "%s", body)
		st, body = cs.Do("GET", "/api/items", nil, nil)
		unauthenticated(t, st, body)
	})
}
