package problemlist

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/testenv"
)

// fuzzImport is the import of a problem list up to the draft order: read the file, convert
// it with a resolver. Refusals name a field; an accepted sheet gives one measure per row.
func fuzzImport(t *testing.T, data []byte, filename string) {
	s, err := Read(bytes.NewReader(data), Options{Filename: filename})
	if err != nil {
		testenv.RequireNamedRefusal(t, err)
		return
	}
	for _, r := range s.Rows {
		require.Positive(t, r.Line)
	}
	d, err := s.Draft("督查问题整改", "督查", newResolver())
	if err != nil {
		testenv.RequireNamedRefusal(t, err)
		return
	}
	measures := 0
	for _, p := range d.Problems {
		measures += len(p.Measures)
	}
	require.Equal(t, len(s.Rows), measures, "every row is one measure")
	require.NotEmpty(t, d.Targets)
}

// FuzzReadXLSX feeds .xlsx problem lists (POST /api/orders/import) to the reader.
func FuzzReadXLSX(f *testing.F) {
	if sample, err := os.ReadFile("../../deploy/demo/sample-problem-list.xlsx"); err == nil {
		f.Add(sample)
	}
	f.Add(buildXLSX(f, sheetSpec{rows: [][]any{minimalHeader, minimalRow("p1", "m1", "2026-12-31"), minimalRow("p1", "m2", "签收后10个工作日")}}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, data, "list.xlsx") })
}

// FuzzReadCSV feeds .csv problem lists (POST /api/orders/import) to the reader.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限\np1,m1,见文件,城关镇,书记,王五,2026-12-31\n,m2,见文件,城关镇,书记,王五,30个工作日\n"))
	f.Add([]byte("问题,整改措施\n\"p1,m1\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, data, "list.csv") })
}
