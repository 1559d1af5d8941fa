// Package sampling draws reproducible samples for sampling checks (抽查): the seed is drawn
// by the server, never taken from the caller, and recorded with the draw, so that anyone can
// draw the same sample again from the same ids.
package sampling

import (
	"cmp"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Size is ceil(share × n), at least 1 when n > 0 and at most n. A tiny tolerance keeps
// floating-point noise (0.3 × 10 = 3.0000000000000004) from adding one.
func Size(share float64, n int) int {
	if n <= 0 {
		return 0
	}
	k := int(math.Ceil(share*float64(n) - 1e-9))
	return max(1, min(k, n))
}

// Draw draws k of ids: a Fisher–Yates shuffle (rand.Rand.Shuffle) of ids in the given order
// with math/rand/v2's PCG seeded with (seed, seed), then the first k, sorted. The same seed
// over the same ids always draws the same ids.
func Draw[T cmp.Ordered](ids []T, k int, seed int64) []T {
	ids = slices.Clone(ids)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)))
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	k = max(0, min(k, len(ids)))
	out := ids[:k]
	slices.Sort(out)
	return out
}

// NewSeed draws a positive seed from crypto/rand, easy to write down.
func NewSeed() (int64, error) {
	for {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("seed: %w", err)
		}
		if seed := int64(binary.LittleEndian.Uint64(b[:]) >> 1); seed != 0 {
			return seed, nil
		}
	}
}

// ValidShare reports whether share is in (0, 1].
func ValidShare(share float64) bool { return !math.IsNaN(share) && share > 0 && share <= 1 }
