package ledger_test

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apperr"
	"rectify/internal/ledger"
	"rectify/internal/testenv"
)

const psh = ledger.SheetProgress

func progressSheet(t *testing.T, o ledger.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteProgressSheet(&buf, o, sampleRows()[:3]))
	return buf.Bytes()
}

// edit opens data with excelize, applies fn and saves it again, as a person would in Excel.
func edit(t *testing.T, data []byte, fn func(f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	fn(f)
	out, err := f.WriteToBuffer()
	require.NoError(t, err)
	return out.Bytes()
}

func set(t *testing.T, f *excelize.File, ref string, v any) {
	t.Helper()
	require.NoError(t, f.SetCellValue(psh, ref, v))
}

func invalid(t *testing.T, err error) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	e, ok := apperr.As(err)
	require.True(t, ok, "want *apperr.Error, got %v", err)
	require.Equal(t, apperr.Invalid, e.Kind)
	return e
}

func TestProgressSheetLayout(t *testing.T) {
	f := testenv.OpenXLSX(t, progressSheet(t, ledger.Options{GeneratedAt: genAt}))
	require.Equal(t, []string{psh}, f.GetSheetList())
	rows, err := f.GetRows(psh)
	require.NoError(t, err)
	require.Equal(t, append(append([]string{}, zhHeaders...), "本期进展", "申请销号（填“是”）", "销号说明", "事项编号|版本"), rows[1])
	require.Equal(t, "it-1|4", rows[2][19])

	visible, err := f.GetColVisible(psh, "T")
	require.NoError(t, err)
	require.False(t, visible, "key column hidden")
	for _, c := range []string{"Q", "R", "S"} {
		visible, err := f.GetColVisible(psh, c)
		require.NoError(t, err)
		require.True(t, visible)
		require.NotEmpty(t, testenv.Fill(t, f, psh, c+"3"), "fill-in column %s is shaded", c)
		require.NotEqual(t, testenv.Fill(t, f, psh, "A2"), testenv.Fill(t, f, psh, c+"2"), "fill-in header %s stands out", c)
	}
	comments, err := f.GetComments(psh)
	require.NoError(t, err)
	refs := map[string]string{}
	for _, c := range comments {
		refs[c.Cell] = c.Text
	}
	require.Contains(t, refs, "Q2")
	require.Contains(t, refs, "R2")
	require.Contains(t, refs["S2"], "申请销号时必填")
	merged, err := f.GetMergeCells(psh)
	require.NoError(t, err)
	require.Equal(t, "S1", merged[0].GetEndAxis())
	panes, err := f.GetPanes(psh)
	require.NoError(t, err)
	require.True(t, panes.Freeze)
	require.Equal(t, 2, panes.YSplit)
}

func TestProgressRoundTripUnchanged(t *testing.T) {
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(progressSheet(t, ledger.Options{})), 0)
	require.NoError(t, err)
	require.Equal(t, []ledger.ProgressLine{
		{Line: 3, ItemID: "it-1", Revision: 4},
		{Line: 4, ItemID: "it-2", Revision: 1},
		{Line: 5, ItemID: "it-3", Revision: 7},
	}, lines)
}

func TestProgressRoundTripEdited(t *testing.T) {
	data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) {
		set(t, f, "Q3", "  已召开专题组织生活会\r\n整改方案已印发  ")
		set(t, f, "R4", "是")
		set(t, f, "S4", "党费已全部补缴，附收据")
		set(t, f, "R5", "否")
		// A blank row a person left in between is skipped.
		require.NoError(t, f.InsertRows(psh, 5, 1))
	})
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(data), 1<<20)
	require.NoError(t, err)
	require.Equal(t, []ledger.ProgressLine{
		{Line: 3, ItemID: "it-1", Revision: 4, Progress: "已召开专题组织生活会\n整改方案已印发"},
		{Line: 4, ItemID: "it-2", Revision: 1, RequestClose: true, CloseNote: "党费已全部补缴，附收据"},
		{Line: 6, ItemID: "it-3", Revision: 7},
	}, lines)
}

func TestProgressRoundTripMovedColumnsAndNoTitle(t *testing.T) {
	data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) {
		set(t, f, "Q4", "进展二")
		require.NoError(t, f.RemoveRow(psh, 1)) // title row gone: header now on row 1
		require.NoError(t, f.RemoveCol(psh, "B"))
		require.NoError(t, f.InsertCols(psh, "A", 2))
	})
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
	require.NoError(t, err)
	require.Len(t, lines, 3)
	require.Equal(t, ledger.ProgressLine{Line: 3, ItemID: "it-2", Revision: 1, Progress: "进展二"}, lines[1])
}

func TestProgressRoundTripEnglish(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, ledger.WriteProgressSheet(&buf, ledger.Options{English: true}, sampleRows()[:2]))
	data := edit(t, buf.Bytes(), func(f *excelize.File) {
		require.NoError(t, f.SetCellValue(ledger.SheetProgressEN, "Q3", "done"))
		require.NoError(t, f.SetCellValue(ledger.SheetProgressEN, "R3", "Yes"))
		require.NoError(t, f.SetCellValue(ledger.SheetProgressEN, "S3", "evidence attached"))
	})
	lines, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
	require.NoError(t, err)
	require.Equal(t, ledger.ProgressLine{Line: 3, ItemID: "it-1", Revision: 4, Progress: "done", RequestClose: true, CloseNote: "evidence attached"}, lines[0])
}

