package item

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
)

// Readers compute the count of days that opens a light's reason; the rest of the reason, and
// reasons of other kinds, stay as the workflow wrote them.
func TestFreshenCountsTheDaysWhenRead(t *testing.T) {
	cal := calendar.Default()
	due := sh(2026, 3, 6, 17, 30) // a Friday
	require.Equal(t, "距完成时限还有2个工作日；下级3个事项已完成1个",
		Freshen("距完成时限还有9个工作日；下级3个事项已完成1个", due, sh(2026, 3, 4, 10, 0), cal))
	require.Equal(t, "今天到期", Freshen("距完成时限还有3个工作日", due, sh(2026, 3, 6, 9, 0), cal))
	require.Equal(t, "已超期1个工作日", Freshen("已超过完成时限", due, sh(2026, 3, 9, 9, 0), cal), "Monday after a Friday deadline")
	require.Equal(t, "未按期报送进展（检查节点2026-03-01）", Freshen("未按期报送进展（检查节点2026-03-01）", due, sh(2026, 3, 4, 10, 0), cal))
	require.Equal(t, "超过签收时限仍未签收", Freshen("超过签收时限仍未签收", due, sh(2026, 3, 4, 10, 0), cal))
	require.True(t, sameReason("距完成时限还有9个工作日", "距完成时限还有8个工作日"))
	require.False(t, sameReason("距完成时限还有9个工作日", "今天到期"))
}
