package auth

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddress(t *testing.T) {
	s := &Service{opts: Options{ClientIPHeader: "X-Forwarded-For"}}
	plain := &Service{}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.1")
	if got := s.ClientAddress(r); got != "198.51.100.1" {
		t.Errorf("behind proxy: %s, want the address the proxy saw", got)
	}
	if got := plain.ClientAddress(r); got != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 peer: %s, want its /64", got)
	}
}
