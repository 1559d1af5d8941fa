package light_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/light"
)

func TestValuesTravelAsStrings(t *testing.T) {
	// The values are what the database CHECK and recorded histories hold.
	b, err := json.Marshal([]light.Light{light.Green, light.Yellow, light.Red, light.None})
	require.NoError(t, err)
	require.JSONEq(t, `["green","yellow","red","none"]`, string(b))
}

func TestLabels(t *testing.T) {
	require.Equal(t, "红灯", light.Red.Label())
	require.Equal(t, "黄", light.Yellow.Short())
	require.Equal(t, "Green", light.Green.English())
	require.Equal(t, "无", light.None.Label())
	require.Equal(t, "blue", light.Light("blue").Label())
	require.True(t, light.Red.Lit())
	require.False(t, light.None.Lit())
	require.True(t, light.None.Valid())
	require.False(t, light.Light("").Valid())
}

func TestRankSortsRedFirst(t *testing.T) {
	ls := []light.Light{light.Green, light.None, "blue", light.Red, light.Yellow}
	slices.SortFunc(ls, func(a, b light.Light) int { return a.Rank() - b.Rank() })
	require.Equal(t, []light.Light{light.Red, light.Yellow, light.Green, light.None, "blue"}, ls)
}
