package cases

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// Settings are the city's evaluation weights and the duplicate search.
type Settings struct {
	WResponse     float64   `json:"w_response" doc:"weight of the response rate; default 0.1"`
	WResolution   float64   `json:"w_resolution" doc:"weight of the resolution rate; default 0.5"`
	WSatisfaction float64   `json:"w_satisfaction" doc:"weight of the satisfaction rate; default 0.4"`
	BasicFactor   float64   `json:"basic_factor" doc:"how much a 'basically satisfied' counts; default 0.9"`
	DedupMetres   int       `json:"dedup_metres" doc:"open cases of the same category this close are offered for merging"`
	DedupDays     int       `json:"dedup_days" doc:"… if reported within this many days"`
	WarnShare     float64   `json:"warn_share" doc:"a step is about to be overdue in the last share of its time; default 0.25"`
	UpdatedBy     string    `json:"updated_by,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func readSettings(ctx context.Context, q db.Querier) (Settings, error) {
	var st Settings
	err := q.QueryRowContext(ctx, `/* cases.settings */ SELECT w_response, w_resolution, w_satisfaction, basic_factor, dedup_metres, dedup_days, warn_share, updated_by, updated_at
		FROM case_settings WHERE id = 1`).Scan(&st.WResponse, &st.WResolution, &st.WSatisfaction, &st.BasicFactor, &st.DedupMetres, &st.DedupDays,
		&st.WarnShare, &st.UpdatedBy, &st.UpdatedAt)
	if err != nil {
		return st, fmt.Errorf("cases: settings: %w", err)
	}
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, nil
}

// Settings returns the settings in force.
func (s *Service) Settings() Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings
}

// PutSettings changes the settings: the three weights must add up to 1.
func (s *Service) PutSettings(ctx context.Context, in Settings) (Settings, error) {
	var fe errs.Fields
	for _, w := range []struct {
		f string
		v float64
	}{{"w_response", in.WResponse}, {"w_resolution", in.WResolution}, {"w_satisfaction", in.WSatisfaction}, {"basic_factor", in.BasicFactor}} {
		if math.IsNaN(w.v) || w.v < 0 || w.v > 1 {
			fe.Add(w.f, "rule.range", "0–1")
		}
	}
	if sum := in.WResponse + in.WResolution + in.WSatisfaction; math.Abs(sum-1) > 0.001 {
		fe.Add("w_satisfaction", "rule.weights_sum", strconv.FormatFloat(sum, 'f', 2, 64))
	}
	if in.DedupMetres < 0 || in.DedupMetres > 5000 {
		fe.Add("dedup_metres", "rule.range", "0–5000")
	}
	if in.DedupDays < 0 || in.DedupDays > 90 {
		fe.Add("dedup_days", "rule.range", "0–90")
	}
	if math.IsNaN(in.WarnShare) || in.WarnShare < 0.05 || in.WarnShare > 0.9 {
		fe.Add("warn_share", "rule.range", "0.05–0.9")
	}
	if err := fe.Err(); err != nil {
		return Settings{}, err
	}
	a := authz.ActorFrom(ctx)
	before := s.Settings()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		in.UpdatedBy, in.UpdatedAt = a.Username, tx.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE case_settings SET w_response = ?, w_resolution = ?, w_satisfaction = ?, basic_factor = ?,
			dedup_metres = ?, dedup_days = ?, warn_share = ?, updated_by = ?, updated_at = ? WHERE id = 1`,
			in.WResponse, in.WResolution, in.WSatisfaction, in.BasicFactor, in.DedupMetres, in.DedupDays, in.WarnShare, in.UpdatedBy, in.UpdatedAt); err != nil {
			return fmt.Errorf("cases: settings: %w", err)
		}
		change.Touch(tx, TopicConfig)
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.settings.put", ObjectType: "case_settings", ObjectID: "1",
			Region: a.Scope.Region, Before: before, After: in})
	})
	if err != nil {
		return Settings{}, err
	}
	s.mu.Lock()
	s.settings = in
	s.mu.Unlock()
	return in, nil
}

