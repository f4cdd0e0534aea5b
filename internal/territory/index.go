package territory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/geo"
)

// Change-feed topics of the module (package change): a write touches them
// in its transaction, and every instance reloads after the commit.
const (
	// TopicGrids: a grid was drawn, redrawn or removed; the instances
	// bring their point → grid index up to date (SyncIndex).
	TopicGrids = "territory.grids"
	// TopicRegions: divisions or grids were added; the instances clear
	// their memo of subtree counts.
	TopicRegions = "territory.regions"
	// TopicBoundaries: a division's outline was set; what frames the
	// maps on it (the city profile's view) is worked out again.
	TopicBoundaries = "territory.boundaries"
)

// gridStamp is the version of a grid as its row says: a grid whose row
// shows another stamp than the index holds has changed since.
type gridStamp struct {
	version int
	updated time.Time
}

// gridStamps is what the index holds, by code; the zero value is empty.
// Its lock serialises every change of the index.
type gridStamps struct {
	mu sync.Mutex
	m  map[string]gridStamp
}

// LoadIndex fills the point → grid index from the database; it is the
// module's start-up step.
func (s *Service) LoadIndex(ctx context.Context) error {
	s.indexed.mu.Lock()
	defer s.indexed.mu.Unlock()
	return s.loadIndex(ctx)
}

// loadIndex reads every grid; callers hold s.indexed.mu.
func (s *Service) loadIndex(ctx context.Context) error {
	gs, err := findGrids(ctx, s.db, authz.All, GridFilter{})
	if err != nil {
		return err
	}
	polys := make(map[string]geo.Polygon, len(gs))
	stamps := make(map[string]gridStamp, len(gs))
	for _, g := range gs {
		p, err := geo.ParsePolygon(g.Geometry)
		if err != nil {
			return fmt.Errorf("territory: stored grid %s: %w", g.Code, err)
		}
		polys[g.Code] = p
		stamps[g.Code] = gridStamp{g.Version, g.UpdatedAt}
	}
	s.index.Load(polys)
	s.indexed.m = stamps
	return nil
}

// syncBatch is how many changed grids SyncIndex reads by code before it
// reads them all instead.
const syncBatch = 500

// SyncIndex brings the point → grid index up to date with the database
// after another instance wrote grids: it reads the version of every grid
// (a narrow read, some milliseconds for a city's 13,500 grids) and the
// outlines of only those drawn, redrawn or removed since. The change feed
// calls it after a write to TopicGrids on any instance.
func (s *Service) SyncIndex(ctx context.Context) error {
	s.indexed.mu.Lock()
	defer s.indexed.mu.Unlock()
	type row struct {
		code  string
		stamp gridStamp
	}
	rows, err := db.Collect(ctx, s.db, `/* territory.SyncIndex */ SELECT code, version, updated_at FROM territory_grids`, nil,
		func(r db.Scanner) (row, error) {
			var x row
			err := r.Scan(&x.code, &x.stamp.version, &x.stamp.updated)
			return x, err
		})
	if err != nil {
		return fmt.Errorf("territory: sync index: %w", err)
	}
	present := make(map[string]bool, len(rows))
	var changed []any
	for _, r := range rows {
		present[r.code] = true
		if st, ok := s.indexed.m[r.code]; !ok || st.version != r.stamp.version || !st.updated.Equal(r.stamp.updated) {
			changed = append(changed, r.code)
		}
	}
	var gone []string
	for code := range s.indexed.m {
		if !present[code] {
			gone = append(gone, code)
		}
	}
	if len(changed) > 4*syncBatch {
		return s.loadIndex(ctx)
	}
	if s.indexed.m == nil {
		s.indexed.m = map[string]gridStamp{}
	}
	for len(changed) > 0 {
		batch := changed[:min(syncBatch, len(changed))]
		changed = changed[len(batch):]
		gs, err := db.Collect(ctx, s.db, `/* territory.SyncIndex */ SELECT `+gridCols+` FROM territory_grids g JOIN territory_regions r ON r.code = g.code
			WHERE g.code IN (`+db.In(len(batch))+`)`, batch, scanGrid)
		if err != nil {
			return fmt.Errorf("territory: sync index: %w", err)
		}
		polys := make(map[string]geo.Polygon, len(gs))
		for _, g := range gs {
			p, err := geo.ParsePolygon(g.Geometry)
			if err != nil {
				return fmt.Errorf("territory: stored grid %s: %w", g.Code, err)
			}
			polys[g.Code] = p
			s.indexed.m[g.Code] = gridStamp{g.Version, g.UpdatedAt}
		}
		s.index.PutMany(polys)
	}
	for _, code := range gone {
		s.index.Delete(code)
		delete(s.indexed.m, code)
	}
	return nil
}

// indexGrid puts a grid this instance has just written into the index,
// unless a newer version is there already (a sync, or a later write,
// got there first).
func (s *Service) indexGrid(g Grid, p geo.Polygon) {
	s.indexGrids([]Grid{g}, map[string]geo.Polygon{g.Code: p})
}

// indexGrids is indexGrid for the grids of an import.
func (s *Service) indexGrids(gs []Grid, polys map[string]geo.Polygon) {
	s.indexed.mu.Lock()
	defer s.indexed.mu.Unlock()
	if s.indexed.m == nil {
		s.indexed.m = map[string]gridStamp{}
	}
	put := make(map[string]geo.Polygon, len(gs))
	for _, g := range gs {
		if st, ok := s.indexed.m[g.Code]; ok && st.version > g.Version {
			continue
		}
		put[g.Code] = polys[g.Code]
		s.indexed.m[g.Code] = gridStamp{g.Version, g.UpdatedAt}
	}
	s.index.PutMany(put)
}
