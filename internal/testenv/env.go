package testenv

import "testing"

// Setenv sets the environment variables in vars for the length of the test.
func Setenv(t testing.TB, vars map[string]string) {
	t.Helper()
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// ClearEnv sets the variables named empty for the length of the test, which the
// configuration readers take as unset.
func ClearEnv(t testing.TB, names ...string) {
	t.Helper()
	for _, k := range names {
		t.Setenv(k, "")
	}
}
