package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func square(x, y, d float64) Polygon {
	p, err := ParsePolygon([]byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`, x, y, x+d, y+d)))
	if err != nil {
		panic(err)
	}
	return p
}

func TestParsePolygonRejectsBadShapes(t *testing.T) {
	for name, js := range map[string]string{
		"Bowtie":     `{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`,
		"Point":      `{"type":"Point","coordinates":[115.9,28.6]}`,
		"TwoCorners": `{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}`,
		"OffEarth":   `{"type":"Polygon","coordinates":[[[0,0],[200,0],[200,1],[0,0]]]}`,
		"NotJSON":    `{"type":`,
		"Open":       `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`,
	} {
		if _, err := ParsePolygon([]byte(js)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestAreaAndOverlap(t *testing.T) {
	// 0.001° × 0.001° at Nanchang's latitude is about 98 m × 111 m.
	a := square(115.9, 28.68, 0.001)
	want := 0.001 * 111320 * math.Cos(28.6805*math.Pi/180) * 0.001 * 110574
	if got := a.AreaM2(); math.Abs(got-want) > 1 {
		t.Errorf("area %.1f m², want %.1f", got, want)
	}
	b := square(115.9005, 28.68, 0.001) // half overlaps a
	ov, err := OverlapM2(a, b)
	if err != nil || math.Abs(ov-want/2) > 1 {
		t.Errorf("overlap %.1f, want %.1f (%v)", ov, want/2, err)
	}
	c := square(115.902, 28.68, 0.001)
	if ov, _ := OverlapM2(a, c); ov != 0 {
		t.Errorf("disjoint overlap %f", ov)
	}
	big := square(115.89, 28.67, 0.05)
	if ok, out, err := Within(a, Area{g: big.Geometry()}, 1); !ok || out != 0 || err != nil {
		t.Errorf("a inside big: %v %f %v", ok, out, err)
	}
	if ok, out, _ := Within(big, Area{g: a.Geometry()}, 1); ok || out < 1e6 {
		t.Errorf("big inside a: %v %f", ok, out)
	}
}

func TestGCJ02RoundTrip(t *testing.T) {
	// 八一广场, Nanchang: the GCJ-02 offset there is a few hundred metres.
	lon, lat := 115.8930, 28.6797
	glon, glat := WGS84ToGCJ02(lon, lat)
	shift := math.Hypot((glon-lon)*97700, (glat-lat)*110574)
	if shift < 100 || shift > 1000 {
		t.Errorf("GCJ-02 shift %.0f m", shift)
	}
	wlon, wlat := GCJ02ToWGS84(glon, glat)
	if math.Abs(wlon-lon) > 1e-8 || math.Abs(wlat-lat) > 1e-8 {
		t.Errorf("round trip %f,%f", wlon, wlat)
	}
	if x, y := WGS84ToGCJ02(2.35, 48.85); x != 2.35 || y != 48.85 {
		t.Error("outside China the transform must be the identity")
	}
}

func TestIndexLocate(t *testing.T) {
	ix := NewIndex()
	ix.Put("A", square(0, 0, 1))
	ix.Put("B", square(1, 0, 1))
	holed, err := ParsePolygon([]byte(`{"type":"Polygon","coordinates":[[[2,0],[3,0],[3,1],[2,1],[2,0]],[[2.4,0.4],[2.6,0.4],[2.6,0.6],[2.4,0.6],[2.4,0.4]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	ix.Put("C", holed)
	for _, tt := range []struct {
		x, y float64
		want string
	}{{0.5, 0.5, "A"}, {1.5, 0.5, "B"}, {2.1, 0.5, "C"}, {2.5, 0.5, ""}, {5, 5, ""}} {
		if got, _ := ix.Locate(tt.x, tt.y); got != tt.want {
			t.Errorf("Locate(%v,%v) = %q, want %q", tt.x, tt.y, got, tt.want)
		}
	}
	// Edits are seen by the next lookup.
	ix.Put("A", square(10, 10, 1))
	if got, _ := ix.Locate(0.5, 0.5); got != "" {
		t.Errorf("moved polygon still found at its old place: %q", got)
	}
	if got, _ := ix.Locate(10.5, 10.5); got != "A" {
		t.Errorf("moved polygon not found at its new place: %q", got)
	}
	ix.Delete("B")
	if got, _ := ix.Locate(1.5, 0.5); got != "" || ix.Len() != 2 {
		t.Errorf("deleted polygon found: %q (len %d)", got, ix.Len())
	}
}

// cityGrids lays n irregular 8-corner grids over a Nanchang-sized area,
// like the whole city's 15,000 grids.
func cityGrids(n int) map[string]Polygon {
	side := int(math.Ceil(math.Sqrt(float64(n))))
	d := 0.6 / float64(side)
	out := make(map[string]Polygon, n)
	for i := 0; i < n; i++ {
		x0, y0 := 115.6+float64(i%side)*d, 28.3+float64(i/side)*d
		js := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[5]f,%[6]f],[%[3]f,%[2]f],[%[7]f,%[8]f],[%[3]f,%[4]f],[%[5]f,%[9]f],[%[1]f,%[4]f],[%[10]f,%[8]f],[%[1]f,%[2]f]]]}`,
			x0, y0, x0+d, y0+d, x0+d/2, y0+d*0.05, x0+d*0.95, y0+d/2, y0+d*0.95, x0+d*0.05)
		p, err := ParsePolygon([]byte(js))
		if err != nil {
			panic(err)
		}
		out[fmt.Sprintf("G%05d", i)] = p
	}
	return out
}

func BenchmarkLocate15000(b *testing.B) {
	ix := NewIndex()
	ix.Load(cityGrids(15000))
	r := rand.New(rand.NewPCG(1, 2))
	pts := make([][2]float64, 4096)
	for i := range pts {
		pts[i] = [2]float64{115.6 + r.Float64()*0.6, 28.3 + r.Float64()*0.6}
	}
	b.ResetTimer()
	found := 0
	for i := 0; b.Loop(); i++ {
		p := pts[i&4095]
		if _, ok := ix.Locate(p[0], p[1]); ok {
			found++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	if found == 0 {
		b.Fatal("nothing found")
	}
}

func TestParseAreaRepairsTracedOutlines(t *testing.T) {
	// A square whose ring touches itself at a corner and has a spike.
	js := `{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[2,3],[2,2],[1,2],[1,1],[0,1],[1,1],[1,2],[0,2],[0,0]]]}`
	a, err := ParseArea([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Contains(1.5, 1.5) || a.Contains(3, 3) {
		t.Error("repaired area has the wrong inside")
	}
}
