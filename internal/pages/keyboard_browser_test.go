package pages_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/workflows/item/itemmsg"
)

// focusState says what has the keyboard focus: its selector-ish name, whether it lies inside
// the screen, and whether it shows that it has the focus (an outline or a shadow).
const focusState = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return ['body', 'true', 'true'];
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  const inside = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  return [el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' “' + (el.textContent || el.name || '').trim().slice(0, 16) + '” at ' +
    [r.left, r.top, r.right, r.bottom].map(Math.round).join(',') + ' of ' + innerWidth + '×' + innerHeight,
    String(inside), String(ring)];
})()`

// tabTo presses Tab until the element sel finds has the focus, checking on the way that each
// element reached is on the screen and shows its focus.
func (p *person) tabTo(sel string) {
	p.t.Helper()
	for range 40 {
		require.NoError(p.t, chromedp.Do(p.ctx, chromedp.KeyEvent(kb.Tab)))
		st := p.eval(focusState)
		require.Equal(p.t, "true", st[1], "%s is on the screen when it has the focus", st[0])
		require.Equal(p.t, "true", st[2], "%s shows that it has the focus", st[0])
		at, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+"`"+sel+"`"+`)`))
		require.NoError(p.t, err)
		if at {
			return
		}
	}
	p.t.Fatalf("%s is not reached by Tab", sel)
}

// A township official signs in and acknowledges an item with the keyboard alone: Tab, typing
// and Enter, no taps. Every button and link passed on the way shows where the focus is.
func TestKeyboardOnly(t *testing.T) {
	e, b := workingOnPhones(t)
	ids := township(t, e)
	yellow := ids["补齐近三年支部会议记录"]
	require.NotEmpty(t, yellow)

	tw := b.person("t1o")
	require.Equal(t, 200, tw.open("/"))
	// On the red header the focus ring is white, where the blue one of the page would vanish.
	tw.tabTo("header a.brand")
	require.Equal(t, []string{"rgb(255, 255, 255)"}, tw.eval(`[getComputedStyle(document.activeElement).outlineColor]`))
	tw.tabTo("#login")
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.KeyEvent("t1o")))
	tw.tabTo("#password")
	require.NoError(t, chromedp.Do(tw.ctx, chromedp.KeyEvent(apptest.Password)))
	resp, err := chromedp.RunResponse(tw.ctx, chromedp.KeyEvent(kb.Enter))
	require.NoError(t, err, "Enter signs in")
	require.Equal(t, int64(200), resp.Status)
	require.Equal(t, "/todo", tw.location())

	// 签收 on the yellow card, reached by Tab through the header, the tabs, the filters and
	// the cards before it.
	tw.tabTo("#card-" + yellow + " form button")
	resp, err = chromedp.RunResponse(tw.ctx, chromedp.KeyEvent(kb.Enter))
	require.NoError(t, err, "Enter acknowledges")
	require.Equal(t, int64(200), resp.Status)
	require.Contains(t, tw.text(".flash"), "签收")
	require.Eventually(t, func() bool {
		return itemState(t, e, yellow).Item.State == string(itemmsg.Acknowledged)
	}, 10*time.Second, 100*time.Millisecond, "the item is acknowledged")
}
