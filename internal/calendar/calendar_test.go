package calendar_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
)

func d(y int, m time.Month, day int) time.Time { return calendar.Date(y, m, day) }

func ymd(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02") }

func TestTheWeekendsWorkedInExchangeAreWorkingDays(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		date  time.Time
		label string
	}{
		{d(2026, 1, 4), "元旦调休上班"},
		{d(2026, 2, 14), "春节调休上班"},
		{d(2026, 2, 28), "春节调休上班"},
		{d(2026, 5, 9), "劳动节调休上班"},
		{d(2026, 9, 20), "国庆节调休上班"},
		{d(2026, 10, 10), "国庆节调休上班"},
		{d(2025, 1, 26), "春节调休上班"},
		{d(2025, 2, 8), "春节调休上班"},
		{d(2025, 4, 27), "劳动节调休上班"},
		{d(2025, 9, 28), "国庆节、中秋节调休上班"},
		{d(2025, 10, 11), "国庆节、中秋节调休上班"},
	} {
		wd := tc.date.Weekday()
		require.True(t, wd == time.Saturday || wd == time.Sunday, "%s is a weekend day", ymd(tc.date))
		ok, label := c.IsWorkday(tc.date)
		assert.True(t, ok, ymd(tc.date))
		assert.Equal(t, tc.label, label, ymd(tc.date))
	}
}

func TestHolidaysAndOrdinaryWeekendsAreOff(t *testing.T) {
	c := calendar.Default()
	for day := 1; day <= 7; day++ {
		ok, label := c.IsWorkday(d(2026, 10, day))
		assert.False(t, ok, "2026-10-%02d", day)
		assert.Equal(t, "国庆节", label)
	}
	ok, label := c.IsWorkday(d(2026, 10, 8)) // Thursday after National Day
	assert.True(t, ok)
	assert.Equal(t, "", label)
	ok, label = c.IsWorkday(d(2025, 10, 8))
	assert.False(t, ok)
	assert.Equal(t, "国庆节、中秋节", label)
	ok, label = c.IsWorkday(d(2026, 3, 7))
	assert.False(t, ok)
	assert.Equal(t, "周六", label)
	ok, label = c.IsWorkday(d(2026, 3, 8))
	assert.False(t, ok)
	assert.Equal(t, "周日", label)
	// Only the date in Shanghai matters: 2026-02-13 17:00 UTC is already Saturday 14th there.
	ok, _ = c.IsWorkday(time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC))
	assert.True(t, ok)
	ok, label = c.IsWorkday(time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC)) // Sunday 15th 00:30
	assert.False(t, ok)
	assert.Equal(t, "春节", label)
}

