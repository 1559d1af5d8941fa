package problemlist

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"rectify/internal/order"
)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

const lead2 = "城关镇、东关镇"

// validSpec is a realistic ledger: a merged title row, a header with synonyms in a free
// order (one with a full-width space, one with a note), a problem merged over three
// measure rows, a blank row, a continuation row, a repeated problem text, Excel date cells
// and text dates.
func validSpec() sheetSpec {
	return sheetSpec{
		name: "问题清单",
		rows: [][]any{
			{"XX县委第一巡察组反馈问题整改清单"},
			{"序号", "问题描述（必填）", "类别", "来源", "责任单位", "整改举措", "销号标准", "整改　时限", "类型", "协同单位", "主要负责人", "分管负责人", "经办人", "佐证材料", "备注"},
			{1, "  党组织生活不规范  ", "党的建设", "巡察", lead2, "M1 规范三会一课", "C1 会议记录完整", date(2026, 6, 30), "", "组织部、宣传部", "书记", "李四", "王五", "会议记录", "ignored"},
			{nil, nil, nil, nil, lead2, "M2 开展专题培训", "C2 培训全覆盖", "2026/12/31", "限期整改", "", "书记", "", "王五"},
			{nil, nil, nil, nil, "东关镇，城关镇", "M3 建立长效机制", "C3 制度印发", "2026-06-30、2026-12-31", "长期坚持", "宣传部", "镇长", "", "组织委员"},
			{},
			{2, "作风不实", "作风建设", "", lead2, "M4 立即整改", "C4 问题清零", "15个工作日", "立行立改", "", "书记", "", "王五"},
			{"", "", "", "", lead2, "M5 建立台账", "C5 台账齐全", "签收后10个工作日", "", "", "书记", "李四", "王五"},
			{3, "台账不全", "", "", lead2, "M6 补齐台账", "C6 台账完整", "2026.12.31", "", "", "书记", "", "王五"},
			{"", "台账不全", "", "", lead2, "M7 定期核查", "C7 每季度核查", date(2027, 3, 31), "", "", "书记", "", "王五"},
		},
		merges: [][2]string{{"A1", "O1"}, {"A3", "A5"}, {"B3", "B5"}, {"C3", "C5"}, {"D3", "D5"}},
	}
}

func expectedDraft() order.Draft {
	secretary := order.PersonRef{Position: "书记"}
	wangwu := order.PersonRef{Login: "wangwu"}
	lisi := order.PersonRef{Login: "lisi"}
	return order.Draft{
		Title:   "XX县委巡察反馈问题整改",
		Source:  "巡察",
		Targets: []string{"U01", "U02"},
		Problems: []order.Problem{
			{Description: "党组织生活不规范", Category: "党的建设", Measures: []order.Measure{
				{Content: "M1 规范三会一课", Criterion: "C1 会议记录完整", EvidenceExpected: "会议记录",
					Responsibility: order.Responsibility{CooperatingUnits: []string{"D01", "D02"}, Primary: secretary, Direct: lisi, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.ByDate, Due: "2026-06-30"}},
				{Content: "M2 开展专题培训", Criterion: "C2 培训全覆盖",
					Responsibility: order.Responsibility{Primary: secretary, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.ByDate, Due: "2026-12-31"}},
				{Content: "M3 建立长效机制", Criterion: "C3 制度印发",
					Responsibility: order.Responsibility{CooperatingUnits: []string{"D02"}, Primary: order.PersonRef{Position: "镇长"}, Handler: order.PersonRef{Position: "组织委员"}},
					Deadline:       order.Deadline{Kind: order.Ongoing, Checkpoints: []string{"2026-06-30", "2026-12-31"}}},
			}},
			{Description: "作风不实", Category: "作风建设", Measures: []order.Measure{
				{Content: "M4 立即整改", Criterion: "C4 问题清零",
					Responsibility: order.Responsibility{Primary: secretary, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.Immediate, WorkingDays: 15, From: "issue"}},
				{Content: "M5 建立台账", Criterion: "C5 台账齐全",
					Responsibility: order.Responsibility{Primary: secretary, Direct: lisi, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.ByDate, WorkingDays: 10, From: "acknowledge"}},
			}},
			{Description: "台账不全", Measures: []order.Measure{
				{Content: "M6 补齐台账", Criterion: "C6 台账完整",
					Responsibility: order.Responsibility{Primary: secretary, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.ByDate, Due: "2026-12-31"}},
				{Content: "M7 定期核查", Criterion: "C7 每季度核查",
					Responsibility: order.Responsibility{Primary: secretary, Handler: wangwu},
					Deadline:       order.Deadline{Kind: order.ByDate, Due: "2027-03-31"}},
			}},
		},
	}
}

