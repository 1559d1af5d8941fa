package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rectify/internal/db"
	"rectify/internal/ledger"
	"rectify/internal/light"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/problemlist"
	"rectify/internal/role"
)

// peakRSS is the process's peak resident set (VmHWM) in MiB, or -1 where /proc has none.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return -1
}

// RunLedgerExport writes a ledger of n rows to a file and reports time and peak RSS. Run it
// in its own process so that the peak belongs to the export alone.
func RunLedgerExport(out io.Writer, n int) error {
	f, err := os.CreateTemp("", "ledger-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	lights := []light.Light{light.Green, light.Yellow, light.Red}
	i := 0
	t0 := time.Now()
	rows, err := ledger.Write(f, ledger.Options{Title: "基准台账", GeneratedAt: time.Now()}, func() (ledger.Row, bool, error) {
		if i == n {
			return ledger.Row{}, false, nil
		}
		i++
		return ledger.Row{ItemID: "m" + strconv.Itoa(i), Problem: "部分村党组织“三会一课”制度落实不到位，会议记录不全",
			Measure: "逐村检查本年度会议记录，补齐缺漏，建立月度台账", Criterion: "所辖村全部建立月度台账", Unit: "第" + strconv.Itoa(i%3000) + "乡镇",
			Primary: "书记", Direct: "组织委员", Handler: "组织委员", Due: "2026-12-31", DeadlineKind: "限期整改",
			Progress: "已完成检查，正在补齐", Status: "整改中", Light: lights[i%3], LightReason: "距完成时限还有3个工作日", DaysOverdue: i % 7}, true, nil
	})
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	st, _ := f.Stat()
	fmt.Fprintf(out, "ledger export of %d rows: %v, file %.1f MiB, peak RSS %.0f MiB   (targets <= 10s, <= 150 MiB)\n",
		rows, elapsed.Round(time.Millisecond), float64(st.Size())/(1<<20), peakRSS())
	return nil
}

// RunLedgerImport imports a generated problem list of n measure rows into a fresh database
// (read, match names, validate, store as a draft) and reports the time of each step.
func RunLedgerImport(ctx context.Context, out io.Writer, baseDBURL string, n int) error {
	name := fmt.Sprintf("rectify_bench_import_%d", time.Now().UnixNano())
	adminURL, err := db.WithDatabase(baseDBURL, name)
	if err != nil {
		return err
	}
	defer func() { _ = db.DropDatabase(context.Background(), adminURL) }()
	_, dbURL, err := db.Provision(ctx, baseDBURL, name)
	if err != nil {
		return err
	}
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	ost := org.NewStore(pool)
	if _, err := ost.Load(ctx, org.Tree{
		Units: []org.UnitRecord{{Code: "IC", Name: "导入基准县", Kind: "county"}, {Code: "IT", Name: "城关镇", Kind: "township", Parent: "IC"}},
		People: []org.PersonRecord{{Login: "ic", Name: "县组织部", Unit: "IC", Roles: []role.Role{role.OrgStaff}},
			{Login: "its", Name: "书记甲", Unit: "IT", Roles: []role.Role{role.TownshipOfficial}, Position: "书记"},
			{Login: "ito", Name: "委员乙", Unit: "IT", Roles: []role.Role{role.TownshipOfficial}, Position: "组织委员"}},
	}); err != nil {
		return err
	}
	issuer, err := ost.PersonByLogin(ctx, "ic")
	if err != nil {
		return err
	}
	sheet, err := problemSheet(n)
	if err != nil {
		return err
	}
	t0 := time.Now()
	s, err := problemlist.Read(bytes.NewReader(sheet), problemlist.Options{Filename: "bench.xlsx"})
	if err != nil {
		return err
	}
	tRead := time.Since(t0)
	orders := order.NewStore(pool, nil)
	res, err := orders.NameResolver(ctx, issuer.UnitID)
	if err != nil {
		return err
	}
	d, err := s.Draft("导入基准", "督查", res)
	if err != nil {
		return err
	}
	tDraft := time.Since(t0)
	if _, err := orders.Create(ctx, issuer.UnitID, issuer.ID, d); err != nil {
		return err
	}
	total := time.Since(t0)
	fmt.Fprintf(out, "problem list import of %d rows (%.1f MiB): %v in all (read %v, names and draft %v, validate and store %v)   (target <= 5s)\n",
		len(s.Rows), float64(len(sheet))/(1<<20), total.Round(time.Millisecond), tRead.Round(time.Millisecond),
		(tDraft - tRead).Round(time.Millisecond), (total - tDraft).Round(time.Millisecond))
	return nil
}

// problemSheet builds an .xlsx problem list of n measures, four to a problem.
func problemSheet(n int) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	hdr := []any{"序号", "问题", "问题类别", "整改措施", "验收标准", "牵头单位", "第一责任人", "直接责任人", "具体责任人", "完成时限", "整改类型"}
	if err := sw.SetRow("A1", hdr); err != nil {
		return nil, err
	}
	for i := range n {
		p := i/4 + 1
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{p, "问题" + strconv.Itoa(p) + "：会议记录不全", "组织生活", "措施" + strconv.Itoa(i+1) + "：补齐记录并建立台账",
			"台账齐全可查", "城关镇", "书记", "组织委员", "组织委员", "2027-06-30", "限期整改"}
		if err := sw.SetRow(cell, row); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
