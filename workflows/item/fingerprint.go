package item

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"rectify/workflows/item/itemmsg"
)

// Fingerprint is a digest of what an action asks for (not who asks or with which key): the
// same idempotency key sent again with a different action or body is a conflict, not a retry.
func Fingerprint(req itemmsg.ActionRequest) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", req.ItemID, req.Action, strings.TrimSpace(req.Note), strings.TrimSpace(req.ExtendTo))
	for _, id := range req.EvidenceIDs {
		fmt.Fprintf(h, "%d,", id)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
