package app

import (
	"context"
	"log/slog"
	"time"

	"grassroots/internal/platform/module"
)

// DefaultChangePoll is how often an instance reads the change feed when
// -change-poll is not set: a write on another instance shows here within
// about this long.
const DefaultChangePoll = time.Second

// Jobs returns every module's periodic jobs, in module order: the change
// feed's poll on every instance, and the cluster-wide ones such as the
// case deadline sweep.
func (a *App) Jobs() []module.Job {
	var out []module.Job
	for _, m := range a.Modules {
		out = append(out, m.Jobs...)
	}
	return out
}

// RunJobs runs the jobs until ctx ends; the serve command calls it.
func (a *App) RunJobs(ctx context.Context) {
	log := a.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	module.RunJobs(ctx, a.DB, log, a.Jobs())
}
