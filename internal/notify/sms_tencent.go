package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// SMSConfig is the SMS provider's account and template.
type SMSConfig struct {
	Provider   string // SMS_PROVIDER: tencent, aliyun or none
	Endpoint   string // SMS_ENDPOINT: host or URL; empty means the provider's public endpoint
	SecretID   string // SMS_SECRET_ID (Alibaba: AccessKey ID)
	SecretKey  string // SMS_SECRET_KEY (Alibaba: AccessKey secret)
	Region     string // SMS_REGION: ap-guangzhou (Tencent), cn-hangzhou (Alibaba)
	AppID      string // SMS_APP_ID: Tencent SmsSdkAppId
	SignName   string // SMS_SIGN_NAME: the approved signature (签名)
	TemplateID string // SMS_TEMPLATE_ID: the approved template with one variable
}

// The SMS providers of SMS_PROVIDER.
const (
	SMSNone    = "none"
	SMSTencent = "tencent"
	SMSAliyun  = "aliyun"
)

// splitEndpoint turns "http://host:port/path" or "host" into scheme and host[/path].
func splitEndpoint(ep, defScheme string) (scheme, hostPath string) {
	ep = strings.TrimSpace(ep)
	if i := strings.Index(ep, "://"); i >= 0 {
		return strings.ToLower(ep[:i]), ep[i+3:]
	}
	return defScheme, ep
}

// TencentSMSSender sends SMS through Tencent Cloud SendSms (API 2021-01-11), signed with
// TC3-HMAC-SHA256 by the SDK's common client.
type TencentSMSSender struct {
	cfg    SMSConfig
	client *common.Client
}

// NewTencentSMSSender makes a Tencent Cloud SMS sender.
func NewTencentSMSSender(cfg SMSConfig) (*TencentSMSSender, error) {
	if cfg.SecretID == "" || cfg.SecretKey == "" || cfg.AppID == "" || cfg.SignName == "" || cfg.TemplateID == "" {
		return nil, fmt.Errorf("notify.NewTencentSMSSender: secret id, secret key, app id, sign name and template id are required")
	}
	if cfg.Region == "" {
		cfg.Region = "ap-guangzhou"
	}
	cp := profile.NewClientProfile()
	cp.SignMethod = "TC3-HMAC-SHA256"
	cp.HttpProfile.ReqMethod = "POST"
	cp.HttpProfile.ReqTimeout = int(defaultHTTPTimeout.Seconds())
	scheme, host := splitEndpoint(cfg.Endpoint, "https")
	if host == "" {
		host = "sms.tencentcloudapi.com"
	}
	cp.HttpProfile.Scheme = strings.ToUpper(scheme)
	cp.HttpProfile.Endpoint = host
	client := common.NewCommonClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), cfg.Region, cp)
	return &TencentSMSSender{cfg: cfg, client: client}, nil
}

// Channel is SMS.
func (s *TencentSMSSender) Channel() Channel { return SMS }

type tencentSendSmsResponse struct {
	Response struct {
		SendStatusSet []struct {
			SerialNo    string
			PhoneNumber string
			Code        string
			Message     string
		}
		RequestId string
	}
}

// Send sends one SMS; the provider id is the SerialNo.
func (s *TencentSMSSender) Send(ctx context.Context, to Recipient, m Message, key string) (string, error) {
	if mobileDigits(to.Mobile) == "" {
		return "", ErrNoContact
	}
	req := tchttp.NewCommonRequest("sms", "2021-01-11", "SendSms")
	req.SetContext(ctx)
	if err := req.SetActionParameters(map[string]any{
		"PhoneNumberSet":   []string{e164CN(to.Mobile)},
		"SmsSdkAppId":      s.cfg.AppID,
		"SignName":         s.cfg.SignName,
		"TemplateId":       s.cfg.TemplateID,
		"TemplateParamSet": []string{smsText(m)},
		"SessionContext":   key,
	}); err != nil {
		return "", fmt.Errorf("notify: tencent sms: %w", err)
	}
	resp := tchttp.NewCommonResponse()
	if err := s.client.Send(req, resp); err != nil {
		// The provider's own errors refuse the message; the SDK's ClientError.* are ours or the network's.
		var sdk *tcerrors.TencentCloudSDKError
		if errors.As(err, &sdk) && !strings.HasPrefix(sdk.Code, "ClientError.") {
			err = refused(0, err)
		}
		return "", fmt.Errorf("notify: tencent sms: %w", err)
	}
	var r tencentSendSmsResponse
	if err := json.Unmarshal(resp.GetBody(), &r); err != nil {
		return "", &badAnswer{fmt.Errorf("notify: tencent sms: response: %w", err)}
	}
	if len(r.Response.SendStatusSet) != 1 {
		return "", &badAnswer{fmt.Errorf("notify: tencent sms: %d send statuses for one number (request %s)", len(r.Response.SendStatusSet), r.Response.RequestId)}
	}
	st := r.Response.SendStatusSet[0]
	if st.Code != "Ok" {
		return "", refused(0, fmt.Errorf("notify: tencent sms: %s: %s (request %s)", st.Code, st.Message, r.Response.RequestId))
	}
	return st.SerialNo, nil
}
