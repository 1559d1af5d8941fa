package testenv

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// OpenXLSX opens a workbook the code under test wrote; it is closed when the test ends.
func OpenXLSX(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// CellStyle is the style of the cell at ref on sheet.
func CellStyle(t testing.TB, f *excelize.File, sheet, ref string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	require.NoError(t, err)
	st, err := f.GetStyle(id)
	require.NoError(t, err)
	return st
}

// Fill is the fill colour of the cell at ref on sheet, or "" when it has none.
func Fill(t testing.TB, f *excelize.File, sheet, ref string) string {
	t.Helper()
	if c := CellStyle(t, f, sheet, ref).Fill.Color; len(c) > 0 {
		return c[0]
	}
	return ""
}
