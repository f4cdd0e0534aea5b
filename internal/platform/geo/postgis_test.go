package geo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// BenchmarkPostGISContains measures the same lookup as BenchmarkLocate15000
// — which of 15,000 grids holds a point — with PostGIS ST_Contains over a
// GiST index, one query per point as a server would ask it. It runs when
// TEST_POSTGIS_DSN names a database where CREATE EXTENSION postgis works
// (Debian: postgresql-15-postgis-3):
//
//	TEST_POSTGIS_DSN=postgres://postgres@127.0.0.1:5432/test go test ./internal/platform/geo -run '^$' -bench 'Locate15000|PostGIS'
func BenchmarkPostGISContains(b *testing.B) {
	dsn := os.Getenv("TEST_POSTGIS_DSN")
	if dsn == "" {
		b.Skip("TEST_POSTGIS_DSN not set")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS postgis`); err != nil {
		b.Skipf("no PostGIS: %v", err)
	}
	schema := fmt.Sprintf("bench_%d", rand.Int64())
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		b.Fatal(err)
	}
	defer db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+schema+`.grids (code TEXT PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	grids := cityGrids(15000)
	var vals []string
	var args []any
	flush := func() {
		if len(vals) == 0 {
			return
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO `+schema+`.grids (code, geom) VALUES `+strings.Join(vals, ","), args...); err != nil {
			b.Fatal(err)
		}
		vals, args = vals[:0], args[:0]
	}
	for code, p := range grids {
		n := len(args)
		vals = append(vals, fmt.Sprintf("($%d, ST_SetSRID(ST_GeomFromGeoJSON($%d), 4326))", n+1, n+2))
		args = append(args, code, p.GeoJSON())
		if len(vals) == 500 {
			flush()
		}
	}
	flush()
	if _, err := db.ExecContext(ctx, `CREATE INDEX ON `+schema+`.grids USING gist (geom); ANALYZE `+schema+`.grids`); err != nil {
		b.Fatal(err)
	}
	stmt, err := db.PrepareContext(ctx, `SELECT code FROM `+schema+`.grids WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) LIMIT 1`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	r := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	found := 0
	for b.Loop() {
		var code string
		err := stmt.QueryRowContext(ctx, 115.6+r.Float64()*0.6, 28.3+r.Float64()*0.6).Scan(&code)
		if err == nil {
			found++
		} else if err != sql.ErrNoRows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	if found == 0 {
		b.Fatal("nothing found")
	}
}
