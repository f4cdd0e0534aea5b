package admission

import (
	"context"
	"fmt"
	"strings"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/territory"
)

// Metrics are the burden figures kept per community, level, department
// and month. Stored; do not rename.
var Metrics = []string{
	"tasks",       // tasks received (with their estimated hours)
	"form",        // of them: forms and ledgers (报表台账)
	"signboard",   // signboards (挂牌)
	"survey",      // surveys (调查统计)
	"inspection",  // special inspections (专项检查)
	"assessment",  // assessments and rankings (考核评比)
	"emergency",   // emergency passes (紧急事项)
	"misused",     // of them: found on review not to have been emergencies (紧急通道不成立)
	"offlist",     // off-list requests filed for approval (清单外申请)
	"refused",     // requests refused at once (negative items, judging)
	"declined",    // tasks declined as not on the list (退回)
	"certificate", // certificates issued (出具证明)
}

// tally gathers count changes in memory and writes them in one pass:
// every change at the community, its subdistrict, district and city, and
// for all departments (0) and the department it concerns.
type tally struct {
	rows map[tallyKey]*tallyVal
}

type tallyKey struct {
	month, region, metric string
	dept                  int64
}

type tallyVal struct {
	n     int64
	hours float64
}

// add counts n (and hours) of metric for community in month, concerning
// department dept (0: none).
func (t *tally) add(month, community string, dept int64, metric string, n int64, hours float64) {
	if t.rows == nil {
		t.rows = map[tallyKey]*tallyVal{}
	}
	for _, l := range []int{12, 9, 6, territory.CityCodeLen(community)} {
		if len(community) < l {
			continue
		}
		for _, d := range []int64{0, dept} {
			k := tallyKey{month, community[:l], metric, d}
			v := t.rows[k]
			if v == nil {
				v = &tallyVal{}
				t.rows[k] = v
			}
			v.n += n
			v.hours += hours
			if dept == 0 {
				break
			}
		}
	}
}

// flush writes the tally in tx.
func (t *tally) flush(ctx context.Context, tx *db.Tx) error {
	const chunk = 200
	var args []any
	n := 0
	write := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `/* admission.count */ INSERT INTO admission_counts (month, region_code, dept_id, metric, n, hours) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")+`
			ON CONFLICT (region_code, month, dept_id, metric) DO UPDATE SET n = admission_counts.n + excluded.n, hours = admission_counts.hours + excluded.hours`, args...)
		args, n = args[:0], 0
		if err != nil {
			return fmt.Errorf("admission: counts: %w", err)
		}
		return nil
	}
	for k, v := range t.rows {
		args = append(args, k.month, k.region, k.dept, k.metric, v.n, v.hours)
		n++
		if n == chunk {
			if err := write(); err != nil {
				return err
			}
		}
	}
	t.rows = nil
	return write()
}

// taskMetrics counts one task of kind with hours for a community.
func (t *tally) task(at time.Time, community string, dept int64, kind string, hours float64, emergency bool) {
	m := month(at)
	t.add(m, community, dept, "tasks", 1, hours)
	switch kind {
	case "form", "signboard", "survey", "inspection", "assessment":
		t.add(m, community, dept, kind, 1, hours)
	}
	if emergency {
		t.add(m, community, dept, "emergency", 1, hours)
	}
}
