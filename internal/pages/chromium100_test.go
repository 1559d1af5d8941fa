package pages

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The pages must work in the in-app browsers of DingTalk and WeCom, which may be as old as
// Chromium 100. This scans our own stylesheet, script and templates (not the vendored files)
// for features that Chromium added after 100, so one cannot slip in unnoticed.
var afterChromium100 = []struct {
	in   string // the kind of file it belongs to: .css, .js, or "" for every file
	what string
	re   *regexp.Regexp
}{
	{".css", "CSS :has() (Chromium 105)", regexp.MustCompile(`:has\(`)},
	{".css", "CSS container queries (105)", regexp.MustCompile(`@container|container-type|container-name|\bcq[whib]\b|cqmin|cqmax`)},
	{".css", "CSS nesting (112)", regexp.MustCompile(`(?m)^\s*&`)},
	{".css", "CSS text-wrap (114)", regexp.MustCompile(`text-wrap`)},
	{".css", "CSS dynamic viewport units (108)", regexp.MustCompile(`\d(dvh|svh|lvh|dvw|svw|lvw|dvi|dvb)\b`)},
	{".css", "CSS color-mix() (111)", regexp.MustCompile(`color-mix\(`)},
	{".css", "CSS subgrid (117)", regexp.MustCompile(`subgrid`)},
	{".css", "CSS :user-invalid (119)", regexp.MustCompile(`:user-(in)?valid`)},
	{".css", "CSS @scope (118)", regexp.MustCompile(`@scope`)},
	{".css", "CSS @starting-style (117)", regexp.MustCompile(`@starting-style`)},
	{".css", "CSS trigonometric and round() (111)", regexp.MustCompile(`\b(round|mod|rem|sin|cos|tan)\(`)},
	{".css", "CSS relative colour syntax (119)", regexp.MustCompile(`\(from `)},
	{".css", "CSS field-sizing (123)", regexp.MustCompile(`field-sizing`)},
	{".js", "JS toSorted/toReversed/toSpliced/with (110)", regexp.MustCompile(`\.(toSorted|toReversed|toSpliced)\(|\]\.with\(`)},
	{".js", "JS Object.groupBy/Map.groupBy (117)", regexp.MustCompile(`\b(Object|Map)\.groupBy\(`)},
	{".js", "JS Promise.withResolvers (119)", regexp.MustCompile(`withResolvers`)},
	{".js", "JS Set methods union/intersection (122)", regexp.MustCompile(`\.(union|intersection|symmetricDifference|isSubsetOf|isSupersetOf)\(`)},
	{".js", "JS Array.fromAsync (121)", regexp.MustCompile(`Array\.fromAsync`)},
	{"", "HTML popover (114)", regexp.MustCompile(`\bpopover(target)?\b`)},
	{"", "HTML inert (102)", regexp.MustCompile(`\binert\b`)},
	{"", "HTML/JS View Transitions (111)", regexp.MustCompile(`startViewTransition|view-transition`)},
	{"", "HTML <search> element (118)", regexp.MustCompile(`<search\b`)},
}

func TestNothingBeyondChromium100(t *testing.T) {
	scanned := 0
	scan := func(fsys fs.FS, root string) {
		require.NoError(t, fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				if d != nil && d.IsDir() && d.Name() == "vendor" {
					return fs.SkipDir // third-party files, each at a version chosen for these browsers
				}
				return err
			}
			switch path.Ext(p) {
			case ".css", ".js", ".html":
			default:
				return nil
			}
			body, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			scanned++
			for i, line := range strings.Split(string(body), "\n") {
				for _, f := range afterChromium100 {
					if (f.in == "" || f.in == path.Ext(p)) && f.re.MatchString(line) {
						t.Errorf("%s:%d uses %s, newer than the in-app browsers of DingTalk and WeCom: %s", p, i+1, f.what, strings.TrimSpace(line))
					}
				}
			}
			return nil
		}))
	}
	scan(staticFS, "static")
	scan(templatesFS, "templates")
	require.Greater(t, scanned, 3, "the stylesheet, the script and the templates were scanned")

	// The scan itself finds what it looks for.
	for _, s := range []string{".card:has(form) {}", "height: 100dvh;", "xs.toSorted()", `<div popover>`, "color: color-mix(in srgb, red, blue);"} {
		hit := false
		for _, f := range afterChromium100 {
			hit = hit || f.re.MatchString(s)
		}
		require.True(t, hit, "the scan catches %q", s)
	}
}