func TestValidXLSX(t *testing.T) {
	s, err := readBytes(t, buildXLSX(t, validSpec()), "整改清单.XLSX")
	require.NoError(t, err)
	require.Equal(t, "问题清单", s.Name)

	lines := []int{}
	for _, r := range s.Rows {
		lines = append(lines, r.Line)
	}
	require.Equal(t, []int{3, 4, 5, 7, 8, 9, 10}, lines, "blank row 6 skipped, title and header not rows")
	require.Equal(t, Row{Line: 4, Problem: "党组织生活不规范", Category: "党的建设", Source: "巡察",
		Measure: "M2 开展专题培训", Criterion: "C2 培训全覆盖", Lead: lead2, Primary: "书记", Handler: "王五",
		Deadline: "2026/12/31", Kind: "限期整改"}, s.Rows[1], "merged problem cells fill the row; text date kept raw")
	require.Equal(t, "2026-06-30", s.Rows[0].Deadline, "Excel date cell read as a date")
	require.Equal(t, "作风不实", s.Rows[4].Problem, "continuation row takes the problem above")

	res := newResolver()
	d, err := s.Draft("XX县委巡察反馈问题整改", "巡察", res)
	require.NoError(t, err)
	require.Equal(t, expectedDraft(), d)
	require.Contains(t, res.calls, "person:镇长@U02", "people are looked up in the row's first lead unit")
	units := 0
	for _, c := range res.calls {
		if strings.HasPrefix(c, "unit:") {
			units++
		}
	}
	require.Equal(t, 4, units, "each unit name resolved once")
}

func TestValidCSVWithBOM(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	w := csv.NewWriter(&buf)
	spec := validSpec()
	for i, r := range spec.rows {
		rec := make([]string, len(r))
		for j, v := range r {
			switch v := v.(type) {
			case nil:
			case string:
				rec[j] = v
			case int:
				rec[j] = string(rune('0' + v))
			case time.Time:
				rec[j] = v.Format("2006/1/2") // how Excel writes a date cell to CSV
			}
		}
		if i == 3 || i == 4 { // sheet rows 4 and 5: continuation instead of merged cells
			rec[0], rec[1], rec[2], rec[3] = "", "", "", ""
		}
		require.NoError(t, w.Write(rec))
	}
	w.Flush()
	s, err := readBytes(t, buf.Bytes(), `C:\fakepath\巡察整改.csv`)
	require.NoError(t, err)
	require.Equal(t, "巡察整改", s.Name)
	require.Equal(t, 3, s.Rows[0].Line)
	require.Equal(t, 10, s.Rows[len(s.Rows)-1].Line, "an empty CSV line still counts as a row")
	d, err := s.Draft("XX县委巡察反馈问题整改", "", newResolver())
	require.NoError(t, err, "source comes from the sheet when the caller gives none")
	require.Equal(t, expectedDraft(), d)
}

func TestCSVInGBK(t *testing.T) {
	text := strings.Join([]string{
		"问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限",
		"会议不规范,规范会议,记录完整,城关镇,书记,王五,2026年12月31日",
	}, "\r\n")
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	require.NoError(t, err)
	s, err := readBytes(t, []byte(gbk), "list.csv")
	require.NoError(t, err)
	require.Equal(t, "会议不规范", s.Rows[0].Problem)
	d, err := s.Draft("t", "自查", newResolver())
	require.NoError(t, err)
	require.Equal(t, "2026-12-31", d.Problems[0].Measures[0].Deadline.Due)
}

func TestMissingHeader(t *testing.T) {
	data := buildXLSX(t, sheetSpec{rows: [][]any{
		{"标题"},
		{"问题", "整改措施", "牵头单位", "第一责任人", "具体责任人", "完成时限"},
		{"p", "m", "城关镇", "书记", "王五", "2026-12-31"},
	}})
	_, err := readBytes(t, data, "a.xlsx")
	fields := invalid(t, err)
	require.Len(t, fields, 1, dumpFields(fields))
	requireField(t, fields, "Sheet1!表头 验收标准", "缺少必填列“验收标准”（表头在第2行")

	_, err = readBytes(t, buildXLSX(t, sheetSpec{rows: [][]any{{"a", "b"}, {"c"}}}), "a.xlsx")
	fields = invalid(t, err)
	require.Len(t, fields, len(requiredColumns))
	requireField(t, fields, "Sheet1!表头 问题", "未找到表头")

	_, err = readBytes(t, buildXLSX(t, sheetSpec{rows: [][]any{append(append([]any{}, minimalHeader...), "措施")}}), "a.xlsx")
	requireField(t, invalid(t, err), "Sheet1!第1行 表头", "“整改措施”列重复（第B列和第H列）")
}

