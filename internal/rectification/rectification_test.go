package rectification_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
	"rectify/internal/apptest"
	"rectify/internal/auth"
	"rectify/internal/holidays"
	"rectify/internal/imports"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/rectification"
	"rectify/internal/testenv"
)

// newService is the service on a fresh database holding apptest's organization tree, with
// the stores these tests need (no Temporal), and a way to act as a fixture person.
func newService(t *testing.T) (*rectification.Service, func(login string) auth.Actor) {
	t.Helper()
	ctx := context.Background()
	pool, _ := testenv.Pool(t)
	people := org.NewStore(pool)
	_, err := people.Load(ctx, apptest.Fixture())
	require.NoError(t, err)
	signIn := auth.NewService(pool, auth.Options{})
	t.Cleanup(signIn.Close)
	hs, err := holidays.NewStore(pool, "")
	require.NoError(t, err)
	orders := order.NewStore(pool, nil)
	svc := &rectification.Service{Orders: orders, Items: items.NewStore(pool), Holidays: hs, Org: people,
		Imports: imports.NewService(pool, orders, imports.Options{})}
	return svc, func(login string) auth.Actor {
		p, err := people.PersonByLogin(ctx, login)
		require.NoError(t, err)
		a, err := signIn.ActorByPersonID(ctx, p.ID)
		require.NoError(t, err)
		return a
	}
}

func requireKind(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, kind, e.Kind, "%v", err)
	require.Equal(t, field, e.Field, "%v", err)
}

// A problem list is read only for someone who may issue; an issuer's becomes a draft order
// of their unit that they see.
func TestImportReadsTheListOnlyForAnIssuer(t *testing.T) {
	ctx := context.Background()
	svc, as := newService(t)
	csv := "序号,问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限\n" +
		"1,问题一,措施一,标准一,城关镇,书记,组织委员,2027-01-31\n" +
		"2,问题二,措施二,标准二,城关镇,书记,组织委员,2027-03-31\n"
	read := func() (imports.List, error) {
		return imports.List{Filename: "list.csv", Title: "自查问题整改", Source: "自查", Data: []byte(csv)}, nil
	}

	_, err := svc.ImportOrder(ctx, as("v11"), rectification.ImportInput{Read: func() (imports.List, error) {
		t.Fatal("a branch secretary's list was read")
		return imports.List{}, nil
	}})
	requireKind(t, err, apperr.Forbidden, "actor")

	cs := as("cs")
	res, err := svc.ImportOrder(ctx, cs, rectification.ImportInput{Read: read})
	require.NoError(t, err)
	require.Equal(t, rectification.Imported{ID: res.ID, Status: "draft", Measures: 2, Problems: 2}, res)
	o, err := svc.GetOrder(ctx, cs, res.ID)
	require.NoError(t, err)
	require.Equal(t, "自查问题整改", o.Title)
	_, err = svc.GetOrder(ctx, as("t2s"), res.ID) // not a target
	requireKind(t, err, apperr.NotFound, "order_id")
}

// Item queries refuse a light, a state or a view nobody could mean, naming it.
func TestItemQueriesNameWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	svc, as := newService(t)
	a := as("t1o")
	_, err := svc.ListItems(ctx, a, items.Filter{Light: "blue"})
	requireKind(t, err, apperr.Invalid, "light")
	_, err = svc.ListItems(ctx, a, items.Filter{State: "lost"})
	requireKind(t, err, apperr.Invalid, "state")
	_, err = svc.MyItems(ctx, a, rectification.MyItemsInput{View: "everything"})
	requireKind(t, err, apperr.Invalid, "view")
	list, err := svc.MyItems(ctx, a, rectification.MyItemsInput{})
	require.NoError(t, err)
	require.Empty(t, list.Items)
	_, err = svc.Ledger(ctx, a, rectification.LedgerInput{Filter: items.Filter{Light: "blue"}})
	requireKind(t, err, apperr.Invalid, "light")
}

// The calendar answers a working-day question from the embedded tables and refuses a span
// it does not count.
func TestCalendarAnswersAWorkingDayQuestion(t *testing.T) {
	ctx := context.Background()
	svc, as := newService(t)
	a := as("cs")
	v, err := svc.Calendar(ctx, a, rectification.CalendarInput{Date: "2026-10-01", Add: 1})
	require.NoError(t, err)
	require.Contains(t, v.Years, 2026)
	require.False(t, *v.Workday)
	require.NotEmpty(t, *v.Name)
	require.Equal(t, "2026-10-08", v.PlusWorkdays) // the first working day after the National Day holiday
	_, err = svc.Calendar(ctx, a, rectification.CalendarInput{Date: "2026-10-01", Add: 1 << 40})
	requireKind(t, err, apperr.Invalid, "add")
	_, err = svc.Calendar(ctx, a, rectification.CalendarInput{Date: "10/01/2026"})
	requireKind(t, err, apperr.Invalid, "date")
}
