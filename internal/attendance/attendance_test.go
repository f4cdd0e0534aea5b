package attendance

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// TestCodeRotates: a code is good during its step and the next, then
// expires; the next step shows another code; a code of another occasion,
// one made with another key, an altered one and one not yet shown are
// refused, each with its reason.
func TestCodeRotates(t *testing.T) {
	key, other := NewKey(), NewKey()
	c := Code(key, 7, t0)
	if len(c) != 42 || strings.ToUpper(c) != c {
		t.Fatalf("the code %q is not 42 upper-case characters", c)
	}
	if Code(key, 7, t0.Add(Step)) == c {
		t.Error("the next step shows the same code")
	}
	if Code(key, 7, t0.Add(Step-time.Second)) != c {
		t.Error("the code changed inside its step")
	}
	for _, tt := range []struct {
		name string
		key  []byte
		occ  int64
		code string
		now  time.Time
		want error
	}{
		{"AsShown", key, 7, c, t0, nil},
		{"TypedInLowerCase", key, 7, " " + strings.ToLower(c) + " ", t0, nil},
		{"ScannedAsItChanged", key, 7, c, t0.Add(Step + 10*time.Second), nil},
		{"Replayed a minute later", key, 7, c, t0.Add(2 * Step), ErrExpired},
		{"OtherOccasion", key, 8, c, t0, ErrOther},
		{"OtherKey", other, 7, c, t0, ErrForged},
		{"Altered", key, 7, c[:20] + flip(c[20]) + c[21:], t0, ErrForged},
		{"NotYetShown", key, 7, Code(key, 7, t0.Add(Step)), t0, ErrEarly},
		{"Truncated", key, 7, c[:30], t0, ErrMalformed},
		{"NotBase32", key, 7, "0" + c[1:], t0, ErrMalformed},
	} {
		if _, err := Verify(tt.key, tt.occ, tt.code, tt.now); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if occ, err := Occasion(c); err != nil || occ != 7 {
		t.Errorf("the occasion a code names: %d %v", occ, err)
	}
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// TestFence: a position inside the radius counts, one just outside counts
// only within its stated accuracy, and a vague position gets no more than
// MaxSlack of benefit.
func TestFence(t *testing.T) {
	f := Fence{Centre: Place{Lat: 28.682, Lon: 115.857}, Radius: 150}
	north := func(m float64) Place { return Place{Lat: 28.682 + m/111_195, Lon: 115.857} }
	for _, tt := range []struct {
		name     string
		at       Place
		accuracy float64
		want     bool
	}{
		{"AtTheDoor", north(20), 10, true},
		{"JustOutsidePrecise", north(180), 10, false},
		{"JustOutsideVague", north(180), 50, true},
		{"FarButVeryVague", north(900), 2000, false},
	} {
		ok, d := f.Inside(tt.at, tt.accuracy)
		if ok != tt.want {
			t.Errorf("%s: inside %v at %.0f m, want %v", tt.name, ok, d, tt.want)
		}
	}
	if d := Metres(Place{28.682, 115.857}, north(1000)); d < 999 || d > 1001 {
		t.Errorf("1 km north measures %.1f m", d)
	}
}

// TestReview: each anomaly is flagged and its stay counts nothing; a
// clean stay counts its time inside the window.
func TestReview(t *testing.T) {
	r := Rules{Start: t0, End: t0.Add(2 * time.Hour), Grace: 15 * time.Minute, MinStay: 30 * time.Minute,
		Fence: &Fence{Centre: Place{28.682, 115.857}, Radius: 150}}
	here, far := &Place{28.6821, 115.857}, &Place{28.70, 115.857}
	scans := []Scan{
		{Person: 1, At: t0.Add(-10 * time.Minute), Device: "a", Place: here}, // clean, early within grace
		{Person: 1, Out: true, At: t0.Add(2*time.Hour + 5*time.Minute), Device: "a", Place: here},
		{Person: 2, At: t0.Add(5 * time.Minute), Device: "b"}, // never out
		{Person: 3, At: t0, Device: "c"},                      // ten minutes
		{Person: 3, Out: true, At: t0.Add(10 * time.Minute), Device: "c"},
		{Person: 4, At: t0, Device: "d"}, // 4 and 5 on one phone
		{Person: 5, At: t0.Add(time.Minute), Device: "d"},
		{Person: 4, Out: true, At: t0.Add(time.Hour), Device: "d"},
		{Person: 5, Out: true, At: t0.Add(time.Hour), Device: "d"},
		{Person: 6, At: t0, Device: "e", Place: far}, // 2 km away
		{Person: 6, Out: true, At: t0.Add(time.Hour), Device: "e", Place: here},
		{Person: 7, At: t0.Add(-time.Hour), Device: "f"}, // an hour early
		{Person: 7, Out: true, At: t0.Add(time.Hour), Device: "f"},
		{Person: 8, Out: true, At: t0.Add(time.Hour), Device: "g"}, // out without in: no stay
	}
	stays := Review(r, scans)
	want := map[int64][]Flag{1: nil, 2: {NoCheckout}, 3: {ShortStay}, 4: {SharedDevice}, 5: {SharedDevice}, 6: {Far}, 7: {OutsideWindow}}
	if len(stays) != len(want) {
		t.Fatalf("%d stays, want %d: %+v", len(stays), len(want), stays)
	}
	for _, s := range stays {
		w, ok := want[s.Person]
		if !ok || len(s.Flags) != len(w) || len(w) > 0 && s.Flags[0] != w[0] {
			t.Errorf("person %d: flags %v, want %v", s.Person, s.Flags, w)
		}
		if len(w) > 0 && s.Counted(r) != 0 {
			t.Errorf("person %d's flagged stay counts %v", s.Person, s.Counted(r))
		}
	}
	of := map[int64]Stay{}
	for _, s := range stays {
		of[s.Person] = s
	}
	if got := of[1].Counted(r); got != 2*time.Hour {
		t.Errorf("the clean stay counts %v, want the window's 2h", got)
	}
	if of[6].Far < 1900 {
		t.Errorf("the far check-in measured %.0f m", of[6].Far)
	}
}

// TestOverlapping: two occasions whose stays of one person overlap are
// both named; back to back are not.
func TestOverlapping(t *testing.T) {
	h := time.Hour
	got := Overlapping([]Span{{1, t0, t0.Add(2 * h)}, {2, t0.Add(h), t0.Add(3 * h)}, {3, t0.Add(3 * h), t0.Add(4 * h)}})
	if !got[1] || !got[2] || got[3] {
		t.Errorf("overlapping: %v, want 1 and 2", got)
	}
}

func BenchmarkVerify(b *testing.B) {
	key := NewKey()
	c := Code(key, 42, t0)
	for b.Loop() {
		if _, err := Verify(key, 42, c, t0); err != nil {
			b.Fatal(err)
		}
	}
}
