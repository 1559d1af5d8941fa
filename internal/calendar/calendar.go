// Package calendar is China's working-day calendar (工作日历): the public holidays and the
// weekend days worked in exchange (调休上班) announced each year by the State Council
// (国务院办公厅关于××年部分节假日安排的通知), in Asia/Shanghai.
//
// Everything here is pure and deterministic — no clock, no I/O after package
// initialisation, no result depending on map iteration order — so it may be called from
// Temporal workflow code. A Calendar is immutable and safe for concurrent use.
//
// Only the date in Shanghai of a time.Time matters; dates returned are midnight Shanghai.
// A date outside the years the calendar knows counts as an ordinary week: Monday to
// Friday working, Saturday and Sunday off.
package calendar

import (
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai without depending on the host's zoneinfo
)

// Shanghai is the Asia/Shanghai time zone, in which every date here is taken.
var Shanghai *time.Location = mustLoadShanghai()

func mustLoadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic("calendar: cannot load Asia/Shanghai: " + err.Error())
	}
	return loc
}

const dateLayout = "2006-01-02"

// Day is one entry of a year's table: a holiday date (IsOffDay true) or a weekend day
// worked in exchange (IsOffDay false, Name = the holiday it compensates).
type Day struct {
	Name     string `json:"name"`
	Date     string `json:"date"`
	IsOffDay bool   `json:"isOffDay"`
}

// Year is one year's table, in the shape of holiday-cn's per-year JSON files.
type Year struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers,omitempty"`
	Days   []Day    `json:"days"`
}

func (y Year) clone() Year {
	out := Year{Year: y.Year, Days: slices.Clone(y.Days)}
	if len(y.Papers) > 0 {
		out.Papers = slices.Clone(y.Papers)
	}
	return out
}

// entry is a Day resolved to a day number, for lookups and counting.
type entry struct {
	day  int64 // days since 1970-01-01
	name string
	off  bool
	adj  int64 // change to the ordinary Mon–Fri count: -1 off weekday, +1 worked weekend, else 0
}

// Calendar is an immutable working-day calendar built from a set of years' tables.
type Calendar struct {
	years       []Year  // sorted by year, days sorted by date; never modified
	entries     []entry // sorted by day
	prefix      []int64 // prefix[i] = sum of entries[:i].adj
	fingerprint string
}

//go:embed data/*.json
var dataFS embed.FS

// embeddedYears lists the files built into Default.
var embeddedYears = []int{2025, 2026}

// defaultCalendar is built once at initialisation (panicking if the embedded data is
// broken, which the package's tests prove it is not).
var defaultCalendar = mustDefault()

func mustDefault() *Calendar {
	var years []Year
	for _, y := range embeddedYears {
		name := fmt.Sprintf("data/%d.json", y)
		f, err := dataFS.Open(name)
		if err != nil {
			panic("calendar: embedded " + name + ": " + err.Error())
		}
		yr, err := ParseYear(f)
		f.Close()
		if err != nil {
			panic("calendar: embedded " + name + ": " + err.Error())
		}
		if yr.Year != y {
			panic(fmt.Sprintf("calendar: embedded %s declares year %d", name, yr.Year))
		}
		years = append(years, yr)
	}
	c, err := New(years...)
	if err != nil {
		panic("calendar: embedded data: " + err.Error())
	}
	return c
}

// Default returns the calendar of the embedded tables (2025 and 2026).
func Default() *Calendar { return defaultCalendar }

