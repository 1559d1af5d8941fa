package ledger_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/ledger"
	"rectify/internal/light"
	"rectify/internal/testenv"
)

var genAt = time.Date(2025, 3, 4, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func sampleRows() []ledger.Row {
	return []ledger.Row{
		{ItemID: "it-1", Problem: "基层党组织“三会一课”制度落实不到位", Measure: "制定学习计划，按月开展组织生活", Criterion: "会议记录完整",
			Unit: "城关镇党委", Primary: "张书记", Direct: "李副书记", Handler: "王干事", Due: "2025-03-31", DeadlineKind: "限期整改",
			Progress: "已制定计划", Status: "整改中", Light: light.Red, LightReason: "已超期3个工作日", DaysOverdue: 3, Listed: true, Revision: 4,
			DuplicateEvidence: "it-9（河西乡党委）"},
		{ItemID: "it-2", Problem: "党费收缴不规范", Measure: "清查补缴", Unit: "教育局党组", Due: "2025-04-15", DeadlineKind: "立行立改",
			Status: "整改中", Light: light.Yellow, LightReason: "距完成时限不足5个工作日", Revision: 1},
		{ItemID: "it-3", Problem: "发展党员程序不严", Measure: "复查档案", Unit: "卫健委党委", DeadlineKind: "长期坚持",
			Status: "已销号", Light: light.Green, Revision: 7},
		{ItemID: "it-4", Problem: "台账不全", Measure: "补齐", Unit: "城关镇党委", Due: "年底前", Status: "已撤销", Light: light.None, Revision: 2},
	}
}

func iter(rows []ledger.Row) func() (ledger.Row, bool, error) {
	i := 0
	return func() (ledger.Row, bool, error) {
		if i >= len(rows) {
			return ledger.Row{}, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
}

var zhHeaders = []string{"序号", "问题", "整改措施", "验收标准", "责任单位", "第一责任人", "直接责任人", "具体责任人",
	"完成时限", "整改类型", "整改进展", "完成情况/销号情况", "预警", "预警说明", "超期工作日", "挂牌督办"}

var enHeaders = []string{"No.", "Problem", "Measure", "Acceptance criterion", "Responsible unit", "Primary", "Direct", "Handler",
	"Deadline", "Kind", "Progress", "Status", "Light", "Light reason", "Working days overdue", "Listed"}

func TestWriteLedger(t *testing.T) {
	var buf bytes.Buffer
	n, err := ledger.Write(&buf, ledger.Options{Title: "某县巡察整改台账", GeneratedAt: genAt}, iter(sampleRows()))
	require.NoError(t, err)
	require.Equal(t, 4, n)

	f := testenv.OpenXLSX(t, buf.Bytes())
	require.Equal(t, []string{ledger.SheetLedger}, f.GetSheetList())
	const sh = ledger.SheetLedger

	// Title row: merged, bold and large, with the generation time.
	title, err := f.GetCellValue(sh, "A1")
	require.NoError(t, err)
	require.Contains(t, title, "某县巡察整改台账")
	require.Contains(t, title, "生成时间：2025-03-04 09:30")
	merged, err := f.GetMergeCells(sh)
	require.NoError(t, err)
	require.Len(t, merged, 1)
	require.Equal(t, "A1", merged[0].GetStartAxis())
	require.Equal(t, "Q1", merged[0].GetEndAxis())
	st := testenv.CellStyle(t, f, sh, "A1")
	require.True(t, st.Font.Bold)
	require.Greater(t, st.Font.Size, 12.0)

	rows, err := f.GetRows(sh)
	require.NoError(t, err)
	require.Len(t, rows, 2+4)
	require.Equal(t, append(append([]string{}, zhHeaders...), "佐证重复"), rows[1])

	// 序号 1..n, and the values in their columns.
	for i := 0; i < 4; i++ {
		require.Equal(t, strconv.Itoa(i+1), rows[2+i][0], "序号 of data row %d", i+1)
	}
	require.Equal(t, "基层党组织“三会一课”制度落实不到位", rows[2][1])
	require.Equal(t, "2025-03-31", rows[2][8])
	require.Equal(t, "年底前", rows[5][8])
	require.Equal(t, "红灯", rows[2][12])
	require.Equal(t, "3", rows[2][14])
	require.Equal(t, "是", rows[2][15])
	require.Equal(t, "it-9（河西乡党委）", rows[2][16])
	q4, err := f.GetCellValue(sh, "Q4")
	require.NoError(t, err)
	require.Equal(t, "", q4, "no 佐证重复, nothing in its column")
	o4, err := f.GetCellValue(sh, "O4")
	require.NoError(t, err)
	require.Equal(t, "", o4, "zero days overdue stays blank")
	due, err := f.GetCellType(sh, "I3")
	require.NoError(t, err)
	require.NotEqual(t, excelize.CellTypeInlineString, due, "a parsable due date is a real date")

	// Frozen below the header.
	panes, err := f.GetPanes(sh)
	require.NoError(t, err)
	require.True(t, panes.Freeze)
	require.Equal(t, 2, panes.YSplit)
	require.Equal(t, 0, panes.XSplit)
	require.Equal(t, "A3", panes.TopLeftCell)

	// Warning light fills.
	require.Equal(t, "FFC7CE", testenv.Fill(t, f, sh, "M3"))
	require.Equal(t, "FFEB9C", testenv.Fill(t, f, sh, "M4"))
	require.Equal(t, "C6EFCE", testenv.Fill(t, f, sh, "M5"))
	require.Equal(t, "", testenv.Fill(t, f, sh, "M6"))
	require.Equal(t, "", testenv.Fill(t, f, sh, "B3"))

	// Wrapped long columns.
	st = testenv.CellStyle(t, f, sh, "C3")
	require.True(t, st.Alignment.WrapText)

	// Page setup: A4 landscape, one page wide, header row on every page.
	pl, err := f.GetPageLayout(sh)
	require.NoError(t, err)
	require.Equal(t, 9, *pl.Size)
	require.Equal(t, "landscape", *pl.Orientation)
	require.Equal(t, 1, *pl.FitToWidth)
	require.Equal(t, 0, *pl.FitToHeight)
	props, err := f.GetSheetProps(sh)
	require.NoError(t, err)
	require.True(t, *props.FitToPage)
	var titles *excelize.DefinedName
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles = &d
		}
	}
	require.NotNil(t, titles, "print titles defined")
	require.Equal(t, sh, titles.Scope)
	require.Equal(t, "'台账'!$2:$2", titles.RefersTo)

	// Column widths.
	for col, want := range map[string]float64{"A": 6, "B": 32, "C": 36, "K": 36, "M": 7} {
		w, err := f.GetColWidth(sh, col)
		require.NoError(t, err)
		require.Equal(t, want, w, "width of column %s", col)
	}

	// A handful of styles, not one per cell.
	used := map[int]bool{}
	for r := 1; r <= 6; r++ {
		for c := 1; c <= 16; c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			id, err := f.GetCellStyle(sh, ref)
			require.NoError(t, err)
			used[id] = true
		}
	}
	require.LessOrEqual(t, len(used), 10)
}

