package weakcase

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"rectify/workflows/weakcase/weakcasemsg"
)

// Fingerprint is a digest of what an action asks for, without who asks, the key, or what the
// API read alongside (PlanOpen): the same key with another body is a conflict, not a retry.
func Fingerprint(a weakcasemsg.Action) string {
	a.Actor, a.Key, a.PlanOpen = weakcasemsg.Actor{}, "", 0
	a.Note = strings.TrimSpace(a.Note)
	b, _ := json.Marshal(a) // a struct without maps marshals the same way every time
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
