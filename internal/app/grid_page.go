package app

import (
	"context"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// gridDeps are what a grid's page shows from the registry and the cases,
// which territory cannot import.
func (a *App) gridDeps() territory.GridDeps {
	return territory.GridDeps{
		Figures: func(ctx context.Context, grid string) (territory.GridFigures, error) {
			return a.Registry.GridFigures(ctx, grid)
		},
		OpenCases: func(ctx context.Context, grid string) (int, error) {
			act := authz.ActorFrom(ctx)
			if act == nil || !act.Can(cases.PermView) {
				return 0, errs.E(errs.Forbidden, "err.forbidden")
			}
			// A community's dashboard counts its grids' open cases; a
			// grid worker, whose scope is their grids, reads the grid's own.
			region := grid[:12]
			if act.Scope.GridsOnly {
				region = grid
			}
			st, err := a.Cases.Stats(ctx, region)
			if err != nil {
				return 0, err
			}
			for _, c := range st.Children {
				if c.Code == grid {
					return int(c.Open), nil
				}
			}
			return 0, nil
		},
	}
}
