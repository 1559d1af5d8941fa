package notify_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/notify"
	"rectify/internal/testenv"
)

// deliverEnv is a migrated database, a real SMTP server and an Alibaba SMS stand-in.
type deliverEnv struct {
	n    *notify.Notifier
	mail *mailServer
	sms  *aliyunSMS
}

func newDeliverEnv(t *testing.T) deliverEnv {
	t.Helper()
	pool, _ := testenv.Pool(t)
	setupPeople(t, pool, 3)
	ms := newMailServer(t, "", "")
	email, err := notify.NewEmailSender(ms.config())
	require.NoError(t, err)
	svc := &aliyunSMS{keyID: "LTAItest", secret: "s"}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	sms := newAliyunSender(t, srv.URL, "s")
	return deliverEnv{
		n:    &notify.Notifier{Store: notify.NewStore(pool), Senders: []notify.Sender{email, sms}},
		mail: ms,
		sms:  svc,
	}
}

var urge = notify.Message{Subject: "【催办】您有2项整改事项已超期", Body: "1. 事项甲\n2. 事项乙\n"}

func TestDeliverSendsOnceForOneKey(t *testing.T) {
	e := newDeliverEnv(t)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "人员甲", Email: "jia@example.org", Mobile: "13800000001"}
	key := "order-1-unit-2/overdue_urge/1"
	d, err := e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m1-u2", "m2-u2"}, urge)
	require.NoError(t, err)
	require.Equal(t, notify.StatusSent, d.Status)
	require.Equal(t, notify.Email, d.Channel)
	require.Equal(t, key+":email", d.Key)
	require.Equal(t, wantMessageID(key), d.ProviderID)
	require.Equal(t, 1, d.Attempts)
	require.False(t, d.SentAt.IsZero())
	require.Equal(t, 1, e.mail.count())

	// A retry (or a restarted worker) finds the recorded send and sends nothing.
	again, err := e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m1-u2", "m2-u2"}, urge)
	require.NoError(t, err)
	require.Equal(t, d, again)
	require.Equal(t, 1, e.mail.count())
	require.Empty(t, e.sms.queries)

	// Even concurrent calls for a new key send once.
	e.mail.mu.Lock()
	e.mail.delay = 100 * time.Millisecond
	e.mail.mu.Unlock()
	testenv.Concurrently(t, 5, func(int) error {
		_, err := e.n.Deliver(ctx, "order-1-unit-2/listed/1", to, notify.RungListed, []string{"m1-u2"}, urge)
		return err
	})()
	require.Equal(t, 2, e.mail.count())

	ds, err := e.n.Store.Deliveries(ctx, "m2-u2")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, []string{"m1-u2", "m2-u2"}, ds[0].ItemIDs)
	require.Equal(t, notify.RungOverdueUrge, ds[0].Rung)
	require.Equal(t, urge.Subject, ds[0].Subject)
	require.EqualValues(t, 1, ds[0].PersonID)
	ds, err = e.n.Store.Deliveries(ctx, "m1-u2")
	require.NoError(t, err)
	require.Len(t, ds, 2)
	ds, err = e.n.Store.Deliveries(ctx, "m9-u9")
	require.NoError(t, err)
	require.Empty(t, ds)
}

