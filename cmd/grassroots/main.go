// Command grassroots is the grassroots governance platform (基层治理平台).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"grassroots/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.NewMain().Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, app.ErrUsage) {
			fmt.Fprintln(os.Stderr, "grassroots:", err)
		}
		os.Exit(2)
	}
}