func TestProgressMalformedEdits(t *testing.T) {
	data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) {
		set(t, f, "R3", "可以")
		set(t, f, "R4", "是")
		set(t, f, "T5", "it-3")
	})
	_, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
	e := invalid(t, err)
	require.Len(t, e.Fields, 3)
	require.Equal(t, "第3行 申请销号", e.Fields[0].Field)
	require.Equal(t, "第3行 申请销号：“可以”应填“是”或留空", e.Fields[0].Message)
	require.Equal(t, "第4行 销号说明", e.Fields[1].Field)
	require.Contains(t, e.Fields[1].Message, "第4行 销号说明：申请销号时须填写销号说明")
	require.Equal(t, "第5行 事项编号|版本", e.Fields[2].Field)
	require.Contains(t, e.Fields[2].Message, "“it-3”格式不正确")
	require.Contains(t, e.Message, "共3处错误")
}

// Progress and close-out notes become workflow payloads, so a sheet cannot carry more than
// the API would accept (characters, not bytes), and a huge cell is not echoed back whole.
func TestProgressNotesBounded(t *testing.T) {
	data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) {
		set(t, f, "Q3", strings.Repeat("进", 2000)) // at the cap: fine
		set(t, f, "Q4", strings.Repeat("展", 2001))
		set(t, f, "S5", strings.Repeat("销", 2001))
		set(t, f, "R3", strings.Repeat("否", 5000))
	})
	_, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
	e := invalid(t, err)
	require.Len(t, e.Fields, 3, "%+v", e.Fields)
	require.Equal(t, "第3行 申请销号", e.Fields[0].Field)
	require.Less(t, len(e.Fields[0].Message), 300, "the cell is quoted shortened")
	require.Equal(t, "第4行 本期进展", e.Fields[1].Field)
	require.Equal(t, "第4行 本期进展：不能超过2000字，现为2001字", e.Fields[1].Message)
	require.Equal(t, "第5行 销号说明", e.Fields[2].Field)
}

func TestProgressBrokenKeys(t *testing.T) {
	for name, tc := range map[string]struct {
		val, want string
	}{
		"revision not a number": {"it-1|v4", "第3行 事项编号|版本：“it-1|v4”格式不正确"},
		"empty id":              {"|4", "第3行 事项编号|版本：“|4”格式不正确"},
		"cleared":               {"", "第3行 事项编号|版本：为空"},
	} {
		t.Run(name, func(t *testing.T) {
			data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) { set(t, f, "T3", tc.val) })
			_, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
			e := invalid(t, err)
			require.Len(t, e.Fields, 1)
			require.Contains(t, e.Fields[0].Message, tc.want)
		})
	}

	t.Run("duplicated row", func(t *testing.T) {
		data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) { set(t, f, "T5", "it-1|4") })
		_, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
		require.Contains(t, invalid(t, err).Fields[0].Message, "第5行 事项编号|版本：事项与第3行重复")
	})
	t.Run("hidden column deleted", func(t *testing.T) {
		data := edit(t, progressSheet(t, ledger.Options{}), func(f *excelize.File) { require.NoError(t, f.RemoveCol(psh, "T")) })
		_, err := ledger.ReadProgressSheet(bytes.NewReader(data), 0)
		e := invalid(t, err)
		require.Equal(t, "第2行", e.Field)
		require.Contains(t, e.Message, "缺少隐藏列“事项编号|版本”")
	})
	t.Run("not a progress sheet", func(t *testing.T) {
		var buf bytes.Buffer
		_, err := ledger.Write(&buf, ledger.Options{}, iter(sampleRows()))
		require.NoError(t, err)
		_, err = ledger.ReadProgressSheet(bytes.NewReader(buf.Bytes()), 0)
		require.Contains(t, invalid(t, err).Message, "未找到表头行")
	})
}

func TestProgressRefusesOtherFiles(t *testing.T) {
	xls := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	_, err := ledger.ReadProgressSheet(bytes.NewReader(xls), 0)
	require.Contains(t, invalid(t, err).Message, "不支持 .xls")

	_, err = ledger.ReadProgressSheet(strings.NewReader("序号,问题\n1,x\n"), 0)
	require.Contains(t, invalid(t, err).Message, "不是 Excel")

	_, err = ledger.ReadProgressSheet(strings.NewReader("PK\x03\x04 truncated"), 0)
	require.Contains(t, invalid(t, err).Message, "已损坏")

	_, err = ledger.ReadProgressSheet(bytes.NewReader(progressSheet(t, ledger.Options{})), 1000)
	require.Contains(t, invalid(t, err).Message, "文件超过")
}

func TestProgressRefusesZipBombs(t *testing.T) {
	t.Run("ratio", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("xl/worksheets/sheet1.xml")
		require.NoError(t, err)
		_, err = w.Write(make([]byte, 8<<20)) // zeros: about 1000:1
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		_, err = ledger.ReadProgressSheet(bytes.NewReader(buf.Bytes()), 0)
		require.Contains(t, invalid(t, err).Message, "压缩炸弹")
	})
	t.Run("total", func(t *testing.T) {
		// Five entries each claiming 50 MiB from 1 MiB (50:1): 250 MiB in all.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		junk := bytes.Repeat([]byte{0x5a}, 1<<20)
		for i := range 5 {
			w, err := zw.CreateRaw(&zip.FileHeader{
				Name: "xl/media/" + string(rune('a'+i)), Method: zip.Deflate,
				CRC32: crc32.ChecksumIEEE(junk), CompressedSize64: uint64(len(junk)), UncompressedSize64: 50 << 20,
			})
			require.NoError(t, err)
			_, err = w.Write(junk)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		_, err := ledger.ReadProgressSheet(bytes.NewReader(buf.Bytes()), 0)
		require.Contains(t, invalid(t, err).Message, "解压后超过 200 MB")
	})
}
