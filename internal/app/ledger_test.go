package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apptest"
	"rectify/internal/ledger"
	"rectify/internal/rectification"
	"rectify/internal/testenv"
	"rectify/workflows/item/itemmsg"
)

// findCol finds a header's column and row in a sheet.
func findCol(t *testing.T, f *excelize.File, sheet, header string) (int, int) {
	t.Helper()
	rows, err := f.GetRows(sheet)
	require.NoError(t, err)
	for r, row := range rows {
		for c, v := range row {
			if v == header {
				return c + 1, r + 1
			}
		}
	}
	t.Fatalf("no header %q in %s", header, sheet)
	return 0, 0
}

func uploadSheet(t *testing.T, c *apptest.Client, path string, data []byte) (int, []byte) {
	t.Helper()
	return c.Upload(path, "进展.xlsx", data)
}

// The county exports an order's ledger; a township exports its open items, fills 本期进展 and
// a close-out request offline and re-imports: an unchanged sheet changes nothing; a filled
// one is previewed, flags the row whose item moved since the export, and on confirmation acts
// through the same Update as the API, once however often it is confirmed.
func TestLedgerExportAndProgressRoundTrip(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	o := issueThree(t, e)
	orderID := o.ID
	cs, t1o := e.Login("cs"), e.Login("t1o")
	ids := o.items(t, "T1")
	require.Len(t, ids, 3)
	a, b, c := ids[0], ids[1], ids[2]
	t1o.JSON("POST", "/api/items/"+a+"/acknowledge", nil, 200, nil)
	t1o.JSON("POST", "/api/items/"+b+"/acknowledge", nil, 200, nil)
	st, _ := t1o.Upload("/api/items/"+b+"/evidence", "记录.pdf", []byte("材料"))
	require.Equal(t, 201, st)

	// The order's ledger, Chinese and English.
	st, x := cs.Do("GET", fmt.Sprintf("/api/ledger?order=%d", orderID), nil, nil)
	require.Equal(t, 200, st, string(x))
	f := testenv.OpenXLSX(t, x)
	col, hdr := findCol(t, f, ledger.SheetLedger, "整改措施")
	var measures []string
	all, _ := f.GetRows(ledger.SheetLedger)
	for _, row := range all[hdr:] {
		if len(row) >= col && row[col-1] != "" {
			measures = append(measures, row[col-1])
		}
	}
	require.Len(t, measures, 6, "one row per item")
	st, x = cs.Do("GET", fmt.Sprintf("/api/ledger?order=%d&lang=en", orderID), nil, nil)
	require.Equal(t, 200, st)
	findCol(t, testenv.OpenXLSX(t, x), ledger.SheetLedgerEN, "Measure")
	st, _ = t1o.Do("GET", "/api/ledger?unit=T2", nil, nil)
	require.Equal(t, 200, st)

	// The township's progress sheet, re-imported unchanged: nothing to do.
	st, sheet := t1o.Do("GET", "/api/progress-sheet", nil, nil)
	require.Equal(t, 200, st, string(sheet))
	st, body := uploadSheet(t, t1o, "/api/progress-sheet/preview", sheet)
	require.Equal(t, 201, st, string(body))
	var p rectification.Preview
	require.NoError(t, jsonUnmarshal(body, &p))
	require.Equal(t, rectification.Preview{ID: p.ID, Unchanged: 3, Lines: p.Lines}, p)

	// Filled in: progress on a, progress and 销号 on b, progress on c (never signed for).
	// Meanwhile a moves through the API, so its row is stale.
	f = testenv.OpenXLSX(t, sheet)
	sh := f.GetSheetList()[0]
	pc, hr := findCol(t, f, sh, ledger.HeaderProgress)
	rc, _ := findCol(t, f, sh, ledger.HeaderRequestClose)
	nc, _ := findCol(t, f, sh, ledger.HeaderCloseNote)
	kc, _ := findCol(t, f, sh, ledger.HeaderKey)
	set := func(c, r int, v string) {
		name, _ := excelize.CoordinatesToCellName(c, r)
		require.NoError(t, f.SetCellValue(sh, name, v))
	}
	for r := hr + 1; r <= hr+3; r++ {
		name, _ := excelize.CoordinatesToCellName(kc, r)
		key, _ := f.GetCellValue(sh, name)
		switch strings.Split(key, "|")[0] {
		case a:
			set(pc, r, "已完成一半")
		case b:
			set(pc, r, "已全部完成")
			set(rc, r, "是")
			set(nc, r, "台账已补齐")
		case c:
			set(pc, r, "正在推进")
		}
	}
	var filled bytes.Buffer
	require.NoError(t, f.Write(&filled))
	t1o.JSON("POST", "/api/items/"+a+"/progress", map[string]any{"note": "在线报送"}, 200, nil)

	st, body = uploadSheet(t, t1o, "/api/progress-sheet/preview", filled.Bytes())
	require.Equal(t, 201, st, string(body))
	require.NoError(t, jsonUnmarshal(body, &p))
	require.Equal(t, 1, p.Progress)
	require.Equal(t, 1, p.CloseRequests)
	require.Equal(t, 1, p.Stale, "a moved since the export")
	require.Equal(t, 1, p.Errors, "c was never signed for")
	require.Zero(t, p.Unchanged)
	outcome := map[string]string{}
	for _, l := range p.Lines {
		outcome[l.ItemID] = l.Outcome
	}
	require.Equal(t, map[string]string{a: "stale", b: "progress_close", c: "error"}, outcome)

	// Another unit cannot apply it; the township applies it twice and it acts once.
	st, _ = cs.Do("POST", fmt.Sprintf("/api/progress-sheet/%d/apply", p.ID), nil, nil)
	require.Equal(t, http.StatusNotFound, st)
	for range 2 {
		var applied struct{ Applied []rectification.AppliedLine }
		t1o.JSON("POST", fmt.Sprintf("/api/progress-sheet/%d/apply", p.ID), nil, 200, &applied)
		require.Equal(t, []rectification.AppliedLine{{Line: applied.Applied[0].Line, ItemID: b, State: string(itemmsg.CloseRequested)}}, applied.Applied)
	}
	var actions []string
	arows, err := e.Sys.Pool.Query(ctx, `SELECT action || ':' || note FROM item_audit WHERE item_id = $1 ORDER BY revision`, b)
	require.NoError(t, err)
	for arows.Next() {
		var s string
		require.NoError(t, arows.Scan(&s))
		actions = append(actions, s)
	}
	require.Equal(t, []string{"issue:", "acknowledge:", "progress:已全部完成", "request_close:台账已补齐"}, actions)
	var aProgress string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT last_progress FROM items WHERE id = $1`, a).Scan(&aProgress))
	require.Equal(t, "在线报送", aProgress, "the stale row did not overwrite")

	// A malformed sheet is refused with the row and column named.
	f = testenv.OpenXLSX(t, sheet)
	name, _ := excelize.CoordinatesToCellName(rc, hr+1)
	require.NoError(t, f.SetCellValue(sh, name, "可以"))
	var bad bytes.Buffer
	require.NoError(t, f.Write(&bad))
	st, body = uploadSheet(t, t1o, "/api/progress-sheet/preview", bad.Bytes())
	require.Equal(t, 400, st)
	require.Contains(t, string(body), "应填“是”或留空")
}
