package notify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
)

func wantMessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:])[:32] + "@rectify>"
}

func TestEmailArrivesWithChineseSubjectAndDeterministicMessageID(t *testing.T) {
	ms := newMailServer(t, "rectify", "s3cret")
	s, err := notify.NewEmailSender(ms.config())
	require.NoError(t, err)
	require.Equal(t, notify.Email, s.Channel())

	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "张三", Email: "zhangsan@example.org"}
	m := notify.Message{Subject: "【催办】您有2项整改事项已超期", Body: "张三同志：\n以下2项整改事项已超过完成时限。\n"}
	key := "order-1-unit-2/overdue_urge/1"
	id, err := s.Send(ctx, to, m, key)
	require.NoError(t, err)
	require.Equal(t, wantMessageID(key), id)

	require.Equal(t, 1, ms.count())
	got := ms.messages()[0]
	require.Equal(t, []string{"zhangsan@example.org"}, got.To)
	require.Equal(t, "rectify@example.org", got.From)
	require.Equal(t, "rectify", got.User, "the sender authenticated")
	// The raw header is RFC 2047 encoded, not raw 8-bit.
	require.Contains(t, string(got.Data), "Subject: =?UTF-8?")
	p := parseMail(t, got.Data)
	require.Equal(t, m.Subject, p.Subject)
	require.Equal(t, "张三", p.To.Name)
	require.Equal(t, "zhangsan@example.org", p.To.Address)
	require.Equal(t, "整改督办", p.From.Name)
	require.Equal(t, wantMessageID(key), p.MessageID)
	require.Equal(t, m.Body, strings.ReplaceAll(p.Body, "\r\n", "\n"))

	// The same key gives the same Message-ID; another key another.
	id2, err := s.Send(ctx, to, m, key)
	require.NoError(t, err)
	require.Equal(t, id, id2)
	id3, err := s.Send(ctx, to, m, key+"x")
	require.NoError(t, err)
	require.NotEqual(t, id, id3)
	require.Equal(t, 3, ms.count())
	require.Equal(t, wantMessageID(key), parseMail(t, ms.messages()[1].Data).MessageID)
	require.Equal(t, wantMessageID(key+"x"), parseMail(t, ms.messages()[2].Data).MessageID)
}

func TestEmailNeedsAnAddressAndReportsServerErrors(t *testing.T) {
	ms := newMailServer(t, "rectify", "s3cret")
	ctx := context.Background()
	m := notify.Message{Subject: "【整改提醒】测试", Body: "正文"}

	s, err := notify.NewEmailSender(ms.config())
	require.NoError(t, err)
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Name: "李四", Mobile: "13800000000"}, m, "k")
	require.ErrorIs(t, err, notify.ErrNoContact)

	cfg := ms.config()
	cfg.Password = "wrong"
	bad, err := notify.NewEmailSender(cfg)
	require.NoError(t, err)
	_, err = bad.Send(ctx, notify.Recipient{PersonID: 1, Email: "lisi@example.org"}, m, "k")
	require.Error(t, err)
	require.False(t, errors.Is(err, notify.ErrNoContact))

	ms.failNextData(1)
	_, err = s.Send(ctx, notify.Recipient{PersonID: 1, Email: "lisi@example.org"}, m, "k")
	require.ErrorContains(t, err, "451")
	require.Equal(t, 0, ms.count())

	// STARTTLS is required but this server offers none: nothing is sent in the clear.
	cfg = ms.config()
	cfg.TLS = notify.TLSStartTLS
	tlsOnly, err := notify.NewEmailSender(cfg)
	require.NoError(t, err)
	_, err = tlsOnly.Send(ctx, notify.Recipient{PersonID: 1, Email: "lisi@example.org"}, m, "k")
	require.ErrorContains(t, err, "STARTTLS")
	require.Equal(t, 0, ms.count())
}
