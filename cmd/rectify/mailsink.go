package main

import (
	"context"
	"log/slog"

	"rectify/internal/mailsink"
)

// runMailSink is a local SMTP server for trying reminders out: messages land in dir.
func runMailSink(ctx context.Context, addr, dir string) error {
	s, err := mailsink.Start(addr, dir)
	if err != nil {
		return err
	}
	slog.Info("mail sink listening", "smtp", s.Addr, "dir", dir)
	<-ctx.Done()
	return s.Close()
}
