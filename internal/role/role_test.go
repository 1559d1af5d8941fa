package role_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/role"
	"rectify/internal/testenv"
)

func TestParse(t *testing.T) {
	testenv.RequireParses(t, role.Parse, map[string]role.Role{
		"组织部干部": role.OrgStaff, "乡镇干部": role.TownshipOfficial, "支部书记": role.BranchSecretary,
		"领导": role.Leader, "leader": role.Leader, " Org_Staff ": role.OrgStaff, "书记": role.BranchSecretary,
	}, "管理员")
	require.Len(t, role.All(), 4)
}

func TestValuesAndLabels(t *testing.T) {
	// The values are what the database CHECK and recorded histories hold.
	require.Equal(t, []role.Role{"org_staff", "township_official", "branch_secretary", "leader"}, role.All())
	require.Equal(t, "组织部干部", role.OrgStaff.Label())
	require.Equal(t, "领导", role.Leader.Label())
	require.Equal(t, "admin", role.Role("admin").Label())
	require.True(t, role.BranchSecretary.Valid())
	require.False(t, role.Role("admin").Valid())
}

func TestRules(t *testing.T) {
	cases := []struct {
		roles                         []role.Role
		mayIssue, seesBelow, readOnly bool
	}{
		{[]role.Role{role.OrgStaff}, true, true, false},
		{[]role.Role{role.TownshipOfficial}, true, true, false},
		{[]role.Role{role.Leader}, false, true, true},
		{[]role.Role{role.BranchSecretary}, false, false, false},
		{[]role.Role{role.BranchSecretary, role.Leader}, false, true, false},
		{nil, false, false, true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.mayIssue, role.MayIssue(tc.roles), "%v MayIssue", tc.roles)
		require.Equal(t, tc.seesBelow, role.SeesBelow(tc.roles), "%v SeesBelow", tc.roles)
		require.Equal(t, tc.readOnly, role.ReadsOnly(tc.roles), "%v ReadsOnly", tc.roles)
	}
}