func TestBadDate(t *testing.T) {
	data := buildXLSX(t, sheetSpec{rows: [][]any{
		{"某县问题清单"},
		minimalHeader,
		minimalRow("p1", "m1", "2026-12-31"),
		minimalRow("p1", "m2", "2026-02-30"),
		minimalRow("p2", "m3", "年底前"),
		append(minimalRow("p3", "m4", "2026-12-31"), "长期坚持"),
		append(minimalRow("p3", "m5", "2026-06-30、2026-12-31"), ""),
		append(minimalRow("p3", "m6", "2026-06-30、2026-12-31"), "马上改"),
	}})
	requireExactly(t, draftRefusals(t, withKindColumn(t, data)), "", map[string]string{
		"Sheet1!第4行 完成时限": "第4行 完成时限：“2026-02-30”不是日期",
		"Sheet1!第5行 完成时限": "第5行 完成时限：“年底前”不是日期",
		"Sheet1!第6行 完成时限": "长期坚持的措施须列出两个以上阶段检查日期",
		"Sheet1!第7行 完成时限": "多个日期只用于整改类型为“长期坚持”的措施",
		"Sheet1!第8行 整改类型": "“马上改”无效",
	})
}

// withKindColumn adds the 整改类型 header to a sheet built from minimalHeader.
func withKindColumn(t *testing.T, data []byte) []byte {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.SetCellValue("Sheet1", "H2", "整改类型"))
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func TestUnknownUnitAndPerson(t *testing.T) {
	data := buildXLSX(t, sheetSpec{rows: [][]any{
		append(append([]any{}, minimalHeader...), "配合单位"),
		{"p1", "m1", "c", "西关镇", "书记", "王五", "2026-12-31"},
		{"p1", "m2", "c", "城关镇", "书记", "钱七", "2026-12-31", "新华村"},
		{"p2", "m3", "c", "城关镇", "", "赵六", "2026-12-31"},
	}})
	requireExactly(t, draftRefusals(t, data), "row 2's people are not looked up in an unknown unit", map[string]string{
		"Sheet1!第2行 牵头单位":  "第2行 牵头单位：“西关镇”无法识别：本单位管辖范围内没有名为“西关镇”的单位",
		"Sheet1!第3行 具体责任人": "第3行 具体责任人：“钱七”无法识别：查无此人：钱七",
		"Sheet1!第3行 配合单位":  "“新华村”无法识别：有2个同名单位",
		"Sheet1!第4行 第一责任人": "不能为空",
		"Sheet1!第4行 具体责任人": "“赵六”无法识别：赵六不在单位U01",
	})
}

func TestLeadUnitsMustMatch(t *testing.T) {
	data := buildXLSX(t, sheetSpec{rows: [][]any{
		minimalHeader,
		{"p1", "m1", "c", "城关镇、东关镇", "书记", "书记", "2026-12-31"},
		{"p2", "m2", "c", "东关镇；城关镇", "书记", "书记", "2026-12-31"},
		{"p3", "m3", "c", "东关镇", "书记", "书记", "2026-12-31"},
	}})
	s, err := readBytes(t, data, "a.xlsx")
	require.NoError(t, err)
	_, err = s.Draft("t", "巡察", newResolver())
	fields := invalid(t, err)
	require.Len(t, fields, 1, dumpFields(fields))
	requireField(t, fields, "Sheet1!第4行 牵头单位", "“东关镇”与第2行的牵头单位“城关镇、东关镇”不同")

	s.Rows = s.Rows[:2]
	d, err := s.Draft("t", "巡察", newResolver())
	require.NoError(t, err)
	require.Equal(t, []string{"U01", "U02"}, d.Targets)
}

