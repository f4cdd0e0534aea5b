package account

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// GridWorker is an account serving a grid.
type GridWorker struct {
	UserID      int64  `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	PhoneMasked string `json:"phone_masked,omitempty"`
}

// GridWorkersInput replaces a grid's workers.
type GridWorkersInput struct {
	UserIDs []int64 `json:"user_ids"`
}

// GridWorkers lists the workers assigned to a grid in scope.
func (s *Service) GridWorkers(ctx context.Context, grid string) ([]GridWorker, error) {
	if _, err := s.regions.Grid(ctx, grid); err != nil {
		return nil, err
	}
	out, err := db.Collect(ctx, s.db, `/* account.GridWorkers */ SELECT u.id, u.username, u.display_name, u.phone_masked
		FROM account_grid_assignments a JOIN account_users u ON u.id = a.user_id WHERE a.grid_code = ? ORDER BY u.id`, []any{grid},
		func(r db.Scanner) (GridWorker, error) {
			var w GridWorker
			err := r.Scan(&w.UserID, &w.Username, &w.DisplayName, &w.PhoneMasked)
			return w, err
		})
	if out == nil && err == nil {
		out = []GridWorker{}
	}
	// Who serves a grid is public to its people; their sign-in names and
	// phones are for those who manage accounts.
	if a := authz.ActorFrom(ctx); a == nil || !a.Can(PermUserView) {
		for i := range out {
			out[i].Username, out[i].PhoneMasked = "", ""
		}
	}
	return out, err
}

// SetGridWorkers replaces the workers of a grid. Each must be an active
// grid or community worker of the grid's community (or of the grid).
func (s *Service) SetGridWorkers(ctx context.Context, grid string, ids []int64) ([]GridWorker, error) {
	g, err := s.regions.Grid(ctx, grid)
	if err != nil {
		return nil, err
	}
	var fe errs.Fields
	community := g.CommunityCode
	if c, err := s.regions.ContainsRegion(ctx, g.CommunityCode); err == nil {
		community = c.Name // people know the community by name
	}
	for i, id := range ids {
		u, err := findUser(ctx, s.db, authz.ScopeFrom(ctx), id)
		if err != nil || u.Disabled || (u.Role != authz.RoleGridWorker && u.Role != authz.RoleCommunityWorker) ||
			!(u.RegionCode == g.CommunityCode || u.RegionCode == g.Code) {
			fe.Add(fmt.Sprintf("user_ids[%d]", i), "rule.grid_worker", community)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `/* account.SetGridWorkers */ DELETE FROM account_grid_assignments WHERE grid_code = ?`, grid); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `/* account.SetGridWorkers */ INSERT INTO account_grid_assignments (grid_code, user_id, assigned_at) VALUES (?, ?, ?)`,
				grid, id, tx.Now()); err != nil {
				return fmt.Errorf("account: assign %d to %s: %w", id, grid, err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.grid_workers.set", ObjectType: "grid", ObjectID: grid, Region: grid,
			After: map[string]any{"user_ids": ids}})
	})
	if err != nil {
		return nil, err
	}
	return s.GridWorkers(ctx, grid)
}

type gridWorkersFragment struct {
	web.Page
	Grid      string
	Workers   []GridWorker
	Choices   []*User
	CanManage bool
	Errors    []string
}

func (h *handler) gridWorkersFragment(r *http.Request, grid string) (gridWorkersFragment, error) {
	ws, err := h.svc.GridWorkers(r.Context(), grid)
	if err != nil {
		return gridWorkersFragment{}, err
	}
	p := gridWorkersFragment{Page: h.ui.Page(r, "title.grid"), Grid: grid, Workers: ws}
	p.CanManage = p.Actor.Can(territory.PermGridManage)
	if p.CanManage {
		for _, role := range []authz.Role{authz.RoleGridWorker, authz.RoleCommunityWorker} {
			us, err := h.svc.Users(r.Context(), UserFilter{Region: grid[:12], Role: role, Limit: 200})
			if err != nil {
				return p, err
			}
			p.Choices = append(p.Choices, us...)
		}
	}
	return p, nil
}

// Assigned reports whether the worker serves the grid (for the template).
func (p gridWorkersFragment) Assigned(id int64) bool {
	return slices.ContainsFunc(p.Workers, func(w GridWorker) bool { return w.UserID == id })
}

func (h *handler) handleGridWorkers(w http.ResponseWriter, r *http.Request) error {
	p, err := h.gridWorkersFragment(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "grid_workers", "grid-workers", p)
}

func (h *handler) handleGridWorkersSet(w http.ResponseWriter, r *http.Request) error {
	grid := r.PathValue("code")
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	var ids []int64
	for _, s := range r.PostForm["user_id"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	_, err := h.svc.SetGridWorkers(r.Context(), grid, ids)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.gridWorkersFragment(r, grid)
		if perr != nil {
			return perr
		}
		p.Errors = h.fieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "grid_workers", "grid-workers", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/grids/"+grid, "flash.saved")
}

func (h *handler) apiGridWorkers(w http.ResponseWriter, r *http.Request) error {
	ws, err := h.svc.GridWorkers(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ws)
}

func (h *handler) apiGridWorkersSet(w http.ResponseWriter, r *http.Request) error {
	var in GridWorkersInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	ws, err := h.svc.SetGridWorkers(r.Context(), r.PathValue("code"), in.UserIDs)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ws)
}

func (h *handler) gridRoutes(r *web.Router) {
	r.Page("GET /grids/{code}/workers", territory.PermView, h.handleGridWorkers)
	r.Page("POST /grids/{code}/workers", territory.PermGridManage, h.handleGridWorkersSet)
	r.API("GET /api/v1/grids/{code}/workers", territory.PermView, web.OpDoc{Summary: "Grid workers serving a grid", Tag: "territory",
		Response: []GridWorker{}}, h.apiGridWorkers)
	r.API("PUT /api/v1/grids/{code}/workers", territory.PermGridManage, web.OpDoc{Summary: "Replace the grid workers of a grid", Tag: "territory",
		Body: GridWorkersInput{}, Response: []GridWorker{}}, h.apiGridWorkersSet)
}

// GridsOf lists the grids a user is assigned to serve.
func (s *Service) GridsOf(ctx context.Context, userID int64) ([]string, error) {
	out, err := db.Collect(ctx, s.db, `/* account.GridsOf */ SELECT grid_code FROM account_grid_assignments WHERE user_id = ? ORDER BY grid_code`,
		[]any{userID}, func(r db.Scanner) (string, error) {
			var g string
			err := r.Scan(&g)
			return g, err
		})
	if err != nil {
		return nil, fmt.Errorf("account: grids of %d: %w", userID, err)
	}
	return out, nil
}
