package app_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/testenv"
)

// corpus reads a fuzz corpus directory of single-[]byte entries ("go test fuzz v1" files).
func corpus(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<24)
		require.True(t, sc.Scan())
		require.Equal(t, "go test fuzz v1", sc.Text())
		require.True(t, sc.Scan())
		lit, ok := strings.CutPrefix(sc.Text(), "[]byte(")
		require.True(t, ok, "%s: %s", e.Name(), sc.Text())
		data, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		require.NoError(t, err, e.Name())
		out[e.Name()] = []byte(data)
	}
	return out
}

// Every problem list of the fuzz corpora, valid or broken, is imported over HTTP: a refused
// file leaves no order, problem or measure behind, and an accepted one adds exactly one draft.
func TestRefusedProblemListsStoreNothing(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs := e.Login("cs")
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	rows := func() [3]int {
		var n [3]int
		for i, table := range []string{"orders", "problems", "measures"} {
			require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n[i]))
		}
		return n
	}
	refused := 0
	for _, format := range []string{"XLSX", "CSV"} {
		for name, data := range corpus(t, filepath.Join(root, "internal", "problemlist", "testdata", "fuzz", "FuzzRead"+format)) {
			before := rows()
			st, body := postForm(t, cs, "/api/orders/import", name+"."+strings.ToLower(format), data, map[string]string{"source": "督查"})
			after := rows()
			switch st {
			case 201:
				require.Equal(t, before[0]+1, after[0], "%s: one draft", name)
			case 400:
				refused++
				require.Contains(t, string(body), `"field"`, "%s: the refusal names a field", name)
				require.Equal(t, before, after, "%s was refused but stored rows: %s", name, body)
			default:
				t.Fatalf("%s: status %d: %s", name, st, body)
			}
		}
	}
	require.GreaterOrEqual(t, refused, 5, "the corpora hold broken files")
}