func TestSourceRules(t *testing.T) {
	s := &Sheet{Name: "S", Rows: []Row{
		{Line: 2, Problem: "p", Source: "巡察", Measure: "m", Criterion: "c", Lead: "城关镇", Primary: "书记", Handler: "书记", Deadline: "2026-12-31"},
		{Line: 3, Problem: "q", Source: "督查", Measure: "m", Criterion: "c", Lead: "城关镇", Primary: "书记", Handler: "书记", Deadline: "2026-12-31"},
		{Line: 4, Problem: "r", Source: "上级交办", Measure: "m", Criterion: "c", Lead: "城关镇", Primary: "书记", Handler: "书记", Deadline: "2026-12-31"},
	}}
	_, err := s.Draft("t", "巡察", newResolver())
	fields := invalid(t, err)
	requireField(t, fields, "S!第3行 问题来源", "“督查”与本次导入选择的问题来源“巡察”不一致")
	requireField(t, fields, "S!第4行 问题来源", "“上级交办”无效")
	require.Len(t, fields, 2)

	_, err = s.Draft("t", "", newResolver())
	requireField(t, invalid(t, err), "S!第3行 问题来源", "“督查”与第2行的“巡察”不一致")

	s.Rows = s.Rows[:1]
	s.Rows[0].Source = ""
	_, err = s.Draft("t", "", newResolver())
	requireField(t, invalid(t, err), "source", "未指定问题来源")
}

func TestMergedMeasureColumn(t *testing.T) {
	rows := [][]any{
		{"标题"},
		minimalHeader,
		minimalRow("p", "m1", "2026-12-31"),
		minimalRow("p", "m2", "2026-12-31"),
		minimalRow("p", "m3", "2026-12-31"),
		minimalRow("p", "m4", "2026-12-31"),
		minimalRow("p", "m5", "2026-12-31"),
		minimalRow("p", "m6", "2026-12-31"),
		minimalRow("p", "m7", "2026-12-31"),
	}
	data := buildXLSX(t, sheetSpec{rows: rows, merges: [][2]string{{"A3", "A4"}, {"B5", "B7"}, {"G8", "G9"}, {"C3", "D3"}}})
	_, err := readBytes(t, data, "a.xlsx")
	fields := invalid(t, err)
	requireField(t, fields, "Sheet1!第5行至第7行 整改措施", "第5行至第7行 整改措施：合并单元格只能用于问题列")
	requireField(t, fields, "Sheet1!第8行至第9行 完成时限", "合并单元格只能用于问题列")
	require.Len(t, fields, 2, "merging problem rows and cells within one row is fine:\n"+dumpFields(fields))

	data = buildXLSX(t, sheetSpec{rows: rows, merges: [][2]string{{"A2", "A4"}}})
	_, err = readBytes(t, data, "a.xlsx")
	requireField(t, invalid(t, err), "Sheet1!第2行至第4行 问题", "第2行至第4行 问题：合并单元格（A2:A4）跨越了表头（第2行）")

	data = buildXLSX(t, sheetSpec{rows: rows, merges: [][2]string{{"H3", "H5"}}})
	s, err := readBytes(t, data, "a.xlsx")
	require.NoError(t, err, "merges in unknown columns are ignored")
	require.Len(t, s.Rows, 7)
}

// largeXLSX writes a canonical sheet of n data rows with text random enough that it hardly
// compresses.
func largeXLSX(t testing.TB, n, textLen int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(t, err)
	require.NoError(t, sw.SetRow("A1", minimalHeader))
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789整改措施问题责任单位落实到位"
	runes := []rune(alphabet)
	text := func() string {
		b := make([]rune, textLen)
		for i := range b {
			b[i] = runes[rng.IntN(len(runes))]
		}
		return string(b)
	}
	problem := ""
	for i := range n {
		if i%3 == 0 {
			problem = text()
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		require.NoError(t, sw.SetRow(cell, []any{problem, text(), text(), "城关镇", "书记", "王五", "2026-12-31"}))
	}
	require.NoError(t, sw.Flush())
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func TestLargeSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 10 MB workbook")
	}
	const rows = 36000
	data := largeXLSX(t, rows, 120)
	require.Greater(t, len(data), 10<<20, "the workbook should be over 10 MB")
	require.Less(t, len(data), DefaultMaxBytes)

	var calls []int
	s, err := Read(bytes.NewReader(data), Options{Filename: "big.xlsx", Progress: func(n int) { calls = append(calls, n) }})
	require.NoError(t, err)
	require.Len(t, s.Rows, rows)
	require.Equal(t, rows+1, calls[len(calls)-1])
	d, err := s.Draft("t", "巡察", newResolver())
	require.NoError(t, err)
	require.Len(t, d.Problems, rows/3)

	_, err = Read(bytes.NewReader(data), Options{Filename: "big.xlsx", MaxBytes: 5 << 20})
	requireField(t, invalid(t, err), "file", "文件超过5MB的大小上限")
}

