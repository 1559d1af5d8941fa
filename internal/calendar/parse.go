package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"rectify/internal/limits"
)

// ParseError is a problem in a year's table. Field is the JSON path ("year",
// "days[2].date"), or "file" for the file as a whole; Message is the whole sentence for
// staff, naming the field in Chinese, e.g. "第3项 date：“2027-13-01”不是日期".
type ParseError struct {
	Field   string
	Message string
}

func (e *ParseError) Error() string { return e.Message }

func fieldErr(field, label, format string, args ...any) *ParseError {
	return &ParseError{Field: field, Message: label + "：" + fmt.Sprintf(format, args...)}
}

func dayErr(i int, key, format string, args ...any) *ParseError {
	return fieldErr(fmt.Sprintf("days[%d].%s", i, key), fmt.Sprintf("第%d项 %s", i+1, key), format, args...)
}

// rawYear mirrors a holiday-cn file with pointers, to tell a missing field from a zero one.
type rawYear struct {
	Schema *string   `json:"$schema"`
	ID     *string   `json:"$id"`
	Year   *int      `json:"year"`
	Papers []string  `json:"papers"`
	Days   *[]rawDay `json:"days"`
}

type rawDay struct {
	Name     *string `json:"name"`
	Date     *string `json:"date"`
	IsOffDay *bool   `json:"isOffDay"`
}

// ParseYear reads one year's table in holiday-cn's JSON shape and validates it strictly:
// no unknown fields; year present and plausible; papers, if any, non-empty; days present
// and non-empty; each day with a name, a "2006-01-02" date inside the declared year, not
// repeated, and isOffDay; a worked day (isOffDay false) must be a Saturday or Sunday. An
// off day on a weekend is fine. Errors are *ParseError.
func ParseYear(r io.Reader) (Year, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Year{}, &ParseError{Field: "file", Message: "无法读取节假日文件：" + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw rawYear
	if err := dec.Decode(&raw); err != nil {
		return Year{}, jsonErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Year{}, &ParseError{Field: "file", Message: "节假日文件格式错误：JSON 对象之后还有多余内容"}
	}
	if raw.Year == nil {
		return Year{}, fieldErr("year", "year", "缺少年份")
	}
	if raw.Days == nil {
		return Year{}, fieldErr("days", "days", "缺少日期列表")
	}
	y := Year{Year: *raw.Year, Papers: raw.Papers, Days: make([]Day, len(*raw.Days))}
	for i, d := range *raw.Days {
		if d.Name == nil {
			return Year{}, dayErr(i, "name", "缺少节日名称")
		}
		if d.Date == nil {
			return Year{}, dayErr(i, "date", "缺少日期")
		}
		if d.IsOffDay == nil {
			return Year{}, dayErr(i, "isOffDay", "缺少是否放假（true 为放假，false 为调休上班）")
		}
		y.Days[i] = Day{Name: *d.Name, Date: *d.Date, IsOffDay: *d.IsOffDay}
	}
	if err := validateYear(y); err != nil {
		return Year{}, err
	}
	return y, nil
}

func jsonErr(err error) *ParseError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ParseError{Field: "file", Message: fmt.Sprintf("节假日文件不是有效的 JSON（第%d字节附近）", syn.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &ParseError{Field: "file", Message: "节假日文件应是一个 JSON 对象"}
		}
		return &ParseError{Field: field, Message: fmt.Sprintf("%s：类型错误，不能是%s", field, jsonKind(typ.Value))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ParseError{Field: "file", Message: "节假日文件为空或不完整"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		field := name
		if field == "" { // a key "" still needs a field to name
			field = "file"
		}
		return &ParseError{Field: field, Message: fmt.Sprintf("%s：未知字段“%s”", field, name)}
	}
	return &ParseError{Field: "file", Message: "节假日文件格式错误：" + err.Error()}
}

// jsonKinds name the kinds of JSON value as people read them; numbers come as "number"
// followed by a Go type.
var jsonKinds = map[string]string{"string": "字符串", "bool": "true/false", "array": "数组", "object": "对象"}

func jsonKind(v string) string {
	if k, ok := jsonKinds[v]; ok {
		return k
	}
	if strings.HasPrefix(v, "number") {
		return "数字"
	}
	return v
}

// validateYear checks a table's content (see ParseYear).
func validateYear(y Year) *ParseError {
	if y.Year < MinYear || y.Year > MaxYear {
		return fieldErr("year", "year", "%d不是有效年份（应在%d年至%d年之间）", y.Year, MinYear, MaxYear)
	}
	if len(y.Papers) > limits.MaxListItems {
		return fieldErr("papers", "papers", "文件链接不能超过%d项", limits.MaxListItems)
	}
	for i, p := range y.Papers {
		f, label := fmt.Sprintf("papers[%d]", i), fmt.Sprintf("papers 第%d项", i+1)
		if strings.TrimSpace(p) == "" {
			return fieldErr(f, label, "文件链接为空")
		}
		if n := utf8.RuneCountInString(p); n > limits.MaxNote {
			return fieldErr(f, label, "文件链接不能超过%d字，现为%d字", limits.MaxNote, n)
		}
	}
	if len(y.Days) == 0 {
		return fieldErr("days", "days", "日期列表为空")
	}
	if len(y.Days) > 366 {
		return fieldErr("days", "days", "日期列表不能超过366项，现为%d项", len(y.Days))
	}
	seen := make(map[string]int, len(y.Days))
	for i, d := range y.Days {
		if strings.TrimSpace(d.Name) == "" {
			return dayErr(i, "name", "缺少节日名称")
		}
		if n := utf8.RuneCountInString(d.Name); n > limits.MaxName {
			return dayErr(i, "name", "节日名称不能超过%d字，现为%d字", limits.MaxName, n)
		}
		t, err := time.Parse(dateLayout, d.Date)
		if err != nil || len(d.Date) != len(dateLayout) {
			return dayErr(i, "date", "“%s”不是日期（格式为 2006-01-02）", d.Date)
		}
		if t.Year() != y.Year {
			return dayErr(i, "date", "%s不在%d年内", d.Date, y.Year)
		}
		if j, dup := seen[d.Date]; dup {
			return dayErr(i, "date", "%s与第%d项重复", d.Date, j+1)
		}
		seen[d.Date] = i
		if wd := t.Weekday(); !d.IsOffDay && wd != time.Saturday && wd != time.Sunday {
			return dayErr(i, "isOffDay", "%s是%s，调休上班日（isOffDay 为 false）只能是周六或周日", d.Date, weekdayName[wd])
		}
	}
	return nil
}

var weekdayName = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
