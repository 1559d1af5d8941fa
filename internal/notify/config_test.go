package notify_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
	"rectify/internal/testenv"
)

var notifyVars = []string{"SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_TLS",
	"SMS_PROVIDER", "SMS_ENDPOINT", "SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_REGION", "SMS_APP_ID", "SMS_SIGN_NAME",
	"SMS_TEMPLATE_ID", "DINGTALK_WEBHOOK", "DINGTALK_SECRET", "WECOM_WEBHOOK", "NOTIFY_CHANNELS"}

func channels(ss []notify.Sender) []notify.Channel {
	var out []notify.Channel
	for _, s := range ss {
		out = append(out, s.Channel())
	}
	return out
}

func TestConfigFromEnvDefaultsAndOrder(t *testing.T) {
	testenv.ClearEnv(t, notifyVars...)
	c, err := notify.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, []notify.Channel{notify.Email, notify.SMS, notify.DingTalk, notify.WeCom}, c.Channels)
	require.Equal(t, "127.0.0.1", c.SMTP.Host)
	require.Equal(t, 1025, c.SMTP.Port)
	require.Equal(t, "rectify@localhost", c.SMTP.From)
	require.Equal(t, "整改督办", c.SMTP.FromName)
	require.Equal(t, notify.TLSNone, c.SMTP.TLS)
	require.Equal(t, "none", c.SMS.Provider)
	ss, err := notify.NewSenders(c)
	require.NoError(t, err)
	require.Equal(t, []notify.Channel{notify.Email}, channels(ss), "only email is configured by default")

	testenv.Setenv(t, map[string]string{
		"NOTIFY_CHANNELS": "wecom, sms,email,dingtalk",
		"WECOM_WEBHOOK":   "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
		"SMS_PROVIDER":    "aliyun",
		"SMS_SECRET_ID":   "id",
		"SMS_SECRET_KEY":  "key",
		"SMS_SIGN_NAME":   "某县委组织部",
		"SMS_TEMPLATE_ID": "SMS_1",
		"SMTP_FROM":       "县委组织部 <zzb@example.gov.cn>",
		"SMTP_TLS":        "starttls",
		"SMTP_PORT":       "587",
	})
	c, err = notify.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, "cn-hangzhou", c.SMS.Region)
	require.Equal(t, "zzb@example.gov.cn", c.SMTP.From)
	require.Equal(t, "县委组织部", c.SMTP.FromName)
	require.Equal(t, 587, c.SMTP.Port)
	ss, err = notify.NewSenders(c)
	require.NoError(t, err)
	// DingTalk has no webhook, so it is left out; the rest keep NOTIFY_CHANNELS order.
	require.Equal(t, []notify.Channel{notify.WeCom, notify.SMS, notify.Email}, channels(ss))
	require.IsType(t, &notify.AliyunSMSSender{}, ss[1])

	testenv.Setenv(t, map[string]string{"SMS_PROVIDER": "tencent", "SMS_APP_ID": "1400000001"})
	c, err = notify.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, "ap-guangzhou", c.SMS.Region)
	ss, err = notify.NewSenders(c)
	require.NoError(t, err)
	require.IsType(t, &notify.TencentSMSSender{}, ss[1])
}

func TestConfigFromEnvNamesTheBadVariable(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"NOTIFY_CHANNELS", "email,fax"},
		{"NOTIFY_CHANNELS", "email,email"},
		{"NOTIFY_CHANNELS", " , "},
		{"SMTP_PORT", "smtp"},
		{"SMTP_TLS", "ssl3"},
		{"SMTP_FROM", "not an address"},
		{"SMS_PROVIDER", "twilio"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			testenv.ClearEnv(t, notifyVars...)
			t.Setenv(tc.name, tc.value)
			_, err := notify.ConfigFromEnv()
			require.ErrorContains(t, err, tc.name)
		})
	}
	testenv.ClearEnv(t, notifyVars...)
	testenv.Setenv(t, map[string]string{"SMS_PROVIDER": "tencent", "SMS_SECRET_ID": "id"})
	_, err := notify.ConfigFromEnv()
	require.ErrorContains(t, err, "SMS_SECRET_KEY")
	require.ErrorContains(t, err, "SMS_APP_ID")
}