func TestAddWorkdays(t *testing.T) {
	c := calendar.Default()
	for _, tc := range []struct {
		from time.Time
		n    int
		want string
	}{
		{d(2026, 2, 13), 1, "2026-02-14"},  // Friday → the worked Saturday
		{d(2026, 2, 14), 1, "2026-02-24"},  // worked Saturday → over the 9-day Spring Festival
		{d(2026, 2, 15), 1, "2026-02-24"},  // from inside the holiday
		{d(2026, 2, 27), 1, "2026-02-28"},  // Friday → the second worked Saturday
		{d(2026, 9, 30), 1, "2026-10-08"},  // over National Day
		{d(2026, 10, 9), 1, "2026-10-10"},  // Friday → worked Saturday
		{d(2026, 9, 18), 1, "2026-09-20"},  // Friday → worked Sunday
		{d(2025, 1, 24), 1, "2025-01-26"},  // Friday → worked Sunday
		{d(2025, 1, 27), 1, "2025-02-05"},  // over 2025's Spring Festival
		{d(2026, 10, 3), 0, "2026-10-08"},  // n == 0 on a holiday: the next working day
		{d(2026, 2, 14), 0, "2026-02-14"},  // n == 0 on a worked Saturday: itself
		{d(2026, 3, 10), 0, "2026-03-10"},  // n == 0 on an ordinary Tuesday: itself
		{d(2026, 2, 24), -1, "2026-02-14"}, // back over the Spring Festival
		{d(2026, 2, 20), -1, "2026-02-14"}, // back from inside the holiday
		{d(2026, 2, 14), -1, "2026-02-13"},
		{d(2026, 10, 8), -1, "2026-09-30"},
		{d(2026, 10, 8), -3, "2026-09-28"}, // 9-30, 9-29, 9-28
		{d(2026, 1, 5), -1, "2026-01-04"},  // the worked Sunday
		{d(2026, 1, 4), -1, "2025-12-31"},  // back over 元旦 into 2025
		// 30 working days from Monday 2026-01-05, by hand (the day itself does not count):
		//   Tue 1-6 … Fri 1-9     4  (4)
		//   1-12 … 1-16           5  (9)
		//   1-19 … 1-23           5  (14)
		//   1-26 … 1-30           5  (19)
		//   2-2 … 2-6             5  (24)
		//   2-9 … 2-13            5  (29)
		//   Sat 2-14 (春节调休上班) 1  (30)
		{d(2026, 1, 5), 30, "2026-02-14"},
		{d(2026, 2, 14), -30, "2026-01-05"},
		// 2027 is not in the table: an ordinary week.
		{d(2027, 1, 1), 1, "2027-01-04"},   // Friday → Monday
		{d(2026, 12, 31), 1, "2027-01-01"}, // 元旦 2027 is unknown, so a working Friday
		{d(2027, 2, 12), 5, "2027-02-19"},
	} {
		got := c.AddWorkdays(tc.from, tc.n)
		assert.Equal(t, tc.want, ymd(got), "AddWorkdays(%s, %d)", ymd(tc.from), tc.n)
		assert.Equal(t, calendar.Shanghai, got.Location())
		h, m, s := got.Clock()
		assert.Equal(t, [3]int{0, 0, 0}, [3]int{h, m, s}, "midnight")
	}
	// The time of day of the input does not matter.
	assert.Equal(t, "2026-02-24", ymd(c.AddWorkdays(time.Date(2026, 2, 14, 23, 59, 0, 0, calendar.Shanghai), 1)))
}

func TestWorkdaysBetween(t *testing.T) {
	c := calendar.Default()
	// (2-13, 2-27]: Sat 2-14 worked; 2-15…2-23 off; Tue 2-24 … Fri 2-27: 1 + 4 = 5.
	assert.Equal(t, 5, c.WorkdaysBetween(d(2026, 2, 13), d(2026, 2, 27)))
	assert.Equal(t, -5, c.WorkdaysBetween(d(2026, 2, 27), d(2026, 2, 13)))
	assert.Equal(t, 1, c.WorkdaysBetween(d(2026, 2, 14), d(2026, 2, 24)))
	assert.Equal(t, 0, c.WorkdaysBetween(d(2026, 2, 14), d(2026, 2, 23)))
	assert.Equal(t, 0, c.WorkdaysBetween(d(2026, 2, 14), d(2026, 2, 14)))
	// Due Friday 2-13, today Tuesday 2-24: overdue by 2 working days (2-14 and 2-24).
	assert.Equal(t, 2, c.WorkdaysBetween(d(2026, 2, 13), d(2026, 2, 24)))
	// A whole ordinary year beyond the table: 2027 has 261 weekdays (starts on Friday).
	assert.Equal(t, 261, c.WorkdaysBetween(d(2026, 12, 31), d(2027, 12, 31)))
	// 2026: 261 weekdays (starts Thursday); minus off weekdays, plus worked weekend days.
	// Off weekdays: 元旦 1-1,1-2 (2); 春节 2-16…2-20, 2-23 (6); 清明 4-6 (1); 劳动 5-1, 5-4, 5-5 (3);
	// 端午 6-19 (1); 中秋 9-25 (1); 国庆 10-1, 10-2, 10-5, 10-6, 10-7 (5) = 19. Worked weekend days: 6.
	assert.Equal(t, 261-19+6, c.WorkdaysBetween(d(2025, 12, 31), d(2026, 12, 31)))
}