func TestProgress(t *testing.T) {
	data := largeXLSX(t, 1234, 5)
	var calls []int
	s, err := Read(bytes.NewReader(data), Options{Filename: "p.xlsx", Progress: func(n int) { calls = append(calls, n) }})
	require.NoError(t, err)
	require.Len(t, s.Rows, 1234)
	require.Equal(t, []int{500, 1000, 1235}, calls)

	calls = nil
	_, err = Read(bytes.NewReader(buildXLSX(t, sheetSpec{rows: [][]any{minimalHeader, minimalRow("p", "m", "2026-12-31")}})),
		Options{Filename: "p.xlsx", Progress: func(n int) { calls = append(calls, n) }})
	require.NoError(t, err)
	require.Equal(t, []int{2}, calls, "a small sheet reports once, at the end")
}

var oleHeader = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0}

func TestOldFormats(t *testing.T) {
	_, err := readBytes(t, oleHeader, "清单.xls")
	requireField(t, invalid(t, err), "file", "旧版.xls格式不支持，请另存为.xlsx")

	_, err = readBytes(t, oleHeader, "清单.xlsx")
	requireField(t, invalid(t, err), "file", "不是有效的.xlsx文件")

	_, err = readBytes(t, []byte("序号,问题\n1,x\n"), "清单.xlsx")
	requireField(t, invalid(t, err), "file", "不是有效的.xlsx文件")

	_, err = readBytes(t, []byte("PK\x03\x04garbage"), "清单.xlsx")
	requireField(t, invalid(t, err), "file", "不是有效的.xlsx文件")

	_, err = readBytes(t, buildXLSX(t, sheetSpec{rows: [][]any{minimalHeader}}), "清单.csv")
	requireField(t, invalid(t, err), "file", "请把扩展名改为.xlsx")

	_, err = readBytes(t, []byte("x"), "清单.pdf")
	requireField(t, invalid(t, err), "file", "不支持“.pdf”文件")
}

// zeroZip writes a zip with one entry of size zero bytes, deflated.
func zeroZip(t testing.TB, size int64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate})
	require.NoError(t, err)
	chunk := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(chunk)) {
		_, err := w.Write(chunk[:min(left, int64(len(chunk)))])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	data := zeroZip(t, 300<<20)
	start := time.Now()
	_, err := readBytes(t, data, "bomb.xlsx")
	took := time.Since(start)
	requireField(t, invalid(t, err), "file", "文件异常（疑似压缩炸弹），已拒绝")
	require.Less(t, took, time.Second, "refused from the zip directory, without inflating")

	_, err = readBytes(t, zeroZip(t, 5<<20), "ratio.xlsx")
	requireField(t, invalid(t, err), "file", "文件异常（疑似压缩炸弹），已拒绝")
}

func TestParseDeadlineForms(t *testing.T) {
	for in, want := range map[string]string{
		"2026-12-31": "2026-12-31", "2026/12/31": "2026-12-31", "2026年12月31日": "2026-12-31",
		"2026.12.31": "2026-12-31", "2026-6-3": "2026-06-03", "2026年6月30日前": "2026-06-30",
		"２０２６－１２－３１": "2026-12-31", "2026/12/31 0:00": "2026-12-31", "2026 年 6 月 30 日": "2026-06-30",
	} {
		got, ok := parseDate(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"年底前", "2026-13-01", "2026-12/31", "12/31/2026", "2026", "46387", ""} {
		_, ok := parseDate(in)
		require.False(t, ok, in)
	}
	for in, want := range map[string][2]any{
		"10个工作日": {10, "issue"}, "签收后5个工作日": {5, "acknowledge"}, "交办后 3 个工作日内": {3, "issue"},
	} {
		n, from, ok := parseWorkingDays(in)
		require.True(t, ok, in)
		require.Equal(t, want, [2]any{n, from}, in)
	}
	require.Equal(t, "2026-12-31", excelDate("46387", false))
	require.Equal(t, "30", excelDate("30", false), "small numbers are not dates")
}

func TestHeaderNormalization(t *testing.T) {
	for in, want := range map[string]column{
		"问 题": colProblem, "完成时限（年月日）": colDeadline, "*整改措施": colMeasure, "具体责任人(经办人)": colHandler,
		"存在问题：": colProblem, "责任\n单位": colLead, "类型": colKind, "类别": colCategory,
	} {
		c, ok := headerIndex[normalizeHeader(in)]
		require.True(t, ok, in)
		require.Equal(t, want, c, in)
	}
}

func BenchmarkRead10000Rows(b *testing.B) {
	const rows = 10000
	data := largeXLSX(b, rows, 40)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		s, err := Read(bytes.NewReader(data), Options{Filename: "bench.xlsx"})
		if err != nil || len(s.Rows) != rows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
