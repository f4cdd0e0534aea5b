package registry

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/platform/dbtest"
	"grassroots/internal/territory"
)

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"张三": "zs", "欧阳明月": "oymy", "李4号": "l4h", "王（演示）": "wys", "Tom": "tom", "": ""} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInitialsSurnames reads the first character(s) of a name as a
// surname: 曾 zeng (not ceng), 覃 qin (not tan), compound surnames first.
func TestInitialsSurnames(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"曾小明", "zxm"}, {"覃明", "qm"}, {"单雄信", "sxx"}, {"解缙", "xj"}, {"仇英", "qy"}, {"区健", "oj"},
		{"朴树", "ps"}, {"查良镛", "zly"}, {"盖聂", "gn"}, {"乐毅", "yy"}, {"种师道", "csd"}, {"缪斯", "ms"},
		{"翟志刚", "zzg"}, {"繁钦", "pq"}, {"秘丽", "bl"}, {"黑旋", "hx"}, {"员半千", "ybq"}, {"召忽", "sh"},
		{"隗嚣", "wx"}, {"能静", "nj"}, {"洗夫人", "xfr"}, {"重耳", "ce"}, {"折克行", "skx"},
		{"尉迟恭", "ycg"}, {"万俟卨", "mqx"}, {"长孙无忌", "zswj"}, {"澹台灭明", "ttmm"}, {"令狐冲", "lhc"},
		{"单于", "cy"}, {"尉缭", "wl"},
		// Only the surname is read so: 曾 later in a name keeps its common reading.
		{"李曾", "lc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Initials(tt.name); got != tt.want {
				t.Errorf("Initials(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// TestReindexInitials: rows indexed before the surname table are
// corrected, the others left alone.
func TestReindexInitials(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t, nil, territory.Migrations(), Migrations())
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	if _, err := d.ExecContext(ctx, `INSERT INTO territory_regions (code, name, level, updated_at) VALUES ('3601', '南昌市', 'city', ?)`, now); err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{"曾小明": "cxm", "覃明": "tm", "尉迟恭": "wcg", "张三": "zs", "单雄信": "sxx"}
	for name, in := range stored {
		if _, err := d.ExecContext(ctx, `INSERT INTO registry_people (region_code, name, name_initials, id_enc, id_hash, id_masked, birth_date, sex,
			relation, residence, created_at, updated_at) VALUES ('3601', ?, ?, '', ?, '', '1990-01-01', 'male', 'head', 'registered', ?, ?)`,
			name, in, "h-"+name, now, now); err != nil {
			t.Fatal(err)
		}
	}
	s := &Service{db: d}
	if err := s.ReindexInitials(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	rows, err := d.QueryContext(ctx, `SELECT name, name_initials FROM registry_people`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, in string
		if err := rows.Scan(&n, &in); err != nil {
			t.Fatal(err)
		}
		got[n] = in
	}
	want := map[string]string{"曾小明": "zxm", "覃明": "qm", "尉迟恭": "ycg", "张三": "zs", "单雄信": "sxx"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("initials after the re-index (-want +got):\n%s", d)
	}
}
