package registry

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"grassroots/internal/platform/db"
)

// surnames are family names read otherwise than their character's
// common reading, which is all go-pinyin knows: 曾 is céng in 曾经 but
// Zēng as a name, 覃 tán but Qín, 单 dān but Shàn. The first character(s)
// of a name are read with this table, compound surnames first, so that
// 曾小明 is found by "zxm" as people say it. Readings are toneless
// pinyin, one syllable per character; a few (华 Huà, 任 Rén, 纪 Jǐ, 燕
// Yān, 过 Guō, 宿 Sù, 冼 Xiǎn, 眭 Suī) differ from the common reading only
// in tone and are listed so that the table is the whole list.
var surnames = map[string][]string{
	// Compound surnames.
	"尉迟": {"yu", "chi"}, "万俟": {"mo", "qi"}, "长孙": {"zhang", "sun"}, "澹台": {"tan", "tai"},
	"令狐": {"ling", "hu"}, "单于": {"chan", "yu"}, "乐正": {"yue", "zheng"},
	// Single surnames.
	"曾": {"zeng"}, "覃": {"qin"}, "单": {"shan"}, "解": {"xie"}, "仇": {"qiu"}, "区": {"ou"},
	"朴": {"piao"}, "查": {"zha"}, "盖": {"ge"}, "乐": {"yue"}, "种": {"chong"}, "缪": {"miao"},
	"翟": {"zhai"}, "繁": {"po"}, "秘": {"bi"}, "黑": {"he"}, "员": {"yun"}, "召": {"shao"},
	"眭": {"sui"}, "隗": {"wei"}, "能": {"nai"}, "洗": {"xian"}, "冼": {"xian"}, "过": {"guo"},
	"华": {"hua"}, "任": {"ren"}, "纪": {"ji"}, "燕": {"yan"}, "重": {"chong"}, "折": {"she"},
	"宿": {"su"}, "句": {"gou"}, "阚": {"kan"}, "藏": {"zang"}, "都": {"du"}, "角": {"jue"},
	"蕃": {"pi"}, "祭": {"zhai"}, "粘": {"nian"}, "番": {"pan"}, "薄": {"bo"}, "卜": {"bu"},
}

// surnameInitials returns the initials of the surname name starts with
// when the table knows it (a compound surname before a single one), and
// the rest of the name.
func surnameInitials(name string) (initials, rest string, ok bool) {
	for _, n := range []int{2, 1} {
		end := 0
		for i := 0; i < n; i++ {
			_, size := utf8.DecodeRuneInString(name[end:])
			if size == 0 {
				break
			}
			end += size
		}
		if sy, found := surnames[name[:end]]; found && utf8.RuneCountInString(name[:end]) == n {
			var b strings.Builder
			for _, s := range sy {
				b.WriteByte(s[0])
			}
			return b.String(), name[end:], true
		}
	}
	return "", name, false
}

// ReindexInitials recomputes the stored pinyin initials of the people
// whose name starts with a surname of the table, so that a database
// indexed before the table was there is corrected; it runs once, as a
// data migration, a thousand people per transaction. It changes only
// the rows whose initials differ.
func (s *Service) ReindexInitials(ctx context.Context) error {
	firsts := map[string]bool{}
	for sur := range surnames {
		r, _ := utf8.DecodeRuneInString(sur)
		firsts[string(r)] = true
	}
	args := []any{}
	marks := make([]string, 0, len(firsts))
	for f := range firsts {
		args = append(args, f)
		marks = append(marks, "?")
	}
	var after int64
	for {
		type row struct {
			id             int64
			name, initials string
		}
		rows, err := db.Collect(ctx, s.db, `/* registry.ReindexInitials */ SELECT id, name, name_initials FROM registry_people
			WHERE substr(name, 1, 1) IN (`+strings.Join(marks, ", ")+`) AND id > ? ORDER BY id LIMIT 1000`, append(args, after),
			func(r db.Scanner) (row, error) {
				var x row
				err := r.Scan(&x.id, &x.name, &x.initials)
				return x, err
			})
		if err != nil || len(rows) == 0 {
			return err
		}
		after = rows[len(rows)-1].id
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, x := range rows {
				if in := Initials(x.name); in != x.initials {
					if _, err := tx.ExecContext(ctx, `/* registry.ReindexInitials */ UPDATE registry_people SET name_initials = ? WHERE id = ?`, in, x.id); err != nil {
						return fmt.Errorf("registry: reindex person %d: %w", x.id, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}