func TestWriteLedgerEnglish(t *testing.T) {
	var buf bytes.Buffer
	_, err := ledger.Write(&buf, ledger.Options{English: true, GeneratedAt: genAt}, iter(sampleRows()))
	require.NoError(t, err)
	f := testenv.OpenXLSX(t, buf.Bytes())
	require.Equal(t, []string{ledger.SheetLedgerEN}, f.GetSheetList())
	rows, err := f.GetRows(ledger.SheetLedgerEN)
	require.NoError(t, err)
	require.Contains(t, rows[0][0], "Rectification ledger")
	require.Equal(t, append(append([]string{}, enHeaders...), "Evidence also used for"), rows[1])
	require.Equal(t, "Red", rows[2][12])
	require.Equal(t, "Yes", rows[2][15])
	var found bool
	for _, d := range f.GetDefinedName() {
		found = found || (d.Name == "_xlnm.Print_Titles" && d.RefersTo == "'Ledger'!$2:$2")
	}
	require.True(t, found)
}

func TestWriteEmptyAndError(t *testing.T) {
	var buf bytes.Buffer
	n, err := ledger.Write(&buf, ledger.Options{}, iter(nil))
	require.NoError(t, err)
	require.Equal(t, 0, n)
	rows, err := testenv.OpenXLSX(t, buf.Bytes()).GetRows(ledger.SheetLedger)
	require.NoError(t, err)
	require.Len(t, rows, 2)

	boom := errors.New("db gone")
	calls := 0
	n, err = ledger.Write(&bytes.Buffer{}, ledger.Options{}, func() (ledger.Row, bool, error) {
		calls++
		if calls > 2 {
			return ledger.Row{}, false, boom
		}
		return sampleRows()[0], true, nil
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 2, n)
}

// sheetXML is the raw worksheet XML, for what excelize's getters smooth over.
func sheetXML(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	require.NoError(t, err)
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

func TestWriteXMLExcelWillAccept(t *testing.T) {
	for _, progress := range []bool{false, true} {
		var buf bytes.Buffer
		if progress {
			require.NoError(t, ledger.WriteProgressSheet(&buf, ledger.Options{}, sampleRows()))
		} else {
			_, err := ledger.Write(&buf, ledger.Options{}, iter(sampleRows()))
			require.NoError(t, err)
		}
		x := sheetXML(t, buf.Bytes())
		// The stream writer does not sort <cols>; Excel calls unsorted ones corrupt.
		var mins []int
		for _, m := range regexp.MustCompile(`<col min="(\d+)"`).FindAllStringSubmatch(x, -1) {
			n, _ := strconv.Atoi(m[1])
			mins = append(mins, n)
		}
		require.NotEmpty(t, mins)
		for i := 1; i < len(mins); i++ {
			require.Less(t, mins[i-1], mins[i], "cols ascending (progress=%v)", progress)
		}
		require.NotContains(t, x, "<t></t>", "empty values are blank cells, not empty strings")
		require.Contains(t, x, `<pageSetUpPr fitToPage="true">`)
	}
}
