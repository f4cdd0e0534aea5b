package geo

import (
	"sync"
	"sync/atomic"

	"github.com/tidwall/rtree"
)

// Index finds the polygon that contains a point. Reads take no lock: they
// use an immutable snapshot; writes copy the tree (copy-on-write, cheap in
// tidwall/rtree) and publish the new one, so an edit is visible to the
// next lookup at once.
type Index struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[snapshot]
}

type snapshot struct {
	tree  rtree.RTreeG[*shape]
	codes map[string]*shape
}

type shape struct {
	code  string
	rings [][]float64 // flat x,y; exterior first, holes after
	min   [2]float64
	max   [2]float64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{}
	ix.snap.Store(&snapshot{codes: map[string]*shape{}})
	return ix
}

// Put adds or replaces the polygon for code.
func (ix *Index) Put(code string, p Polygon) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.snap.Load()
	next := &snapshot{tree: *old.tree.Copy(), codes: make(map[string]*shape, len(old.codes)+1)}
	for k, v := range old.codes {
		next.codes[k] = v
	}
	if prev, ok := next.codes[code]; ok {
		next.tree.Delete(prev.min, prev.max, prev)
	}
	b := p.Bounds()
	s := &shape{code: code, rings: p.Rings(), min: [2]float64{b[0], b[1]}, max: [2]float64{b[2], b[3]}}
	next.tree.Insert(s.min, s.max, s)
	next.codes[code] = s
	ix.snap.Store(next)
}

// PutMany adds or replaces many polygons with one copy of the tree, for
// bulk imports.
func (ix *Index) PutMany(polys map[string]Polygon) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.snap.Load()
	next := &snapshot{tree: *old.tree.Copy(), codes: make(map[string]*shape, len(old.codes)+len(polys))}
	for k, v := range old.codes {
		next.codes[k] = v
	}
	for code, p := range polys {
		if prev, ok := next.codes[code]; ok {
			next.tree.Delete(prev.min, prev.max, prev)
		}
		b := p.Bounds()
		s := &shape{code: code, rings: p.Rings(), min: [2]float64{b[0], b[1]}, max: [2]float64{b[2], b[3]}}
		next.tree.Insert(s.min, s.max, s)
		next.codes[code] = s
	}
	ix.snap.Store(next)
}

// Load replaces the whole index, for start-up.
func (ix *Index) Load(polys map[string]Polygon) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	next := &snapshot{codes: make(map[string]*shape, len(polys))}
	for code, p := range polys {
		b := p.Bounds()
		s := &shape{code: code, rings: p.Rings(), min: [2]float64{b[0], b[1]}, max: [2]float64{b[2], b[3]}}
		next.tree.Insert(s.min, s.max, s)
		next.codes[code] = s
	}
	ix.snap.Store(next)
}

// Delete removes code.
func (ix *Index) Delete(code string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.snap.Load()
	prev, ok := old.codes[code]
	if !ok {
		return
	}
	next := &snapshot{tree: *old.tree.Copy(), codes: make(map[string]*shape, len(old.codes))}
	for k, v := range old.codes {
		if k != code {
			next.codes[k] = v
		}
	}
	next.tree.Delete(prev.min, prev.max, prev)
	ix.snap.Store(next)
}

// Len is the number of polygons.
func (ix *Index) Len() int { return len(ix.snap.Load().codes) }

// Locate returns the code of a polygon containing (lon, lat). Where
// polygons overlap (they should not), the first found wins.
func (ix *Index) Locate(lon, lat float64) (string, bool) {
	s := ix.snap.Load()
	var found string
	pt := [2]float64{lon, lat}
	s.tree.Search(pt, pt, func(_, _ [2]float64, sh *shape) bool {
		if containsRings(sh.rings, lon, lat) {
			found = sh.code
			return false
		}
		return true
	})
	return found, found != ""
}

// containsRings is the even-odd ray test over all rings, so holes are
// excluded without special cases.
func containsRings(rings [][]float64, x, y float64) bool {
	in := false
	for _, r := range rings {
		n := len(r) / 2
		j := n - 1
		for i := 0; i < n; i++ {
			xi, yi, xj, yj := r[2*i], r[2*i+1], r[2*j], r[2*j+1]
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
			j = i
		}
	}
	return in
}
