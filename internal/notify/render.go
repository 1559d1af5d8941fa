package notify

import (
	"fmt"
	"strings"
	"text/template"
)

// The rungs of the reminder and escalation ladder that Render knows.
const (
	RungReminderBefore   = "reminder_before"    // 到期前提醒
	RungNotAcknowledged  = "not_acknowledged"   // 未签收提醒
	RungProgressMissing  = "progress_missing"   // 未报进展提醒
	RungOverdueUrge      = "overdue_urge"       // 催办
	RungEscalateUnitHead = "escalate_unit_head" // 督办：本单位主要负责人
	RungEscalateIssuer   = "escalate_issuer"    // 督办：交办单位
	RungListed           = "listed"             // 挂牌督办
	RungLookBack         = "look_back"          // 回头看提醒
	RungDigest           = "digest"             // a day's reminders about items in different states
)

// Notice is what one message says: one rung, one person, one or more items. Consolidation
// (several items in one message) happens upstream.
type Notice struct {
	Rung          string
	RecipientName string
	Items         []NoticeItem
}

// NoticeItem is one item in a notice.
type NoticeItem struct {
	Title              string
	Unit               string
	Measure            string
	Due                string // YYYY-MM-DD; empty for items without a deadline
	WorkingDaysLeft    int
	WorkingDaysOverdue int
	Link               string
}

type rungText struct {
	subject string // template over Notice
	intro   string // template over Notice: the line before the items
	closing string
}

var rungTexts = map[string]rungText{
	RungReminderBefore: {
		subject: `【整改提醒】您有{{len .Items}}项整改事项即将到期`,
		intro:   `以下{{len .Items}}项整改事项即将到期，请抓紧推进，按时完成整改并上传佐证材料：`,
		closing: `请登录整改督办系统查看并办理。`,
	},
	RungNotAcknowledged: {
		subject: `【签收提醒】您有{{len .Items}}项整改事项尚未签收`,
		intro:   `以下{{len .Items}}项整改事项已交办，尚未签收，请及时签收并制定整改计划：`,
		closing: `请登录整改督办系统签收。`,
	},
	RungProgressMissing: {
		subject: `【进展提醒】您有{{len .Items}}项整改事项未按时报送进展`,
		intro:   `以下{{len .Items}}项整改事项未按时报送整改进展，请及时报送：`,
		closing: `请登录整改督办系统报送进展。`,
	},
	RungOverdueUrge: {
		subject: `【催办】您有{{len .Items}}项整改事项已超期`,
		intro:   `以下{{len .Items}}项整改事项已超过完成时限，现予催办，请立即推进整改并报告进展：`,
		closing: `请登录整改督办系统办理，并说明超期原因。`,
	},
	RungEscalateUnitHead: {
		subject: `【督办】本单位有{{len .Items}}项整改事项超期未完成`,
		intro:   `本单位以下{{len .Items}}项整改事项经催办仍未完成，现予督办，请主要负责人督促落实：`,
		closing: `请登录整改督办系统查看，并督促责任人限期完成。`,
	},
	RungEscalateIssuer: {
		subject: `【督办】{{len .Items}}项交办整改事项超期未完成`,
		intro:   `贵单位交办的以下{{len .Items}}项整改事项经催办仍未完成，请予以督办：`,
		closing: `请登录整改督办系统查看并督办。`,
	},
	RungDigest: {
		subject: `【整改提醒】您有{{len .Items}}项整改事项需要办理{{with overdue .Items}}（其中{{.}}项已超期）{{end}}`,
		intro:   `以下{{len .Items}}项整改事项需要您办理，请按各项时限推进：`,
		closing: `请登录整改督办系统办理。`,
	},
	RungLookBack: {
		subject: `【回头看提醒】{{len .Items}}项已销号的整改事项需要回头看`,
		intro:   `以下{{len .Items}}项整改事项销号已满规定时间，请开展回头看，核实整改成效是否巩固、有无反弹：`,
		closing: `请登录整改督办系统记录回头看结果（巩固或反弹）。`,
	},
	RungListed: {
		subject: `【挂牌督办】{{len .Items}}项整改事项已挂牌督办`,
		intro:   `以下{{len .Items}}项整改事项已列入挂牌督办，请高度重视，限期完成整改并报告：`,
		closing: `请登录整改督办系统查看并办理。`,
	},
}

const bodyTemplate = `{{if .N.RecipientName}}{{oneLine .N.RecipientName}}同志：{{else}}您好：{{end}}
{{template "intro" .N}}
{{range $i, $it := .N.Items}}{{inc $i}}. {{if $it.Unit}}【{{oneLine $it.Unit}}】{{end}}{{oneLine $it.Title}}
{{- if $it.Measure}}；整改措施：{{oneLine $it.Measure}}{{end}}
{{- if $it.Due}}；完成时限：{{$it.Due}}{{end}}
{{- with daysText $it}}，{{.}}{{end}}
{{- if $it.Link}}；详情：{{$it.Link}}{{end}}
{{end}}{{.Closing}}
`

var funcs = template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	"overdue": func(items []NoticeItem) int {
		n := 0
		for _, it := range items {
			if it.WorkingDaysOverdue > 0 {
				n++
			}
		}
		return n
	},
	"oneLine":  oneLine,
	"daysText": daysText,
}

type renderer struct {
	subject *template.Template
	body    *template.Template
	closing string
}

var renderers = func() map[string]renderer {
	out := map[string]renderer{}
	for rung, t := range rungTexts {
		body := template.Must(template.New("body").Funcs(funcs).Parse(bodyTemplate))
		template.Must(body.New("intro").Parse(t.intro))
		out[rung] = renderer{
			subject: template.Must(template.New("subject").Funcs(funcs).Parse(t.subject)),
			body:    body,
			closing: t.closing,
		}
	}
	return out
}()

// oneLine keeps a field on its item's line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// daysText is "还剩N个工作日", "已超期N个工作日" or "今日到期"; empty without a deadline.
func daysText(it NoticeItem) string {
	switch {
	case it.WorkingDaysOverdue > 0:
		return fmt.Sprintf("已超期%d个工作日", it.WorkingDaysOverdue)
	case it.WorkingDaysLeft > 0:
		return fmt.Sprintf("还剩%d个工作日", it.WorkingDaysLeft)
	case it.Due != "":
		return "今日到期"
	}
	return ""
}

// Render writes a notice as a message: a subject such as 【催办】您有3项整改事项已超期 and a
// body listing each item on its own line with its deadline.
func Render(n Notice) (Message, error) {
	r, ok := renderers[n.Rung]
	if !ok {
		return Message{}, fmt.Errorf("notify.Render: unknown rung %q", n.Rung)
	}
	if len(n.Items) == 0 {
		return Message{}, fmt.Errorf("notify.Render: notice %q has no items", n.Rung)
	}
	var subj, body strings.Builder
	if err := r.subject.Execute(&subj, n); err != nil {
		return Message{}, fmt.Errorf("notify.Render: subject: %w", err)
	}
	if err := r.body.Execute(&body, struct {
		N       Notice
		Closing string
	}{n, r.closing}); err != nil {
		return Message{}, fmt.Errorf("notify.Render: body: %w", err)
	}
	return Message{Subject: subj.String(), Body: body.String()}, nil
}