// naive steps day by day, as the definition reads.
func naive(c *calendar.Calendar, from time.Time, n int) time.Time {
	day := calendar.Date(from.In(calendar.Shanghai).Date())
	work := func(t time.Time) bool { ok, _ := c.IsWorkday(t); return ok }
	if n == 0 {
		for !work(day) {
			day = day.AddDate(0, 0, 1)
		}
		return day
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		day = day.AddDate(0, 0, step)
		if work(day) {
			n--
		}
	}
	return day
}

func TestAddWorkdaysAndWorkdaysBetweenAgreeWithDayByDayCounting(t *testing.T) {
	c := calendar.Default()
	for from := d(2024, 12, 1); from.Before(d(2027, 2, 1)); from = from.AddDate(0, 0, 3) {
		for _, n := range []int{-45, -12, -5, -1, 0, 1, 2, 5, 9, 23, 60} {
			want := naive(c, from, n)
			got := c.AddWorkdays(from, n)
			require.Equal(t, ymd(want), ymd(got), "AddWorkdays(%s, %d)", ymd(from), n)
			if n > 0 {
				require.Equal(t, n, c.WorkdaysBetween(from, got))
			}
		}
	}
	// The count is additive: between(a, c) = between(a, b) + between(b, c).
	a, b, e := d(2025, 1, 15), d(2026, 2, 19), d(2026, 10, 4)
	assert.Equal(t, c.WorkdaysBetween(a, e), c.WorkdaysBetween(a, b)+c.WorkdaysBetween(b, e))
}

func TestNextSendTime(t *testing.T) {
	c := calendar.Default()
	at := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, calendar.Shanghai)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
		want time.Time
	}{
		{"Friday night before the worked Saturday", at(2026, 2, 13, 23, 0), at(2026, 2, 14, 8, 30)},
		{"noon on National Day", at(2026, 10, 1, 12, 0), at(2026, 10, 8, 8, 30)},
		{"within working hours", at(2026, 3, 10, 10, 15), at(2026, 3, 10, 10, 15)},
		{"at the start", at(2026, 3, 10, 8, 30), at(2026, 3, 10, 8, 30)},
		{"early morning", at(2026, 3, 10, 6, 0), at(2026, 3, 10, 8, 30)},
		{"at the end", at(2026, 3, 10, 17, 30), at(2026, 3, 11, 8, 30)},
		{"Friday evening before an ordinary weekend", at(2026, 3, 13, 18, 0), at(2026, 3, 16, 8, 30)},
		{"the worked Saturday before the holiday", at(2026, 2, 14, 18, 0), at(2026, 2, 24, 8, 30)},
		{"in UTC: 2026-03-10 01:00Z is 09:00 in Shanghai", time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)},
	} {
		got := c.NextSendTime(tc.t, "08:30", "17:30")
		assert.True(t, tc.want.Equal(got), "%s: got %s, want %s", tc.name, got, tc.want)
	}
	end := c.EndOfWorkday(time.Date(2026, 2, 13, 20, 0, 0, 0, time.UTC), "17:30") // 2-14 04:00 in Shanghai
	assert.True(t, at(2026, 2, 14, 17, 30).Equal(end), end.String())
	assert.Panics(t, func() { c.EndOfWorkday(d(2026, 1, 5), "5pm") })
}