func TestDeliverFallsBackToSMSWhenThereIsNoEmail(t *testing.T) {
	e := newDeliverEnv(t)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 2, Name: "人员乙", Mobile: "13800000002"}
	key := "order-1-unit-3/overdue_urge/2"
	d, err := e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m1-u3"}, urge)
	require.NoError(t, err)
	require.Equal(t, notify.SMS, d.Channel)
	require.Equal(t, notify.StatusSent, d.Status)
	require.Equal(t, notify.Email, d.FallbackFrom)
	require.Equal(t, "900619746936498441^0", d.ProviderID)
	require.Equal(t, 0, e.mail.count())
	require.Len(t, e.sms.queries, 1)
	require.Equal(t, "13800000002", e.sms.queries[0].Get("PhoneNumbers"))

	ds, err := e.n.Store.Deliveries(ctx, "m1-u3")
	require.NoError(t, err)
	require.Len(t, ds, 2)
	byChannel := map[notify.Channel]notify.Delivery{}
	for _, d := range ds {
		byChannel[d.Channel] = d
	}
	require.Equal(t, notify.StatusNoContact, byChannel[notify.Email].Status)
	require.Equal(t, key+":email", byChannel[notify.Email].Key)
	require.Equal(t, 0, byChannel[notify.Email].Attempts)
	require.Equal(t, notify.StatusSent, byChannel[notify.SMS].Status)
	require.Equal(t, notify.Email, byChannel[notify.SMS].FallbackFrom)

	// A retry sends nothing more, on either channel.
	_, err = e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m1-u3"}, urge)
	require.NoError(t, err)
	// Nor does it once the person has an email address: the message went out by SMS.
	to.Email = "yi@example.org"
	again, err := e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m1-u3"}, urge)
	require.NoError(t, err)
	require.Equal(t, notify.SMS, again.Channel)
	require.Equal(t, 0, e.mail.count())
	require.Len(t, e.sms.queries, 1)
}

func TestDeliverRecordsAFailureAndARetrySucceeds(t *testing.T) {
	e := newDeliverEnv(t)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 3, Name: "人员丙", Email: "bing@example.org", Mobile: "13800000003"}
	key := "order-2-unit-2/escalate_unit_head/3"
	e.mail.failNextData(1)
	d, err := e.n.Deliver(ctx, key, to, notify.RungEscalateUnitHead, []string{"m5-u2"}, urge)
	require.Error(t, err)
	require.ErrorContains(t, err, "451")
	require.False(t, errors.Is(err, notify.ErrUnreachable))
	require.Equal(t, notify.StatusFailed, d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Contains(t, d.LastError, "451")
	require.Equal(t, 0, e.mail.count())
	require.Empty(t, e.sms.queries, "a failed send does not fall back: the caller retries")

	ds, err := e.n.Store.Deliveries(ctx, "m5-u2")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, notify.StatusFailed, ds[0].Status)

	d, err = e.n.Deliver(ctx, key, to, notify.RungEscalateUnitHead, []string{"m5-u2"}, urge)
	require.NoError(t, err)
	require.Equal(t, notify.StatusSent, d.Status)
	require.Equal(t, notify.Email, d.Channel)
	require.Equal(t, 2, d.Attempts)
	require.Contains(t, d.LastError, "451", "the earlier failure stays on the record")
	require.Equal(t, 1, e.mail.count())
	require.Equal(t, []string{"bing@example.org"}, e.mail.messages()[0].To)
}

func TestDeliverWithNoReachableChannelSaysSo(t *testing.T) {
	e := newDeliverEnv(t)
	ctx := context.Background()
	to := notify.Recipient{PersonID: 1, Name: "人员甲"}
	key := "order-3-unit-2/overdue_urge/1"
	_, err := e.n.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m7-u2"}, urge)
	require.ErrorIs(t, err, notify.ErrUnreachable)
	require.ErrorContains(t, err, "email, sms")
	ds, err := e.n.Store.Deliveries(ctx, "m7-u2")
	require.NoError(t, err)
	require.Len(t, ds, 2)
	byChannel := map[notify.Channel]notify.Delivery{}
	for _, d := range ds {
		require.Equal(t, notify.StatusNoContact, d.Status)
		byChannel[d.Channel] = d
	}
	require.Equal(t, notify.Channel(""), byChannel[notify.Email].FallbackFrom)
	require.Equal(t, notify.Email, byChannel[notify.SMS].FallbackFrom)
	require.Equal(t, 0, e.mail.count())
	require.Empty(t, e.sms.queries)

	none := &notify.Notifier{Store: e.n.Store}
	_, err = none.Deliver(ctx, key, to, notify.RungOverdueUrge, []string{"m7-u2"}, urge)
	require.ErrorIs(t, err, notify.ErrUnreachable)
}
