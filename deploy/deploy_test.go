// Package deploy_test checks the deploy files against the program they deploy: the systemd
// units parse (systemd-analyze verify) and the environment file and the README's
// configuration table name the same variables.
package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The systemd units verify cleanly, with the binary they start replaced by an executable that
// exists here (this test's own), the worker template as an instance.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	require.NoError(t, err, "systemd-analyze (Debian's systemd package) checks the units")
	self, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	units, err := filepath.Glob("systemd/*.service")
	require.NoError(t, err)
	require.Len(t, units, 3)
	var args []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		require.NoError(t, err)
		text := string(b)
		require.Contains(t, text, "EnvironmentFile=/etc/rectify/rectify.env", u)
		require.Regexp(t, `(?m)^ExecStart=/usr/local/bin/rectify (serve|worker|migrate)$`, text, u)
		name := filepath.Base(u)
		if strings.HasSuffix(name, "@.service") {
			name = strings.Replace(name, "@.service", "@1.service", 1)
		}
		out := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(out, []byte(strings.ReplaceAll(text, "/usr/local/bin/rectify", self)), 0o644))
		args = append(args, out)
	}
	out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, args...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify found problems")
}

var variable = regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")

// readmeVariables are the variables of README.md's configuration table, apart from those of
// `rectify dev` and `rectify bootstrap` only.
func readmeVariables(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../README.md")
	require.NoError(t, err)
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "## Configuration":
			in = true
		case in && strings.HasPrefix(line, "#"):
			in = false
		case in && strings.HasPrefix(line, "| `") && !strings.Contains(line, " only)"):
			for _, m := range variable.FindAllStringSubmatch(line, -1) {
				if !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// The environment file names every variable the README documents for production, and no
// other, so that a county IT department sees every setting in one place.
func TestEnvironmentFileNamesEveryDocumentedVariable(t *testing.T) {
	b, err := os.ReadFile("rectify.env.example")
	require.NoError(t, err)
	var inFile []string
	for _, m := range regexp.MustCompile(`(?m)^#? ?([A-Z][A-Z0-9_]+)=`).FindAllStringSubmatch(string(b), -1) {
		inFile = append(inFile, m[1])
	}
	documented := readmeVariables(t)
	require.NotEmpty(t, documented)
	for _, v := range documented {
		require.Contains(t, inFile, v, "README documents %s; deploy/rectify.env.example should show it", v)
	}
	for _, v := range inFile {
		require.Contains(t, documented, v, "deploy/rectify.env.example sets %s, which README does not document", v)
	}
}