func TestParseClock(t *testing.T) {
	h, m, err := calendar.ParseClock("08:30")
	require.NoError(t, err)
	assert.Equal(t, [2]int{8, 30}, [2]int{h, m})
	h, m, err = calendar.ParseClock("23:59")
	require.NoError(t, err)
	assert.Equal(t, [2]int{23, 59}, [2]int{h, m})
	for _, bad := range []string{"", "8:30", "24:00", "12:60", "12-30", "1230", "ab:cd", " 8:30", "08:30:00"} {
		_, _, err := calendar.ParseClock(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseDate(t *testing.T) {
	got, err := calendar.ParseDate("2026-02-14")
	require.NoError(t, err)
	assert.True(t, d(2026, 2, 14).Equal(got))
	for _, bad := range []string{"2026-2-14", "2026-02-30", "20260214", "", "2026-02-14 "} {
		_, err := calendar.ParseDate(bad)
		assert.Error(t, err, "%q", bad)
	}
}

// The embedded tables are exactly the State Council notices' arrangements.
func TestEmbeddedTablesMatchTheNotices(t *testing.T) {
	type holiday struct {
		off    int
		first  string
		last   string
		worked []string
	}
	want := map[int]map[string]holiday{
		2025: {
			"元旦":      {1, "2025-01-01", "2025-01-01", nil},
			"春节":      {8, "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
			"清明节":     {3, "2025-04-04", "2025-04-06", nil},
			"劳动节":     {5, "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
			"端午节":     {3, "2025-05-31", "2025-06-02", nil},
			"国庆节、中秋节": {8, "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
		},
		2026: {
			"元旦":  {3, "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
			"春节":  {9, "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
			"清明节": {3, "2026-04-04", "2026-04-06", nil},
			"劳动节": {5, "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
			"端午节": {3, "2026-06-19", "2026-06-21", nil},
			"中秋节": {3, "2026-09-25", "2026-09-27", nil},
			"国庆节": {7, "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
		},
	}
	c := calendar.Default()
	years := c.Years()
	require.Len(t, years, 2)
	for _, y := range years {
		require.Contains(t, want, y.Year)
		require.NotEmpty(t, y.Papers)
		got := map[string]holiday{}
		for _, day := range y.Days {
			h := got[day.Name]
			if day.IsOffDay {
				h.off++
				if h.first == "" || day.Date < h.first {
					h.first = day.Date
				}
				if day.Date > h.last {
					h.last = day.Date
				}
			} else {
				h.worked = append(h.worked, day.Date)
			}
			got[day.Name] = h
		}
		assert.Equal(t, want[y.Year], got, "%d", y.Year)
		// Each off span is contiguous: its count equals its length in days.
		for name, h := range got {
			first, _ := calendar.ParseDate(h.first)
			last, _ := calendar.ParseDate(h.last)
			assert.Equal(t, h.off, int(last.Sub(first).Hours()/24)+1, "%d %s", y.Year, name)
		}
	}
	assert.True(t, c.Known(2025))
	assert.True(t, c.Known(2026))
	assert.False(t, c.Known(2027))
	assert.Len(t, c.Fingerprint(), 16)
}

func TestYearsRoundTripThroughJSON(t *testing.T) {
	c := calendar.Default()
	var rebuilt []calendar.Year
	for _, y := range c.Years() {
		b, err := json.Marshal(y)
		require.NoError(t, err)
		back, err := calendar.ParseYear(bytes.NewReader(b))
		require.NoError(t, err, string(b))
		rebuilt = append(rebuilt, back)
	}
	slices.Reverse(rebuilt) // order of New's arguments does not matter
	c2, err := calendar.New(rebuilt...)
	require.NoError(t, err)
	assert.Equal(t, c.Fingerprint(), c2.Fingerprint())
	assert.Equal(t, c.Years(), c2.Years())

	// Years returns copies: changing them does not change the calendar.
	ys := c.Years()
	ys[1].Days[0].IsOffDay = false
	ok, _ := c.IsWorkday(d(2026, 1, 1))
	assert.False(t, ok)
}

func TestWithReplacesAYearAndTheFingerprintChanges(t *testing.T) {
	c := calendar.Default()
	var y2026 calendar.Year
	for _, y := range c.Years() {
		if y.Year == 2026 {
			y2026 = y
		}
	}
	// Suppose a corrected notice drops the worked Sunday 2026-09-20.
	y2026.Days = slices.DeleteFunc(y2026.Days, func(day calendar.Day) bool { return day.Date == "2026-09-20" })
	c2, err := c.With(y2026)
	require.NoError(t, err)
	assert.NotEqual(t, c.Fingerprint(), c2.Fingerprint())
	ok, label := c2.IsWorkday(d(2026, 9, 20))
	assert.False(t, ok)
	assert.Equal(t, "周日", label)
	ok, _ = c.IsWorkday(d(2026, 9, 20)) // the original is unchanged
	assert.True(t, ok)
	assert.Len(t, c2.Years(), 2)

	// Adding 2027 (only 元旦 here, for the test).
	c3, err := c.With(calendar.Year{Year: 2027, Days: []calendar.Day{{Name: "元旦", Date: "2027-01-01", IsOffDay: true}}})
	require.NoError(t, err)
	assert.True(t, c3.Known(2027))
	assert.Equal(t, "", c3.MissingYearWarning(d(2027, 6, 1)))
	ok, label = c3.IsWorkday(d(2027, 1, 1))
	assert.False(t, ok)
	assert.Equal(t, "元旦", label)
	assert.NotEqual(t, c.Fingerprint(), c3.Fingerprint())

	// An invalid year is refused.
	_, err = c.With(calendar.Year{Year: 2027})
	var pe *calendar.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "days", pe.Field)

	// New refuses the same year twice.
	_, err = calendar.New(c.Years()[0], c.Years()[0])
	assert.Error(t, err)
}

func TestAYearBeyondTheTableIsAnOrdinaryWeekAndIsWarnedAbout(t *testing.T) {
	c := calendar.Default()
	ok, label := c.IsWorkday(d(2027, 1, 1)) // a Friday; 元旦 2027 is not imported
	assert.True(t, ok)
	assert.Equal(t, "", label)
	ok, label = c.IsWorkday(d(2027, 1, 2))
	assert.False(t, ok)
	assert.Equal(t, "周六", label)
	ok, _ = c.IsWorkday(d(2024, 10, 1)) // before the table too
	assert.True(t, ok)

	assert.Equal(t, "", c.MissingYearWarning(d(2026, 6, 1)))
	assert.Equal(t, "", c.MissingYearWarning(d(2025, 12, 31))) // 2026 is known
	assert.Equal(t, "尚未导入2027年节假日安排，2027年的日期按普通周末计算", c.MissingYearWarning(d(2026, 12, 1)))
	assert.Equal(t, "尚未导入2027年节假日安排，2027年的日期按普通周末计算", c.MissingYearWarning(d(2027, 3, 1)))
	assert.Contains(t, c.MissingYearWarning(d(2027, 12, 5)), "2027年、2028年")
	// 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
	assert.NotEqual(t, "", c.MissingYearWarning(time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)))
}

func TestParseYearRejectsMalformedTables(t *testing.T) {
	for _, tc := range []struct {
		name, json, field, message string
	}{
		{"not a date", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-02","isOffDay":true},{"name":"春节","date":"2027-13-01","isOffDay":true}]}`,
			"days[2].date", "第3项 date：“2027-13-01”不是日期"},
		{"not zero-padded", `{"year":2027,"days":[{"name":"元旦","date":"2027-1-1","isOffDay":true}]}`, "days[0].date", "“2027-1-1”不是日期"},
		{"outside the year", `{"year":2027,"days":[{"name":"元旦","date":"2026-12-31","isOffDay":true}]}`, "days[0].date", "不在2027年内"},
		{"duplicate", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`, "days[1].date", "与第1项重复"},
		{"worked weekday", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-04","isOffDay":false}]}`, "days[0].isOffDay", "周一"},
		{"missing name", `{"year":2027,"days":[{"date":"2027-01-01","isOffDay":true}]}`, "days[0].name", "第1项 name：缺少"},
		{"blank name", `{"year":2027,"days":[{"name":" ","date":"2027-01-01","isOffDay":true}]}`, "days[0].name", "缺少节日名称"},
		{"missing date", `{"year":2027,"days":[{"name":"元旦","isOffDay":true}]}`, "days[0].date", "缺少日期"},
		{"missing isOffDay", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01"}]}`, "days[0].isOffDay", "缺少"},
		{"empty days", `{"year":2027,"days":[]}`, "days", "日期列表为空"},
		{"missing days", `{"year":2027}`, "days", "缺少"},
		{"missing year", `{"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`, "year", "缺少年份"},
		{"implausible year", `{"year":27,"days":[{"name":"元旦","date":"0027-01-01","isOffDay":true}]}`, "year", "不是有效年份"},
		{"year before 2000", `{"year":1999,"days":[{"name":"元旦","date":"1999-01-01","isOffDay":true}]}`, "year", "应在2000年至2100年之间"},
		{"year as a string", `{"year":"2027","days":[]}`, "year", "类型错误"},
		{"unknown field", `{"year":2027,"holidays":[],"days":[]}`, "holidays", "未知字段“holidays”"},
		{"empty paper", `{"year":2027,"papers":[""],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`, "papers[0]", "链接为空"},
		{"not JSON", `{"year":2027,`, "file", "不完整"},
		{"syntax", `{"year":2027 "days":[]}`, "file", "不是有效的 JSON"},
		{"trailing", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]} {}`, "file", "多余内容"},
		{"empty", ``, "file", "为空"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := calendar.ParseYear(strings.NewReader(tc.json))
			require.Error(t, err)
			var pe *calendar.ParseError
			require.True(t, errors.As(err, &pe), "%T", err)
			assert.Equal(t, tc.field, pe.Field)
			assert.Contains(t, err.Error(), tc.message)
		})
	}
}

func TestParseYearAcceptsTheHolidayCNShape(t *testing.T) {
	y, err := calendar.ParseYear(strings.NewReader(`{
		"$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
		"$id": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json",
		"year": 2027,
		"papers": [],
		"days": [
			{"name": "元旦", "date": "2027-01-01", "isOffDay": true},
			{"name": "元旦", "date": "2027-01-02", "isOffDay": true},
			{"name": "春节", "date": "2027-02-20", "isOffDay": false}
		]}`))
	require.NoError(t, err) // an off day on a Saturday is fine; a worked Saturday too
	assert.Equal(t, 2027, y.Year)
	assert.Len(t, y.Days, 3)
	assert.Equal(t, calendar.Day{Name: "春节", Date: "2027-02-20", IsOffDay: false}, y.Days[2])
}

func TestCommand(t *testing.T) {
	c := calendar.Default()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := calendar.Command(c, args, &out)
		return out.String(), err
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "2026-02-13", "1"}, "2026-02-14\n"},
		{[]string{"add", "2026-02-14", "1"}, "2026-02-24\n"},
		{[]string{"add", "2026-02-24", "-1"}, "2026-02-14\n"},
		{[]string{"add", "2026-10-03", "0"}, "2026-10-08\n"},
		{[]string{"is", "2026-09-20"}, "2026-09-20 是工作日（国庆节调休上班）\n"},
		{[]string{"is", "2026-10-01"}, "2026-10-01 不是工作日：国庆节\n"},
		// 2026-10-03 is a Saturday inside the 国庆节 break, so it is named after the holiday;
		// an ordinary Saturday is named 周六.
		{[]string{"is", "2026-10-03"}, "2026-10-03 不是工作日：国庆节\n"},
		{[]string{"is", "2026-10-17"}, "2026-10-17 不是工作日：周六\n"},
		{[]string{"is", "2026-10-09"}, "2026-10-09 是工作日\n"},
		{[]string{"between", "2026-02-13", "2026-02-27"}, "5\n"},
		{[]string{"between", "2026-02-27", "2026-02-13"}, "-5\n"},
	} {
		got, err := run(tc.args...)
		require.NoError(t, err, "%v", tc.args)
		assert.Equal(t, tc.want, got, "%v", tc.args)
	}
	got, err := run("is", "2027-01-01")
	require.NoError(t, err)
	assert.Contains(t, got, "2027-01-01 是工作日")
	assert.Contains(t, got, "尚未导入2027年")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "子命令"},
		{[]string{"next", "2026-01-01"}, "未知子命令“next”"},
		{[]string{"add", "2026-02-30", "1"}, "参数日期：“2026-02-30”不是日期"},
		{[]string{"add", "2026-02-13", "one"}, "参数N：“one”"},
		{[]string{"add", "2026-02-13"}, "add 需要2个参数"},
		{[]string{"is"}, "is 需要1个参数"},
		{[]string{"between", "2026-02-13", "tomorrow"}, "参数日期B：“tomorrow”"},
		{[]string{"between", "yesterday", "2026-02-13"}, "参数日期A：“yesterday”"},
		{[]string{"add", "2026-02-13", "9000000000000000000"}, "参数N：“9000000000000000000”"},
		{[]string{"add", "2026-02-13", "3661"}, "应为-3660到3660之间"},
		{[]string{"add", "2099-12-01", "3000"}, "超出2000年至2100年的范围"},
		{[]string{"between", "1999-12-31", "2026-02-13"}, "参数日期A：日期1999-12-31超出2000年至2100年的范围"},
	} {
		out, err := run(tc.args...)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
		assert.Equal(t, "", out)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := calendar.Default()
	done := make(chan string)
	for range 8 {
		go func() {
			done <- ymd(c.AddWorkdays(d(2026, 1, 5), 30))
		}()
	}
	for range 8 {
		assert.Equal(t, "2026-02-14", <-done)
	}
}

// An absurd span is refused by the checked functions and clamped by the unchecked ones, and
// either answers at once: 9e18 working days once spun a core for ever, and 2^61 answered a
// wrong date.
func TestAbsurdSpansAnswerAtOnce(t *testing.T) {
	c := calendar.Default()
	start := d(2026, 2, 13)
	for _, n := range []int{9000000000000000000, 1 << 61, -(1 << 61), math.MaxInt, math.MinInt, calendar.MaxSpan + 1, -calendar.MaxSpan - 1} {
		done := make(chan time.Time, 1)
		go func() { done <- c.AddWorkdays(start, n) }()
		select {
		case got := <-done:
			// Clamped to MaxSpan working days: about fourteen years on, in the right direction.
			want := c.AddWorkdays(start, calendar.MaxSpan)
			if n < 0 {
				want = c.AddWorkdays(start, -calendar.MaxSpan)
			}
			assert.Equal(t, ymd(want), ymd(got), "n=%d", n)
		case <-time.After(5 * time.Second):
			t.Fatalf("AddWorkdays(%d) did not answer within 5s", n)
		}
		_, err := c.AddWorkdaysChecked(start, n)
		var re *calendar.RangeError
		require.ErrorAs(t, err, &re, "n=%d", n)
		assert.Equal(t, "n", re.Field)
		assert.Contains(t, re.Message, "工作日数应在-3660到3660之间")
	}
	far := c.AddWorkdays(start, calendar.MaxSpan)
	assert.True(t, far.After(d(2039, 1, 1)) && far.Before(d(2041, 1, 1)), "3660 working days from 2026 is about 2040, got %s", ymd(far))

	got, err := c.AddWorkdaysChecked(start, 1)
	require.NoError(t, err)
	assert.Equal(t, "2026-02-14", ymd(got))

	for _, tc := range []struct {
		date  time.Time
		n     int
		field string
	}{
		{d(1999, 12, 31), 1, "date"},
		{d(2101, 1, 1), -1, "date"},
		{d(2100, 12, 30), 5, "n"}, // the answer would lie in 2101
		{d(2000, 1, 3), -5, "n"},
	} {
		_, err := c.AddWorkdaysChecked(tc.date, tc.n)
		var re *calendar.RangeError
		require.ErrorAs(t, err, &re, "%s %+d", ymd(tc.date), tc.n)
		assert.Equal(t, tc.field, re.Field)
		assert.Contains(t, re.Message, "超出2000年至2100年的范围")
	}

	// Dates at the ends of time.Time neither overflow nor hang.
	for _, t0 := range []time.Time{time.Unix(1<<62, 0), time.Unix(-(1 << 62), 0), {}} {
		_ = c.AddWorkdays(t0, calendar.MaxSpan)
		_ = c.AddWorkdays(t0, -calendar.MaxSpan)
		_ = c.WorkdaysBetween(t0, start)
	}
	_, err = c.WorkdaysBetweenChecked(time.Unix(1<<62, 0), start)
	require.Error(t, err)
	n, err := c.WorkdaysBetweenChecked(d(2026, 2, 13), d(2026, 2, 27))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
}
