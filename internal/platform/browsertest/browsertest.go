// Package browsertest starts headless Chromium for a test, on a
// phone-sized window, and collects what its pages log as errors. Without
// Chromium the test is skipped, unless EnvBrowser requires it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvBrowser set to 1 makes a missing browser a failure instead of a skip;
// CI sets it.
const EnvBrowser = "GRASSROOTS_BROWSER_TESTS"

// Start starts headless Chromium for t, its window 375×812, and collects
// every console error and uncaught exception (CSP violations among them);
// problems returns those logged so far. The browser closes when t ends.
func Start(t testing.TB) (ctx context.Context, problems func() []string) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv(EnvBrowser) == "1" {
			t.Fatal("chromium is not installed")
		}
		t.Skip("chromium is not installed; set " + EnvBrowser + "=1 to require it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(375, 812),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	var mu sync.Mutex
	var logged []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				logged = append(logged, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		time.Sleep(200 * time.Millisecond) // let the last events arrive
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), logged...)
	}
}
