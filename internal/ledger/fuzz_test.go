package ledger_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"rectify/internal/ledger"
	"rectify/internal/limits"
	"rectify/internal/testenv"
)

// FuzzReadProgressSheet feeds uploaded progress sheets (POST /api/progress-sheet/preview) to
// the reader: a refused sheet is an Invalid error naming a field; an accepted one has one
// line per distinct item, each within the bounds the API puts on notes.
func FuzzReadProgressSheet(f *testing.F) {
	var buf bytes.Buffer
	if err := ledger.WriteProgressSheet(&buf, ledger.Options{}, sampleRows()[:3]); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04 not really a workbook"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := ledger.ReadProgressSheet(bytes.NewReader(data), 1<<20)
		if err != nil {
			testenv.RequireNamedRefusal(t, err)
			return
		}
		seen := map[string]bool{}
		for _, l := range lines {
			require.Positive(t, l.Line)
			require.NotEmpty(t, l.ItemID)
			require.False(t, seen[l.ItemID], "item %s twice", l.ItemID)
			seen[l.ItemID] = true
			require.LessOrEqual(t, utf8.RuneCountInString(l.Progress), limits.MaxNote)
			require.LessOrEqual(t, utf8.RuneCountInString(l.CloseNote), limits.MaxNote)
			if l.RequestClose {
				require.NotEmpty(t, l.CloseNote)
			}
		}
	})
}