// New builds a calendar from years' tables, each validated as ParseYear does; a year may
// appear only once. New() with no years is a calendar of ordinary weeks.
func New(years ...Year) (*Calendar, error) {
	sorted := make([]Year, 0, len(years))
	for _, y := range years {
		if err := validateYear(y); err != nil {
			return nil, fmt.Errorf("%d年节假日安排：%w", y.Year, err)
		}
		sorted = append(sorted, y.clone())
	}
	slices.SortFunc(sorted, func(a, b Year) int { return a.Year - b.Year })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Year == sorted[i-1].Year {
			return nil, &ParseError{Field: "year", Message: fmt.Sprintf("year：%d年的节假日安排重复导入", sorted[i].Year)}
		}
	}
	c := &Calendar{years: sorted}
	h := sha256.New()
	for _, y := range sorted {
		slices.SortFunc(y.Days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
		fmt.Fprintf(h, "year %d\n", y.Year)
		for _, d := range y.Days {
			t, _ := time.Parse(dateLayout, d.Date) // validated above
			dn := civilDay(t.Date())
			e := entry{day: dn, name: d.Name, off: d.IsOffDay}
			switch wd := weekdayOf(dn); {
			case d.IsOffDay && wd != time.Saturday && wd != time.Sunday:
				e.adj = -1
			case !d.IsOffDay:
				e.adj = +1
			}
			c.entries = append(c.entries, e)
			fmt.Fprintf(h, "%s %t %s\n", d.Date, d.IsOffDay, strconv.Quote(d.Name))
		}
	}
	// Years are sorted and each year's dates lie in that year, so entries are sorted.
	c.prefix = make([]int64, len(c.entries)+1)
	for i, e := range c.entries {
		c.prefix[i+1] = c.prefix[i] + e.adj
	}
	c.fingerprint = hex.EncodeToString(h.Sum(nil))[:16]
	return c, nil
}

// With returns a new calendar with y added, or replacing the table of the same year.
func (c *Calendar) With(y Year) (*Calendar, error) {
	years := make([]Year, 0, len(c.years)+1)
	for _, old := range c.years {
		if old.Year != y.Year {
			years = append(years, old)
		}
	}
	return New(append(years, y)...)
}

// Years returns (copies of) the tables, sorted by year, each year's days sorted by date.
// New(c.Years()...) rebuilds an equal calendar.
func (c *Calendar) Years() []Year {
	out := make([]Year, len(c.years))
	for i, y := range c.years {
		out[i] = y.clone()
	}
	return out
}

// Known reports whether the calendar has the table of that year.
func (c *Calendar) Known(year int) bool {
	_, found := slices.BinarySearchFunc(c.years, year, func(y Year, year int) int { return y.Year - year })
	return found
}

// Fingerprint is a short stable hash of the tables' content (years, dates, names, off or
// worked; not the papers), to detect that the calendar changed.
func (c *Calendar) Fingerprint() string { return c.fingerprint }

// MissingYearWarning returns "" normally, or a warning to show staff when today's year —
// or, in December, next year — has no table, e.g.
// "尚未导入2027年节假日安排，2027年的日期按普通周末计算".
func (c *Calendar) MissingYearWarning(today time.Time) string {
	y, m, _ := today.In(Shanghai).Date()
	candidates := []int{y}
	if m == time.December {
		candidates = append(candidates, y+1)
	}
	var missing []string
	for _, cy := range candidates {
		if !c.Known(cy) {
			missing = append(missing, strconv.Itoa(cy)+"年")
		}
	}
	if len(missing) == 0 {
		return ""
	}
	list := strings.Join(missing, "、")
	return "尚未导入" + list + "节假日安排，" + list + "的日期按普通周末计算"
}

// Date returns midnight in Shanghai of that date.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
}

// ParseDate parses "2006-01-02" as midnight in Shanghai.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return time.Time{}, fmt.Errorf("“%s”不是日期（格式为 2006-01-02）", s)
	}
	return Date(t.Date()), nil
}

