package territory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNamesAreCleaned: a grid or department name is one line of text:
// control characters, line breaks and direction controls are refused
// with the field and rule named; zero-width characters are removed and
// the name is stored NFC.
func TestNamesAreCleaned(t *testing.T) {
	s := gridService(t)
	ctx := as("360102002")
	for _, tt := range []struct{ name, in, want string }{
		{"ErrNUL", "一\x00网格", "name rule.control_char "},
		{"ErrNewline", "一网格\n二", "name rule.single_line "},
		{"ErrOverride", "一\u202e格网", "name rule.bidi_control "},
	} {
		t.Run("Grid"+tt.name, func(t *testing.T) {
			_, err := s.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: tt.in, Geometry: rect(115.90, 28.69, 115.905, 28.70)})
			if d := cmp.Diff([]string{tt.want}, fields(err)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
		t.Run("Department"+tt.name, func(t *testing.T) {
			_, err := s.CreateDepartment(as("360102"), DepartmentInput{Name: tt.in, RegionCode: "360102"})
			if d := cmp.Diff([]string{tt.want}, fields(err)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	g, err := s.CreateGrid(ctx, GridInput{CommunityCode: commA, Name: "\u200b一网\u200d格Cafe\u0301", Geometry: rect(115.90, 28.69, 115.905, 28.70)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "一网格Café" {
		t.Errorf("stored name %q, want %q", g.Name, "一网格Café")
	}
}
