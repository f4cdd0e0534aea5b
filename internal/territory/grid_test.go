package territory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"grassroots/internal/platform/errs"
)

func rect(x0, y0, x1, y1 float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))
}

const (
	commA = "360102002001"
	commB = "360102002002"
)

func gridService(t *testing.T) *Service {
	t.Helper()
	s, _ := newService(t)
	if _, err := s.ImportCSV(asAll(), bytes.NewReader(NanchangCSV()), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Community A: a 0.01° square with a known boundary.
	if _, err := s.SetBoundary(asAll(), commA, BoundaryInput{Geometry: rect(115.90, 28.69, 115.91, 28.70), Source: "test"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func fields(err error) []string {
	var out []string
	for _, f := range errs.As(err).Fields {
		out = append(out, f.Field+" "+f.Rule+" "+f.Param)
	}
	return out
}

func TestCreateGridRules(t *testing.T) {
	s := gridService(t)
	ctx := as("360102002")
	g1, err := s.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: "一网格", Geometry: rect(115.90, 28.69, 115.905, 28.70)})
	if err != nil {
		t.Fatal(err)
	}
	if g1.Code != commA+"001" || g1.AreaM2 < 535000 || g1.AreaM2 > 545000 {
		t.Errorf("grid %s, %.0f m²", g1.Code, g1.AreaM2)
	}
	for _, tt := range []struct {
		name string
		in   GridInput
		want string
	}{
		{"Overlap", GridInput{CommunityCode: commA, Name: "二", Geometry: rect(115.904, 28.69, 115.91, 28.70)}, "geometry rule.overlap " + commA + "001"},
		{"OutsideCommunity", GridInput{CommunityCode: commA, Name: "三", Geometry: rect(115.905, 28.69, 115.92, 28.70)}, "geometry rule.outside_community"},
		{"SelfIntersecting", GridInput{CommunityCode: commA, Name: "四", Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[115.906,28.69],[115.909,28.699],[115.909,28.69],[115.906,28.699],[115.906,28.69]]]}`)}, "geometry rule.polygon"},
		{"NotACommunity", GridInput{CommunityCode: "360102002", Name: "五", Geometry: rect(115.906, 28.69, 115.907, 28.691)}, "community_code rule.community"},
		{"OutOfScope", GridInput{CommunityCode: "360103001001", Name: "六", Geometry: rect(115.8, 28.6, 115.801, 28.601)}, "community_code rule.community"},
		{"BadCode", GridInput{Code: commB + "001", CommunityCode: commA, Name: "七", Geometry: rect(115.906, 28.69, 115.907, 28.691)}, "code rule.grid_code"},
		{"NoName", GridInput{CommunityCode: commA, Geometry: rect(115.906, 28.69, 115.907, 28.691)}, "name rule.required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateGrid(ctx, tt.in)
			got := strings.Join(fields(err), "; ")
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The overlap names the other grid and the shared area (0.001° × 0.01°, about 10,800 m²).
	_, err = s.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: "二", Geometry: rect(115.904, 28.69, 115.91, 28.70)})
	if f := errs.As(err).Fields; len(f) != 1 || !strings.HasPrefix(f[0].Param, commA+"001, 1079") {
		t.Errorf("overlap report %+v", f)
	}
	// Nothing was written by the refused attempts.
	if gs, _ := s.Grids(ctx, GridFilter{Region: commA}); len(gs) != 1 {
		t.Errorf("%d grids after refusals", len(gs))
	}
	// Without a known boundary any valid non-overlapping polygon is accepted.
	if _, err := s.CreateGrid(ctx, GridInput{CommunityCode: commB, Name: "乙一", Geometry: rect(116, 29, 116.01, 29.01)}); err != nil {
		t.Errorf("community without boundary: %v", err)
	}
}

func TestLocateFollowsEdits(t *testing.T) {
	s := gridService(t)
	ctx := as("360102002")
	g, err := s.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: "一网格", Geometry: rect(115.90, 28.69, 115.905, 28.70)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Locate(ctx, 115.902, 28.695)
	if err != nil || p.Grid.Code != g.Code || p.Community.Code != commA || p.Subdistrict.Code != "360102002" || p.District.Code != "360102" {
		t.Fatalf("locate: %+v %v", p, err)
	}
	// Redraw the grid to the other half: the old point is no longer in it.
	if _, err := s.UpdateGrid(ctx, g.Code, GridInput{Version: g.Version, Geometry: rect(115.905, 28.69, 115.91, 28.70)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Locate(ctx, 115.902, 28.695); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("old place still located: %v", err)
	}
	if p, _ := s.Locate(ctx, 115.907, 28.695); p.Grid.Code != g.Code {
		t.Errorf("new place: %+v", p)
	}
	// A stale version is refused.
	if _, err := s.UpdateGrid(ctx, g.Code, GridInput{Version: g.Version, Name: "x"}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("stale update: %v", err)
	}
	// Out of scope: the point is not found for another district.
	if _, err := s.Locate(as("360103"), 115.907, 28.695); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("locate out of scope: %v", err)
	}
	// A fresh service loads the index from the database.
	fresh := &Service{db: s.db, index: s.index}
	fresh.index.Load(nil)
	if err := fresh.LoadIndex(asAll()); err != nil || fresh.GridIndexLen() != 1 {
		t.Errorf("reload: %v %d", err, fresh.GridIndexLen())
	}
}

func TestImportGridsAllOrNothingAndIdempotent(t *testing.T) {
	s := gridService(t)
	ctx := as("360102002")
	fc := func(feats ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`)
	}
	feat := func(code, comm, name string, g json.RawMessage) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"community_code":%q,"name":%q},"geometry":%s}`, code, comm, name, g)
	}
	good1 := feat("", commA, "甲", rect(115.90, 28.69, 115.905, 28.695))
	good2 := feat("", commA, "乙", rect(115.905, 28.69, 115.91, 28.695))
	clash := feat("", commA, "丙", rect(115.904, 28.694, 115.906, 28.699)) // overlaps both
	rep, err := s.ImportGrids(ctx, fc(good1, good2, clash), false)
	if err != nil || rep.Committed || len(rep.Problems) != 2 || rep.Problems[0].Feature != 3 {
		t.Fatalf("bad import: %+v %v", rep, err)
	}
	if gs, _ := s.Grids(ctx, GridFilter{Region: commA}); len(gs) != 0 {
		t.Fatalf("a refused import wrote %d grids", len(gs))
	}
	rep, err = s.ImportGrids(ctx, fc(good1, good2, clash), true)
	if err != nil || !rep.Committed || rep.Created != 2 {
		t.Fatalf("keep good: %+v %v", rep, err)
	}
	// Export and import again: nothing changes.
	out, err := s.GridsGeoJSON(ctx, commA)
	if err != nil || len(out.Features) != 2 {
		t.Fatalf("export: %v %d", err, len(out.Features))
	}
	b, _ := json.Marshal(out)
	rep, err = s.ImportGrids(ctx, b, false)
	if err != nil || !rep.Committed || rep.Unchanged != 2 || rep.Created+rep.Changed != 0 {
		t.Errorf("re-import: %+v %v", rep, err)
	}
	if _, err := s.ImportGrids(ctx, []byte(`{"type":"Feature"}`), false); err == nil {
		t.Error("not a feature collection accepted")
	}
}

// Two instances on one database: a grid drawn, redrawn or removed through
// one is found, moved or gone in the other's index after SyncIndex, which
// reads the outlines of the changed grids only.
func TestSyncIndexFollowsOtherInstance(t *testing.T) {
	a := gridService(t)
	b := NewService(a.db)
	if err := b.LoadIndex(asAll()); err != nil {
		t.Fatal(err)
	}
	ctx := as("360102002")
	g, err := a.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: "一", Geometry: rect(115.90, 28.69, 115.905, 28.70)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.LocateGrid(115.902, 28.695); ok {
		t.Fatal("located before the sync")
	}
	if err := b.SyncIndex(asAll()); err != nil {
		t.Fatal(err)
	}
	if code, _ := b.LocateGrid(115.902, 28.695); code != g.Code {
		t.Fatalf("drawn on A: B locates %q", code)
	}
	if _, err := a.UpdateGrid(ctx, g.Code, GridInput{Version: g.Version, Geometry: rect(115.905, 28.69, 115.91, 28.70)}); err != nil {
		t.Fatal(err)
	}
	b.SyncIndex(asAll())
	if code, _ := b.LocateGrid(115.907, 28.695); code != g.Code {
		t.Errorf("redrawn on A: B locates %q at the new place", code)
	}
	if _, ok := b.LocateGrid(115.902, 28.695); ok {
		t.Error("redrawn on A: B still locates the old place")
	}
	if _, err := a.db.ExecContext(asAll(), `DELETE FROM territory_grids WHERE code = ?`, g.Code); err != nil {
		t.Fatal(err)
	}
	b.SyncIndex(asAll())
	if _, ok := b.LocateGrid(115.907, 28.695); ok || b.GridIndexLen() != 0 {
		t.Errorf("removed: B still locates it (%d in the index)", b.GridIndexLen())
	}
	// A's own index took its writes at once; a sync there changes nothing.
	if code, _ := a.LocateGrid(115.907, 28.695); code != g.Code {
		t.Errorf("A's own index: %q", code)
	}
	var n int
	a.db.QueryRowContext(asAll(), `SELECT COALESCE(SUM(version), 0) FROM platform_changes WHERE topic = ?`, TopicGrids).Scan(&n)
	if n != 2 {
		t.Errorf("grid topic bumped %d times for two writes", n)
	}
}