// Levels a ranking groups by.
var Levels = []string{"subdistrict", "community", "department", "property", "whistle"}

// Score is one unit's month.
type Score struct {
	Key          string   `json:"key" doc:"region code, department id or property company name"`
	Name         string   `json:"name"`
	Cases        int      `json:"cases"`
	Dispatched   int      `json:"dispatched"`
	Responded    int      `json:"responded_on_time"`
	Rated        int      `json:"rated"`
	Resolved     int      `json:"resolved"`
	Satisfied    int      `json:"satisfied" doc:"very satisfied or satisfied"`
	Basic        int      `json:"basically_satisfied"`
	Due          int      `json:"due" doc:"cases whose handling time limit has passed or that were handled"`
	OnTime       int      `json:"handled_on_time"`
	ClosedDue    int      `json:"closed"`
	Reworked     int      `json:"reworked"`
	SelfHandled  int      `json:"self_handled" doc:"problems grid workers fixed on the spot (自行处置): counted apart, in no other figure or rate"`
	Response     *float64 `json:"response_rate,omitempty"`
	Resolution   *float64 `json:"resolution_rate,omitempty"`
	Satisfaction *float64 `json:"satisfaction_rate,omitempty"`
	OnTimeRate   *float64 `json:"on_time_rate,omitempty" doc:"GB/T 30428: handled on time / due"`
	ClosingRate  *float64 `json:"closing_rate,omitempty" doc:"GB/T 30428: closed / due to close"`
	ReworkRate   *float64 `json:"rework_rate,omitempty" doc:"GB/T 30428: reworked / due to close"`
	Composite    float64  `json:"composite" doc:"0–100: weighted response, resolution and satisfaction rates; a rate without cases is left out and the others reweighted"`
	// Missing names the rates the composite leaves out for want of cases
	// (response, resolution, satisfaction).
	Missing []string `json:"missing,omitempty" doc:"the rates left out of the composite for want of cases: response, resolution, satisfaction"`
	// Scored: the composite rests on at least one rate; a unit without
	// any is listed last, unranked.
	Scored bool `json:"scored" doc:"the composite rests on at least one rate; a unit without any is listed last, unranked"`
	Rank   int  `json:"rank" doc:"0: not ranked, having no case but self-handled ones"`
}

// Ranking is a month's ranking of one level.
type Ranking struct {
	Month    string   `json:"month"`
	Level    string   `json:"level"`
	Settings Settings `json:"settings"`
	Scores   []Score  `json:"scores"`
}

// ParseMonth reads YYYY-MM as the month in China Standard Time.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, cst)
	if err != nil {
		return time.Time{}, errs.Field("month", "rule.month", "YYYY-MM")
	}
	return t, nil
}

