package cases

import (
	"slices"
	"testing"
)

// TestCompositeNamesWhatItLeavesOut: a unit without ratings is scored on
// its other rates, their weights scaled up, and the ranking says which
// rate is missing, so that a secretary reads a 100 for what it is.
func TestCompositeNamesWhatItLeavesOut(t *testing.T) {
	one, half := 1.0, 0.5
	st := Settings{WResponse: 0.1, WResolution: 0.5, WSatisfaction: 0.4}
	for _, tt := range []struct {
		name    string
		x       Score
		want    float64
		missing []string
	}{
		{"every rate", Score{Dispatched: 2, Responded: 2, Rated: 2, Resolved: 1, Satisfied: 2}, 100 * (0.1*1 + 0.5*0.5 + 0.4*1), nil},
		{"no ratings", Score{Dispatched: 2, Responded: 1}, 50, []string{"resolution", "satisfaction"}},
		{"nothing", Score{}, 0, []string{"response", "resolution", "satisfaction"}},
	} {
		tt.x.score(st)
		if tt.x.Composite != tt.want || !slices.Equal(tt.x.Missing, tt.missing) {
			t.Errorf("%s: composite %v missing %v, want %v %v", tt.name, tt.x.Composite, tt.x.Missing, tt.want, tt.missing)
		}
	}
	if c, m, ok := composite(rate{"response", &one, 0.4}, rate{"closing", &half, 0.3}, rate{"satisfaction", nil, 0.3}); c != 78.57 || !slices.Equal(m, []string{"satisfaction"}) || !ok {
		t.Errorf("whistle composite without ratings: %v %v %v", c, m, ok)
	}
	if _, _, ok := composite(rate{"response", nil, 0.4}); ok {
		t.Error("a composite without any rate counts as scored")
	}
}
