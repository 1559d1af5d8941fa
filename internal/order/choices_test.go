package order_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/order"
)

// A county's new-order form offers its townships and the village under one of them, each
// with its people, and nothing of its own unit or of another county; a township is offered
// only its village.
func TestTargetUnitsAreTheIssuersSubtreeWithPeople(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	units, err := f.orders.TargetUnits(ctx, f.units["C"].ID)
	require.NoError(t, err)
	var codes, below []string
	for _, u := range units {
		codes, below = append(codes, u.Code), append(below, u.Below)
	}
	require.Equal(t, []string{"T1", "V11", "T2"}, codes, "each after its parent")
	require.Equal(t, []string{"T1", "T1", "T2"}, below, "the village lies in 城关镇")
	require.Equal(t, []order.UnitPerson{{Login: "t1sj", Name: "城关书记", Position: "书记"}, {Login: "t1zz", Name: "城关组织委员", Position: "组织委员"},
		{Login: "t1xc", Name: "城关宣传委员", Position: "宣传委员"}}, units[0].People)
	require.Equal(t, "township", units[0].Kind)

	units, err = f.orders.TargetUnits(ctx, f.units["T1"].ID)
	require.NoError(t, err)
	require.Len(t, units, 1)
	require.Equal(t, "V11", units[0].Code)
	require.Equal(t, "V11", units[0].Below)

	units, err = f.orders.TargetUnits(ctx, f.units["V11"].ID)
	require.NoError(t, err)
	require.Empty(t, units, "nothing lies below a village")
}
