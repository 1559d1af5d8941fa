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

// Label is the light as users read it (红灯), or the light itself when unknown.
func (l Light) Label() string {
	switch l {
	case Red:
		return "红灯"
	case Yellow:
		return "黄灯"
	case Green:
		return "绿灯"
	case None:
		return "无"
	}
	return string(l)
}

// Short is the one-character colour (红) of a light that shows, for narrow columns;
// otherwise the light itself.
func (l Light) Short() string {
	switch l {
	case Red:
		return "红"
	case Yellow:
		return "黄"
	case Green:
		return "绿"
	}
	return string(l)
}

// English is the light's name in an English sheet (Red), or the light itself when it does
// not show.
func (l Light) English() string {
	switch l {
	case Red:
		return "Red"
	case Yellow:
		return "Yellow"
	case Green:
		return "Green"
	}
	return string(l)
}

// Rank orders lights by urgency for sorting: red, yellow, green, then None and anything
// unknown.
func (l Light) Rank() int {
	switch l {
	case Red:
		return 0
	case Yellow:
		return 1
	case Green:
		return 2
	case None:
		return 3
	}
	return 4
}
