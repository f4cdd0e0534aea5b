package geo

import (
	"encoding/json"
	"os"
	"testing"
)

// TestNanchangOutlinesRepair loads every approximate district outline of
// Nanchang (GCJ-02, rings that cross themselves), repairs and converts it.
func TestNanchangOutlinesRepair(t *testing.T) {
	b, err := os.ReadFile("../../territory/data/nanchang_districts_gcj02.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct{ Name string }
			Geometry   json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	total, valid := 0.0, 0
	for _, f := range fc.Features {
		a, err := ParseArea(f.Geometry)
		if err != nil {
			t.Errorf("%s: %v", f.Properties.Name, err)
			continue
		}
		w := a.TransformLonLat(GCJ02ToWGS84)
		if w.Valid() {
			valid++
			total += w.AreaM2()
		}
		t.Logf("%s %.0f km² valid=%v", f.Properties.Name, w.AreaM2()/1e6, w.Valid())
	}
	// The README of the data gives the union of all nine as 7,193 km²;
	// 安义县's outline (about 656 km²) crosses itself in a way this repair
	// does not untangle, so it is kept for drawing only.
	if valid < 8 {
		t.Errorf("%d of 9 outlines repaired, want at least 8", valid)
	}
	if km2 := total / 1e6; km2 < 6400 || km2 > 6700 {
		t.Errorf("area of the repaired outlines %.0f km², want about 7,193 − 656", km2)
	}
}
