package calendar

// Hours are the times of day (hh:mm, Shanghai) a supervision policy keeps: a deadline
// ends at DueTime, and messages go out between SendStart and SendEnd. The item and case
// policies embed them, so their JSON names and their check are the same in both.
type Hours struct {
	DueTime   string `json:"due_time"`
	SendStart string `json:"send_start"`
	SendEnd   string `json:"send_end"`
}

// Check calls add with the JSON name of each time that is not hh:mm and what to write
// instead, in no particular order.
func (h Hours) Check(add func(field, message string)) {
	for f, v := range map[string]string{"due_time": h.DueTime, "send_start": h.SendStart, "send_end": h.SendEnd} {
		if _, _, err := ParseClock(v); err != nil {
			add(f, "时间“"+v+"”应写作08:30的形式")
		}
	}
}
