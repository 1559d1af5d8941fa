// Package light is the warning light (红黄绿灯) of a rectification item or a weak-branch
// case. A Light is stored as its string and travels as such in JSON and in recorded
// workflow histories; the items and weak_cases tables CHECK the same values.
package light

// Light is a warning light.
type Light string

// Lights.
const (
	Green  Light = "green"
	Yellow Light = "yellow"
	Red    Light = "red"
	None   Light = "none" // closed or cancelled: no light shows
)

// Lit reports whether l is one of the three lights that show (red, yellow or green).
func (l Light) Lit() bool { return l == Red || l == Yellow || l == Green }

// Valid reports whether l is a light or None.
func (l Light) Valid() bool { return l.Lit() || l == None }

// names holds how each light reads: the label users read (红灯), the one-character colour
// for narrow columns (红), the name in an English sheet (Red), and the rank by urgency.
// A light that does not show has no colour or English name.
var names = map[Light]struct {
	label, short, english string
	rank                  int
}{
	Red:    {"红灯", "红", "Red", 0},
	Yellow: {"黄灯", "黄", "Yellow", 1},
	Green:  {"绿灯", "绿", "Green", 2},
	None:   {label: "无", rank: 3},
}

// Label is the light as users read it (红灯), or the light itself when unknown.
func (l Light) Label() string { return orSelf(names[l].label, l) }

// Short is the one-character colour (红) of a light that shows, for narrow columns;
// otherwise the light itself.
func (l Light) Short() string { return orSelf(names[l].short, l) }

// English is the light's name in an English sheet (Red), or the light itself when it does
// not show.
func (l Light) English() string { return orSelf(names[l].english, l) }

// Rank orders lights by urgency for sorting: red, yellow, green, then None and anything
// unknown.
func (l Light) Rank() int {
	if n, ok := names[l]; ok {
		return n.rank
	}
	return len(names)
}

// orSelf is name, or the light itself where it has none.
func orSelf(name string, l Light) string {
	if name == "" {
		return string(l)
	}
	return name
}