// Rank scores the units of level for the cases received in month (the
// month's cohort), in the actor's scope, best first.
func (s *Service) Rank(ctx context.Context, month, level string) (Ranking, error) {
	start, err := ParseMonth(month)
	if err != nil {
		return Ranking{}, err
	}
	if !slices.Contains(Levels, level) {
		return Ranking{}, errs.Field("level", "rule.one_of", strings.Join(Levels, ", "))
	}
	end := start.AddDate(0, 1, 0)
	if level == "whistle" {
		return s.rankWhistles(ctx, month, start, end)
	}
	key := map[string]string{
		"subdistrict": "substr(c.region_code, 1, 9)",
		"community":   "substr(c.region_code, 1, 12)",
		"department":  "CAST(c.dept_id AS TEXT)",
		"property":    "c.unit_name",
	}[level]
	now := s.db.Now()
	// Problems fixed on the spot are counted apart: every other figure
	// is of the cases that went through the workflow.
	const wf = "c.self_handled = FALSE AND "
	qb := db.NewQuery(`/* cases.rank */ SELECT `+key+`, SUM(CASE WHEN c.self_handled = FALSE THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.respond_due_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.acknowledged_at IS NOT NULL AND c.acknowledged_at <= c.respond_due_at THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.rated_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.rated_at IS NOT NULL AND c.resolved = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.satisfaction IN ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.satisfaction = 'basic' THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.handle_due_at IS NOT NULL AND (c.handled_at IS NOT NULL OR c.handle_due_at < ?) THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.handled_at IS NOT NULL AND c.handled_at <= c.handle_due_at THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.status = 'closed' AND c.handle_due_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+wf+`c.rework > 0 AND c.handle_due_at IS NOT NULL AND (c.handled_at IS NOT NULL OR c.handle_due_at < ?) THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.self_handled = TRUE THEN 1 ELSE 0 END)
		FROM cases c`, true, now, now).
		And("c.created_at >= ? AND c.created_at < ?", start.UTC(), end.UTC()).
		And("c.status NOT IN ('rejected', 'merged')")
	switch level {
	case "department":
		qb.And("c.unit_kind = 'department'")
	case "property":
		qb.And("c.unit_kind = 'property'")
	}
	scopeCases(qb, authz.ScopeFrom(ctx))
	q, args := qb.Tail("GROUP BY " + key).SQL()
	scores, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Score, error) {
		var x Score
		err := r.Scan(&x.Key, &x.Cases, &x.Dispatched, &x.Responded, &x.Rated, &x.Resolved, &x.Satisfied, &x.Basic,
			&x.Due, &x.OnTime, &x.ClosedDue, &x.Reworked, &x.SelfHandled)
		return x, err
	})
	if err != nil {
		return Ranking{}, fmt.Errorf("cases: rank: %w", err)
	}
	st := s.Settings()
	for i := range scores {
		scores[i].score(st)
	}
	return s.ranked(ctx, month, level, "", scores)
}

// ranked orders scores best first, numbers them and names their units
// (as names, the units of nameLevel when set).
func (s *Service) ranked(ctx context.Context, month, level, nameLevel string, scores []Score) (Ranking, error) {
	// A unit without a rate (its only cases fixed on the spot, or none
	// of its cases dispatched yet) has no score to rank by: it is listed
	// last, unranked, for its figures.
	rankable := func(x Score) int {
		if x.Cases > 0 && x.Scored {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(scores, func(a, b Score) int {
		if c := cmp.Compare(rankable(b), rankable(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Composite, a.Composite); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	for i := range scores {
		if rankable(scores[i]) == 1 {
			scores[i].Rank = i + 1
		}
	}
	if nameLevel == "" {
		nameLevel = level
	}
	if err := s.nameScores(ctx, nameLevel, scores); err != nil {
		return Ranking{}, err
	}
	if scores == nil {
		scores = []Score{}
	}
	return Ranking{Month: month, Level: level, Settings: s.Settings(), Scores: scores}, nil
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// score computes the rates and the composite.
func (x *Score) score(st Settings) {
	x.Response = ratio(x.Responded, x.Dispatched)
	x.Resolution = ratio(x.Resolved, x.Rated)
	if x.Rated > 0 {
		v := (float64(x.Satisfied) + st.BasicFactor*float64(x.Basic)) / float64(x.Rated)
		x.Satisfaction = &v
	}
	x.OnTimeRate = ratio(x.OnTime, x.Due)
	x.ClosingRate = ratio(x.ClosedDue, x.Due)
	x.ReworkRate = ratio(x.Reworked, x.Due)
	x.Composite, x.Missing, x.Scored = composite(rate{"response", x.Response, st.WResponse}, rate{"resolution", x.Resolution, st.WResolution},
		rate{"satisfaction", x.Satisfaction, st.WSatisfaction})
}

// rate is one weighted part of a composite score (nil: no cases).
type rate struct {
	name string // its column: rank.<name>
	v    *float64
	w    float64
}

// composite is the weighted mean of the rates that have cases, 0–100,
// the names of the weighted rates it leaves out, and whether any rate
// had cases.
func composite(rates ...rate) (float64, []string, bool) {
	var sum, weights float64
	var missing []string
	for _, r := range rates {
		switch {
		case r.v != nil:
			sum += *r.v * r.w
			weights += r.w
		case r.w > 0:
			missing = append(missing, r.name)
		}
	}
	if weights == 0 {
		return 0, missing, false
	}
	return math.Round(sum/weights*10000) / 100, missing, true
}

// nameScores fills the names of the units: divisions and departments the
// actor sees, property companies by their own name.
func (s *Service) nameScores(ctx context.Context, level string, scores []Score) error {
	names := map[string]string{}
	switch level {
	case "subdistrict", "community":
		lv := territory.LevelSubdistrict
		if level == "community" {
			lv = territory.LevelCommunity
		}
		rs, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Level: lv, Limit: 100000})
		if err != nil {
			return err
		}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
	case "department":
		ds, err := s.deps.Territory.UnscopedDepartments(ctx, 0, 100000)
		if err != nil {
			return err
		}
		for _, d := range ds {
			names[strconv.FormatInt(d.ID, 10)] = d.Name
		}
	}
	for i := range scores {
		if n, ok := names[scores[i].Key]; ok {
			scores[i].Name = n
		} else {
			scores[i].Name = scores[i].Key
		}
	}
	return nil
}

// P formats a rate as a percentage for pages ("—" when there is none).
func (x Score) P(v *float64) string { return pct(v) }

// rankWhistles scores the departments called by whistles blown in the
// month: reported in time (Response), arrived or acted (OnTimeRate is
// not used), fed back (ClosingRate) and the communities' mean rating
// (Satisfaction, rating / 5). The composite weighs them 40 / 30 / 30.
func (s *Service) rankWhistles(ctx context.Context, month string, start, end time.Time) (Ranking, error) {
	qb := db.NewQuery(`/* cases.rankWhistles */ SELECT CAST(p.dept_id AS TEXT), COUNT(*),
		SUM(CASE WHEN p.reported_at IS NOT NULL AND p.reported_at <= p.report_due_at THEN 1 ELSE 0 END),
		SUM(CASE WHEN p.feedback_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN p.rating IS NOT NULL THEN 1 ELSE 0 END), COALESCE(SUM(p.rating), 0)
		FROM case_whistle_parties p JOIN case_whistles w ON w.id = p.whistle_id`).
		And("w.created_at >= ? AND w.created_at < ?", start.UTC(), end.UTC()).
		// A call taken back is no department's to answer.
		And("p.withdrawn_at IS NULL AND w.withdrawn_at IS NULL").
		ScopeMatch(authz.ScopeFrom(ctx), "w.region_code", "p.dept_id = ?", 1)
	q, args := qb.Tail("GROUP BY p.dept_id").SQL()
	scores, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Score, error) {
		var x Score
		var ratings, sum int
		err := r.Scan(&x.Key, &x.Cases, &x.Responded, &x.ClosedDue, &ratings, &sum)
		x.Dispatched, x.Due, x.Rated = x.Cases, x.Cases, ratings
		x.Response, x.ClosingRate = ratio(x.Responded, x.Cases), ratio(x.ClosedDue, x.Cases)
		if ratings > 0 {
			v := float64(sum) / float64(ratings) / 5
			x.Satisfaction = &v
		}
		x.Composite, x.Missing, x.Scored = composite(rate{"response", x.Response, 0.4}, rate{"closing", x.ClosingRate, 0.3}, rate{"satisfaction", x.Satisfaction, 0.3})
		return x, err
	})
	if err != nil {
		return Ranking{}, fmt.Errorf("cases: rank whistles: %w", err)
	}
	return s.ranked(ctx, month, "whistle", "department", scores)
}
