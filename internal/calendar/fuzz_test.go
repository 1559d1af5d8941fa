package calendar_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
)

// FuzzParseYear feeds holiday-year files (the upload of POST /api/calendar/years) to
// ParseYear: a refused file is a ParseError naming a field; an accepted one builds a
// calendar and survives a round trip through its own JSON with the same fingerprint.
func FuzzParseYear(f *testing.F) {
	f.Add([]byte(`{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"春节","date":"2027-02-20","isOffDay":false}]}`))
	f.Add([]byte(`{"year":2027,"days":[{"name":"春节","date":"2027-13-01","isOffDay":true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		y, err := calendar.ParseYear(bytes.NewReader(data))
		if err != nil {
			var pe *calendar.ParseError
			require.ErrorAs(t, err, &pe)
			require.NotEmpty(t, pe.Field, "%v", err)
			require.NotEmpty(t, pe.Message)
			return
		}
		c, err := calendar.New(y)
		require.NoError(t, err)
		b, err := json.Marshal(y)
		require.NoError(t, err)
		back, err := calendar.ParseYear(bytes.NewReader(b))
		require.NoError(t, err, "%s", b)
		c2, err := calendar.New(back)
		require.NoError(t, err)
		require.Equal(t, c.Fingerprint(), c2.Fingerprint())
		require.Equal(t, y.Year, back.Year)
		require.Len(t, back.Papers, len(y.Papers))
	})
}

// FuzzWorkdays asks working-day questions with any date and count, as the calendar query
// (?date=…&add=N) does: the checked form answers at once, refusing what is out of bounds,
// and what it answers is consistent with WorkdaysBetween.
func FuzzWorkdays(f *testing.F) {
	f.Add(2026, 2, 13, 1)
	f.Add(2026, 10, 3, 0)
	f.Add(2026, 2, 24, -1)
	f.Add(2026, 2, 13, 9000000000000000000)
	f.Add(2099, 12, 1, 3000)
	c := calendar.Default()
	f.Fuzz(func(t *testing.T, y, m, d, n int) {
		day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, calendar.Shanghai)
		_ = c.AddWorkdays(day, n) // the unchecked form never hangs either
		out, err := c.AddWorkdaysChecked(day, n)
		if err != nil {
			var re *calendar.RangeError
			require.ErrorAs(t, err, &re)
			require.NotEmpty(t, re.Field)
			return
		}
		require.LessOrEqual(t, n, calendar.MaxSpan)
		require.GreaterOrEqual(t, n, -calendar.MaxSpan)
		ok, _ := c.IsWorkday(out)
		require.True(t, ok, "%s %+d answered %s, not a working day", day, n, out)
		between, err := c.WorkdaysBetweenChecked(day, out)
		require.NoError(t, err)
		switch isWork, _ := c.IsWorkday(day); {
		case n > 0:
			require.Equal(t, n, between)
		case n == 0:
			require.Equal(t, 0, between-boolInt(!isWork))
		default: // working days in [out, day) are |n|; between counts (out, day]
			require.Equal(t, -n-1+boolInt(isWork), -between)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