// civilDay numbers a calendar date as days since 1970-01-01.
func civilDay(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// dayOf is the day number of t's date in Shanghai.
func dayOf(t time.Time) int64 { return civilDay(t.In(Shanghai).Date()) }

// timeOf is midnight in Shanghai of day number dn.
func timeOf(dn int64) time.Time { return Date(time.Unix(dn*86400, 0).UTC().Date()) }

func weekdayOf(dn int64) time.Weekday {
	return time.Weekday(floorMod(dn+4, 7)) // 1970-01-01 was a Thursday
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// ordinaryCount is the number of Mondays–Fridays in [epochMonday, dn] (negative before
// it); only differences matter.
func ordinaryCount(dn int64) int64 {
	x := dn + 3 // day 0 is a Thursday, so day -3 is a Monday
	weeks, r := floorDiv(x, 7), floorMod(x, 7)
	return weeks*5 + min(r+1, 5)
}

// byDay orders entries by day, for binary search.
func byDay(e entry, day int64) int { return cmp.Compare(e.day, day) }

// count is the number of working days up to and including dn, relative to an arbitrary
// origin: count(b) - count(a) is the number of working days d with a < d <= b.
func (c *Calendar) count(dn int64) int64 {
	i, _ := slices.BinarySearchFunc(c.entries, dn+1, byDay)
	return ordinaryCount(dn) + c.prefix[i]
}

func (c *Calendar) lookup(dn int64) (entry, bool) {
	i, found := slices.BinarySearchFunc(c.entries, dn, byDay)
	if !found {
		return entry{}, false
	}
	return c.entries[i], true
}

// IsWorkday reports whether t's date (in Shanghai) is a working day, with a label: the
// holiday's name for an off day of the table, "周六"/"周日" for an ordinary weekend, e.g.
// "春节调休上班" for a weekend day worked in exchange, "" for an ordinary working day.
func (c *Calendar) IsWorkday(t time.Time) (bool, string) {
	dn := dayOf(t)
	if e, ok := c.lookup(dn); ok {
		if e.off {
			return false, e.name
		}
		return true, e.name + "调休上班"
	}
	switch weekdayOf(dn) {
	case time.Saturday:
		return false, "周六"
	case time.Sunday:
		return false, "周日"
	}
	return true, ""
}

func (c *Calendar) isWorkday(dn int64) bool { return c.count(dn)-c.count(dn-1) == 1 }

// Bounds of working-day arithmetic: spans beyond them are no deadline anyone sets, and
// unbounded ones overflow day numbers (a wrong date) or walk for ever (a spinning core).
const (
	// MaxSpan is the most working days counted in one step, about fourteen years.
	MaxSpan = 3660
	// MinYear and MaxYear bound the dates the checked functions accept.
	MinYear = 2000
	MaxYear = 2100
)

// RangeError refuses a date or a span outside the calendar's bounds. Field is "date" or
// "n" (the caller renames it for its own input); Message is in Chinese.
type RangeError struct {
	Field   string
	Message string
}

func (e *RangeError) Error() string { return e.Message }

// checkDate refuses a date outside MinYear–MaxYear.
func checkDate(field string, t time.Time) error {
	if y := t.In(Shanghai).Year(); y < MinYear || y > MaxYear {
		return &RangeError{Field: field, Message: fmt.Sprintf("日期%s超出%d年至%d年的范围", t.In(Shanghai).Format(dateLayout), MinYear, MaxYear)}
	}
	return nil
}

// AddWorkdaysChecked is AddWorkdays for input from outside: a date outside MinYear–MaxYear,
// |n| > MaxSpan, or a result outside MinYear–MaxYear is a *RangeError instead of an answer.
func (c *Calendar) AddWorkdaysChecked(t time.Time, n int) (time.Time, error) {
	if err := checkDate("date", t); err != nil {
		return time.Time{}, err
	}
	if n > MaxSpan || n < -MaxSpan {
		return time.Time{}, &RangeError{Field: "n", Message: fmt.Sprintf("工作日数应在-%d到%d之间", MaxSpan, MaxSpan)}
	}
	out := c.AddWorkdays(t, n)
	if err := checkDate("n", out); err != nil {
		return time.Time{}, err
	}
	return out, nil
}

// WorkdaysBetweenChecked is WorkdaysBetween for input from outside: a date outside
// MinYear–MaxYear is a *RangeError (the span between two such dates is bounded by itself).
func (c *Calendar) WorkdaysBetweenChecked(a, b time.Time) (int, error) {
	if err := checkDate("a", a); err != nil {
		return 0, err
	}
	if err := checkDate("b", b); err != nil {
		return 0, err
	}
	return c.WorkdaysBetween(a, b), nil
}

// Day numbers the unchecked arithmetic clamps to (years 1 and 9999), so that no date,
// however absurd, overflows a day number into a wrong answer.
var (
	minDay = civilDay(1, time.January, 1)
	maxDay = civilDay(9999, time.December, 31)
)

// AddWorkdays counts working days from t's date: for n > 0 the n-th working day after it
// (t's date itself does not count, working or not); for n == 0 t's date if it is a working
// day, else the next working day; for n < 0 the |n|-th working day before it. The result
// is midnight in Shanghai.
//
// It never fails, so that workflow code stays simple: |n| is clamped to MaxSpan and the date
// to the years 1–9999, which keeps every call short. Input from people goes through
// AddWorkdaysChecked (or bounds of its own) first.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	n = max(-MaxSpan, min(n, MaxSpan))
	dn := max(minDay, min(dayOf(t), maxDay))
	switch {
	case n > 0:
		return timeOf(c.forward(dn, int64(n)))
	case n == 0:
		if c.isWorkday(dn) {
			return timeOf(dn)
		}
		return timeOf(c.forward(dn, 1))
	default:
		return timeOf(c.backward(dn, -int64(n)))
	}
}

// forward returns the smallest d > from with count(d) - count(from) == n (n >= 1): the
// n-th working day after from.
func (c *Calendar) forward(from, n int64) int64 {
	target := c.count(from) + n
	lo, step := from, int64(7) // count(lo) < target
	hi := from + step
	for c.count(hi) < target {
		lo, step = hi, step*2
		hi = from + step
	}
	for hi-lo > 1 { // count(lo) < target <= count(hi)
		mid := lo + (hi-lo)/2
		if c.count(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// backward returns the |n|-th working day before from (n >= 1): the largest d < from with
// n working days in [d, from), i.e. d-1 is the largest day with count(d-1) <= count(from-1) - n.
func (c *Calendar) backward(from, n int64) int64 {
	target := c.count(from-1) - n
	hi, step := from-1, int64(7) // count(hi) > target
	lo := from - 1 - step
	for c.count(lo) > target {
		hi, step = lo, step*2
		lo = from - 1 - step
	}
	for hi-lo > 1 { // count(lo) <= target < count(hi)
		mid := lo + (hi-lo)/2
		if c.count(mid) <= target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// WorkdaysBetween is the number of working days d with a < d <= b (dates in Shanghai), or
// the negative of the number with b < d <= a when b is before a. WorkdaysBetween(due,
// today) is the number of working days overdue.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	return int(c.count(dayOf(b)) - c.count(dayOf(a)))
}

// ParseClock parses a time of day "hh:mm" (two digits each, 00:00–23:59).
func ParseClock(s string) (hour, min int, err error) {
	bad := fmt.Errorf("“%s”不是时刻（格式为 hh:mm，例如 08:30）", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, bad
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, bad
		}
	}
	hour = int(s[0]-'0')*10 + int(s[1]-'0')
	min = int(s[3]-'0')*10 + int(s[4]-'0')
	if hour > 23 || min > 59 {
		return 0, 0, bad
	}
	return hour, min, nil
}

func mustClock(s string) (int, int) {
	h, m, err := ParseClock(s)
	if err != nil {
		panic("calendar: " + err.Error())
	}
	return h, m
}

func at(dn int64, h, m int) time.Time {
	y, mo, d := time.Unix(dn*86400, 0).UTC().Date()
	return time.Date(y, mo, d, h, m, 0, 0, Shanghai)
}

// EndOfWorkday returns t's date (in Shanghai) at hhmm Shanghai time. hhmm must be valid
// (check configuration with ParseClock); an invalid one panics.
func (c *Calendar) EndOfWorkday(t time.Time, hhmm string) time.Time {
	h, m := mustClock(hhmm)
	return at(dayOf(t), h, m)
}

// NextSendTime returns when a reminder due at t may be sent: t itself if it falls on a
// working day within [start, end) Shanghai time; that day's start if it is a working day
// and t is before start; otherwise the next working day's start. start and end are "hh:mm"
// and must be valid (check configuration with ParseClock); an invalid one panics.
func (c *Calendar) NextSendTime(t time.Time, start, end string) time.Time {
	sh, sm := mustClock(start)
	eh, em := mustClock(end)
	dn := dayOf(t)
	if c.isWorkday(dn) {
		s, e := at(dn, sh, sm), at(dn, eh, em)
		if t.Before(s) {
			return s
		}
		if t.Before(e) {
			return t
		}
	}
	return at(c.forward(dn, 1), sh, sm)
}

// EveryDayWorking is a table for year y in which every weekend day is worked and nothing is
// off. Tests and benchmarks that send in working hours load it so as never to wait for a
// Monday; it is no real year's arrangement.
func EveryDayWorking(y int) Year {
	out := Year{Year: y}
	for d := Date(y, 1, 1); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			out.Days = append(out.Days, Day{Name: "全年无休（测试用）", Date: d.Format("2006-01-02"), IsOffDay: false})
		}
	}
	return out
}
