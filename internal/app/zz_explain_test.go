package app

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"grassroots/internal/platform/db"
)

func TestZZExplain(t *testing.T) {
	path := os.Getenv("EXPLAIN_DB")
	if path == "" {
		t.Skip()
	}
	d, err := db.Open(context.Background(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, q := range []struct {
		s    string
		args []any
	}{
		{`SELECT c.id FROM cases c WHERE substr(c.region_code, 1, 4) = ? AND c.status IN ('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified') AND c.step_due_at < ? ORDER BY c.step_due_at DESC, c.id DESC LIMIT 51`, []any{"3601", now}},
		{`SELECT COALESCE(SUM(CASE WHEN c.step_due_at < ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN c.step_due_at >= ? AND c.step_warn_at <= ? THEN 1 ELSE 0 END), 0) FROM cases c WHERE c.step_due_at IS NOT NULL AND c.status IN ('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified') AND c.region_code >= ? AND c.region_code < ?`, []any{now, now, now, "3601", "3602"}},
		{`SELECT substr(region_code, 1, ?), status, SUM(n) FROM case_counts WHERE region_code >= ? AND region_code < ? GROUP BY 1, 2`, []any{6, "3601", "3602"}},
		{`SELECT month, class, SUM(n) FROM case_month_counts WHERE region_code >= ? AND region_code < ? AND month >= ? GROUP BY month, class`, []any{"3601", "3602", "2025-12"}},
	} {
		rows, err := d.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q.s, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c int
			var detail string
			rows.Scan(&a, &b, &c, &detail)
			fmt.Println("  ", detail)
		}
		rows.Close()
		t0 := time.Now()
		r2, err := d.QueryContext(context.Background(), q.s, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for r2.Next() {
			n++
		}
		r2.Close()
		fmt.Println(time.Since(t0), n, "rows")
	}
}
