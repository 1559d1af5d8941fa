package devserver

import (
	"fmt"
	"net"
)

func splitHostPort(hostPort string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(hostPort)
	if err != nil {
		return "", "", fmt.Errorf("host:port %q: %w", hostPort, err)
	}
	return host, port, nil
}

// FreeHostPort is a free 127.0.0.1 port for a dev server, for tests.
func FreeHostPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devserver.FreeHostPort: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
