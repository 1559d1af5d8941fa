package auth

// HoldHashSlot takes one of s's password-hashing slots, as a check in progress does, until
// release is called: the external tests, which reach the service through the API, use it
// to make the server busy.
func HoldHashSlot(s *Service) (release func()) {
	s.slots <- struct{}{}
	return func() { <-s.slots }
}
