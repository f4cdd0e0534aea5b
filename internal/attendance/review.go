package attendance

import (
	"sort"
	"time"
)

// Flag is an anomaly a stay shows; a flagged stay is not counted until
// the organiser has looked at it. Stored; do not rename.
type Flag string

// The anomalies.
const (
	NoCheckout    Flag = "no_checkout"    // checked in, never out
	ShortStay     Flag = "short_stay"     // out sooner than the minimum stay
	SharedDevice  Flag = "shared_device"  // one phone checked in several people
	Far           Flag = "far"            // a position outside the venue's fence
	OutsideWindow Flag = "outside_window" // a scan before the start or after the end, beyond the grace
	Overlap       Flag = "overlap"        // the same time counted at another occasion
)

// Flags lists them.
var Flags = []Flag{NoCheckout, ShortStay, SharedDevice, Far, OutsideWindow, Overlap}

// Scan is one verified scan of an occasion's code by a person.
type Scan struct {
	Person int64
	Out    bool // a check-out; else a check-in
	At     time.Time
	Device string // an identifier of the phone that scanned (hashed by the caller)
	// Place is where the phone said it was, when it said; Accuracy its
	// radius in metres.
	Place    *Place
	Accuracy float64
}

// Rules are what an occasion asks of a stay.
type Rules struct {
	Start, End time.Time
	// Grace is how long before the start and after the end a scan still
	// counts.
	Grace time.Duration
	// MinStay is the shortest stay that counts.
	MinStay time.Duration
	// Fence is the venue's, when it has a point; nil: positions are not
	// checked.
	Fence *Fence
}

// Stay is one person's time at an occasion, from their first check-in to
// their last check-out, with the anomalies it shows.
type Stay struct {
	Person  int64
	In, Out time.Time // Out is zero without a check-out
	Flags   []Flag
	// Far is the greatest distance from the venue of any scan, in metres
	// (0 without positions).
	Far float64
}

// Counted is the stay's time that counts: inside the occasion's window,
// and none when it shows an anomaly.
func (s Stay) Counted(r Rules) time.Duration {
	if len(s.Flags) > 0 || s.Out.IsZero() {
		return 0
	}
	in, out := s.In, s.Out
	if in.Before(r.Start) {
		in = r.Start
	}
	if out.After(r.End) {
		out = r.End
	}
	if out.Before(in) {
		return 0
	}
	return out.Sub(in)
}

func (s *Stay) flag(f Flag) {
	for _, g := range s.Flags {
		if g == f {
			return
		}
	}
	s.Flags = append(s.Flags, f)
}

// Review turns an occasion's scans into each person's stay, flagging
// what a careful organiser would question. Scans need not be in order.
func Review(r Rules, scans []Scan) []Stay {
	sorted := append([]Scan(nil), scans...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	by := map[int64]*Stay{}
	var order []int64
	devices := map[string]map[int64]bool{}
	for _, sc := range sorted {
		st := by[sc.Person]
		if st == nil {
			st = &Stay{Person: sc.Person}
			by[sc.Person] = st
			order = append(order, sc.Person)
		}
		if sc.Out {
			if !st.In.IsZero() {
				st.Out = sc.At
			}
		} else if st.In.IsZero() {
			st.In = sc.At
		}
		if sc.At.Before(r.Start.Add(-r.Grace)) || sc.At.After(r.End.Add(r.Grace)) {
			st.flag(OutsideWindow)
		}
		if r.Fence != nil && sc.Place != nil {
			ok, d := r.Fence.Inside(*sc.Place, sc.Accuracy)
			if d > st.Far {
				st.Far = d
			}
			if !ok {
				st.flag(Far)
			}
		}
		if sc.Device != "" && !sc.Out {
			if devices[sc.Device] == nil {
				devices[sc.Device] = map[int64]bool{}
			}
			devices[sc.Device][sc.Person] = true
		}
	}
	for _, people := range devices {
		if len(people) > 1 {
			for p := range people {
				by[p].flag(SharedDevice)
			}
		}
	}
	out := make([]Stay, 0, len(order))
	for _, p := range order {
		st := by[p]
		switch {
		case st.In.IsZero():
			continue // a check-out alone is no stay
		case st.Out.IsZero():
			st.flag(NoCheckout)
		case st.Out.Sub(st.In) < r.MinStay:
			st.flag(ShortStay)
		}
		out = append(out, *st)
	}
	return out
}

// Span is a stay of a person at some occasion, for Overlapping.
type Span struct {
	Occasion int64
	In, Out  time.Time
}

// Overlapping are the occasions whose spans of one person overlap
// another's: the same hour cannot be served twice.
func Overlapping(spans []Span) map[int64]bool {
	s := append([]Span(nil), spans...)
	sort.Slice(s, func(i, j int) bool { return s[i].In.Before(s[j].In) })
	out := map[int64]bool{}
	for i := range s {
		for j := i + 1; j < len(s) && s[j].In.Before(s[i].Out); j++ {
			if s[j].Occasion != s[i].Occasion {
				out[s[i].Occasion], out[s[j].Occasion] = true, true
			}
		}
	}
	return out
}
