package ledger_test

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/ledger"
	"rectify/internal/light"
)

// synthetic yields n ledger rows with text of realistic length.
func synthetic(n int) func() (ledger.Row, bool, error) {
	lights := []light.Light{light.Green, light.Yellow, light.Red, light.None}
	i := 0
	return func() (ledger.Row, bool, error) {
		if i >= n {
			return ledger.Row{}, false, nil
		}
		i++
		return ledger.Row{
			ItemID:       fmt.Sprintf("0193b6c2-7f4e-7a10-8c55-%012d", i),
			Problem:      fmt.Sprintf("第%d项：部分基层党组织“三会一课”制度落实不到位，组织生活质量不高，党员教育管理存在薄弱环节", i),
			Measure:      "制定年度学习计划，按月开展主题党日活动，建立组织生活纪实台账，由镇党委每季度抽查一次并通报结果",
			Criterion:    "会议记录完整、活动有照片和签到表",
			Unit:         fmt.Sprintf("第%d乡镇党委", i%300),
			Primary:      "张某某",
			Direct:       "李某某",
			Handler:      "王某某",
			Due:          time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365).Format("2006-01-02"),
			DeadlineKind: "限期整改",
			Progress:     "已召开专题组织生活会，制定整改方案并印发，正在逐项推进落实，已完成第一阶段自查",
			Status:       "整改中",
			Light:        lights[i%4],
			LightReason:  "距完成时限不足5个工作日",
			DaysOverdue:  i % 7,
			Listed:       i%50 == 0,
			Revision:     int64(i % 9),
		}, true, nil
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// peakMem samples the runtime every few milliseconds until stop is called and
// returns the highest HeapInuse and Sys seen.
func peakMem() (stop func() (heapInuse, sys uint64)) {
	var (
		mu        sync.Mutex
		heap, all uint64
		done      = make(chan struct{})
		finished  = make(chan struct{})
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		heap, all = max(heap, m.HeapInuse), max(all, m.Sys)
		mu.Unlock()
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		sample()
		mu.Lock()
		defer mu.Unlock()
		return heap, all
	}
}

const mib = 1 << 20

func BenchmarkWrite100000Rows(b *testing.B) {
	const n = 100_000
	var heap, sys uint64
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		stop := peakMem()
		var cw countWriter
		rows, err := ledger.Write(&cw, ledger.Options{Title: "基准测试台账"}, synthetic(n))
		h, s := stop()
		if err != nil || rows != n {
			b.Fatalf("wrote %d rows: %v", rows, err)
		}
		heap, sys, size = max(heap, h), max(sys, s), cw.n
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(heap)/mib, "peak-HeapInuse-MiB")
	b.ReportMetric(float64(sys)/mib, "peak-Sys-MiB")
	b.ReportMetric(float64(size)/mib, "xlsx-MiB")
}

// TestWrite100000RowsMemory writes 100,000 rows and checks that memory stays
// bounded (the rows stream to a temp file and the zip goes straight to the writer).
func TestWrite100000RowsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 rows")
	}
	const n = 100_000
	path := filepath.Join(t.TempDir(), "big.xlsx")
	f, err := os.Create(path)
	require.NoError(t, err)
	runtime.GC()
	start := time.Now()
	stop := peakMem()
	rows, err := ledger.Write(f, ledger.Options{}, synthetic(n))
	heap, sys := stop()
	elapsed := time.Since(start)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Equal(t, n, rows)
	st, err := os.Stat(path)
	require.NoError(t, err)
	t.Logf("100,000 rows: %v, peak HeapInuse %.1f MiB, peak Sys %.1f MiB, file %.1f MiB",
		elapsed.Round(time.Millisecond), float64(heap)/mib, float64(sys)/mib, float64(st.Size())/mib)
	require.Less(t, heap, uint64(120*mib), "peak HeapInuse")

	// The file is a complete zip whose sheet holds every row.
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer func() { _ = zr.Close() }()
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	require.NoError(t, err)
	defer func() { _ = rc.Close() }()
	tail := make([]byte, 0, 4096)
	buf := make([]byte, 64<<10)
	for {
		k, err := rc.Read(buf)
		tail = append(tail, buf[:k]...)
		if len(tail) > 4096 {
			tail = append(tail[:0], tail[len(tail)-4096:]...)
		}
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
	require.Contains(t, string(tail), fmt.Sprintf(`<row r="%d"`, n+2))
}
