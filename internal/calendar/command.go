package calendar

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Usage describes the `rectify workdays` subcommands.
const Usage = `用法：
  rectify workdays add 日期 N      日期之后第N个工作日（N为0：当天或下一个工作日；N为负：之前第|N|个工作日）
  rectify workdays is 日期         是否工作日
  rectify workdays between 日期A 日期B   A之后至B（含B）的工作日数
日期格式为 2006-01-02。`

// Command runs the staff CLI `rectify workdays ...`; args are the words after "workdays":
//
//	add 2026-02-13 1           → 2026-02-14
//	is 2026-09-20              → 2026-09-20 是工作日（国庆节调休上班）
//	is 2026-10-01              → 2026-10-01 不是工作日：国庆节
//	between 2026-02-13 2026-02-24 → 2
//
// Bad input returns an error naming the argument.
func Command(c *Calendar, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("缺少子命令（add、is 或 between）\n%s", Usage)
	}
	want := func(n int, names string) error {
		if len(args)-1 != n {
			return fmt.Errorf("%s 需要%d个参数：%s（收到%d个）\n%s", args[0], n, names, len(args)-1, Usage)
		}
		return nil
	}
	date := func(label, s string) (d dateArg, err error) {
		t, err := ParseDate(s)
		if err == nil {
			err = checkDate("date", t)
		}
		if err != nil {
			return d, fmt.Errorf("参数%s：%w", label, err)
		}
		return dateArg{t.Format(dateLayout), t}, nil
	}
	// first checks the count of arguments and reads the first, a date.
	first := func(n int, names, label string) (dateArg, error) {
		if err := want(n, names); err != nil {
			return dateArg{}, err
		}
		return date(label, args[1])
	}
	switch args[0] {
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(out, Usage)
		return err
	case "add":
		d, err := first(2, "日期 N", "日期")
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(strings.TrimSpace(args[2]))
		if err != nil || n > MaxSpan || n < -MaxSpan {
			return fmt.Errorf("参数N：“%s”不是工作日数（应为-%d到%d之间的整数）", args[2], MaxSpan, MaxSpan)
		}
		sum, err := c.AddWorkdaysChecked(d.t, n)
		if err != nil {
			return fmt.Errorf("参数N：%w", err)
		}
		_, err = fmt.Fprintln(out, sum.Format(dateLayout))
		return err
	case "is":
		d, err := first(1, "日期", "日期")
		if err != nil {
			return err
		}
		var line string
		switch ok, label := c.IsWorkday(d.t); {
		case ok && label == "":
			line = d.s + " 是工作日"
		case ok:
			line = d.s + " 是工作日（" + label + "）"
		default:
			line = d.s + " 不是工作日：" + label
		}
		if !c.Known(d.t.Year()) {
			line += fmt.Sprintf("\n注意：尚未导入%d年节假日安排，按普通周末计算", d.t.Year())
		}
		_, err = fmt.Fprintln(out, line)
		return err
	case "between":
		a, err := first(2, "日期A 日期B", "日期A")
		if err != nil {
			return err
		}
		b, err := date("日期B", args[2])
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, c.WorkdaysBetween(a.t, b.t)) // both dates checked by date()
		return err
	}
	return fmt.Errorf("未知子命令“%s”（应为 add、is 或 between）\n%s", args[0], Usage)
}

type dateArg struct {
	s string
	t time.Time
}
