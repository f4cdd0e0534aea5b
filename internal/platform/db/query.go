package db

import (
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
)

// Query builds a SELECT with a WHERE clause from parts. It exists for
// conditions only: the rest of the SQL is written by hand.
type Query struct {
	base  string
	conds []string
	args  []any
	tail  string
	targs []any
	// walk, levels: see Ordered.
	walk   bool
	levels map[string]map[int]string
}

// Ordered marks a query that reads rows in key order and stops at a LIMIT
// (newest first lists). A wide subtree (a district or more: codes of up
// to 6 digits, or 9 where levels has no column) then matches by a prefix
// comparison no index range serves, so the planner walks the key order
// and stops after a page, instead of reading and sorting a whole district
// or city. levels maps a region column to columns holding its code cut to
// a length (e.g. 9 → the subdistrict's code): a subtree of that length
// becomes an equality on that column, which an index (column, key) serves
// in order. Other narrow subtrees keep the index range.
func (q *Query) Ordered(levels ...Level) *Query {
	q.walk = true
	for _, l := range levels {
		if q.levels == nil {
			q.levels = map[string]map[int]string{}
		}
		if q.levels[l.Of] == nil {
			q.levels[l.Of] = map[int]string{}
		}
		q.levels[l.Of][l.Len] = l.Col
	}
	return q
}

// leafLen is the length of a grid's code, the longest region code: nothing
// lies below a grid.
const leafLen = 15

// Level is a column holding the first Len characters of region column Of.
type Level struct {
	Of  string
	Len int
	Col string
}

// NewQuery starts a query from its SELECT … FROM part.
func NewQuery(base string, args ...any) *Query {
	return &Query{base: base, args: args}
}

// And adds a condition joined with AND.
func (q *Query) And(cond string, args ...any) *Query {
	q.conds = append(q.conds, cond)
	q.args = append(q.args, args...)
	return q
}

// Scope limits rows to the scope's region subtree (regionCol holds a region
// code) and, when the scope is bound to a department and deptCol is not
// empty, to that department. This and ScopeWithAncestors are the only code
// that writes scope SQL.
func (q *Query) Scope(sc authz.Scope, regionCol, deptCol string) *Query {
	return q.scope(sc, regionCol, deptCol, false)
}

// ScopeWithAncestors is Scope, but also admits rows whose region is an
// ancestor of the scope's root: things that serve the actor's area from
// above, such as a district department seen from a subdistrict.
func (q *Query) ScopeWithAncestors(sc authz.Scope, regionCol, deptCol string) *Query {
	return q.scope(sc, regionCol, deptCol, true)
}

func (q *Query) scope(sc authz.Scope, regionCol, deptCol string, ancestors bool) *Query {
	if sc.All {
		return q
	}
	roots := sc.Roots()
	if len(roots) == 0 {
		return q.And("1 = 0")
	}
	var conds []string
	var args []any
	for _, root := range roots {
		c, a := q.under(regionCol, root)
		conds, args = append(conds, c), append(args, a...)
		if ancestors {
			conds = append(conds, "substr(?, 1, length("+regionCol+")) = "+regionCol)
			args = append(args, root)
		}
	}
	cond := conds[0]
	if len(conds) > 1 {
		cond = "(" + strings.Join(conds, ") OR (") + ")"
	}
	q.And(cond, args...)
	if sc.Department != 0 && deptCol != "" {
		q.And(deptCol+" = ?", sc.Department)
	}
	return q
}

// ScopeMatch is Scope for rows a department reaches in more than one way:
// deptCond is a condition with n placeholders, each bound to the scope's
// department (e.g. "t.dept_id = ? OR EXISTS (… p.dept_id = ?)").
func (q *Query) ScopeMatch(sc authz.Scope, regionCol, deptCond string, n int) *Query {
	q.scope(sc, regionCol, "", false)
	if !sc.All && len(sc.Roots()) > 0 && sc.Department != 0 {
		args := make([]any, n)
		for i := range args {
			args[i] = sc.Department
		}
		q.And(deptCond, args...)
	}
	return q
}

// Under limits rows to the region subtree rooted at root (col holds a
// region code). It narrows a query; it is not a scope check.
func (q *Query) Under(col, root string) *Query {
	cond, args := q.under(col, root)
	return q.And(cond, args...)
}

// under is the range condition for a region subtree: codes sort under their
// prefix, so an index on col serves it. In an Ordered query a wide subtree
// is a prefix comparison instead.
func (q *Query) under(col, root string) (string, []any) {
	if c, ok := q.levels[col][len(root)]; ok {
		return c + " = ?", []any{root}
	}
	if len(root) == leafLen {
		// A grid's subtree is the grid: an equality, which the planner
		// reads as one key of an index on (col, …) after any equality
		// before it (status, region_code), where a range it would not.
		return col + " = ?", []any{root}
	}
	if q.walk && len(root) <= 9 {
		return "substr(" + col + ", 1, " + strconv.Itoa(len(root)) + ") = ?", []any{root}
	}
	lo, hi := authz.PrefixRange(root)
	if hi == "" {
		return col + " >= ?", []any{lo}
	}
	return col + " >= ? AND " + col + " < ?", []any{lo, hi}
}

// Tail sets what follows the WHERE clause (GROUP BY, ORDER BY, LIMIT).
func (q *Query) Tail(s string, args ...any) *Query {
	q.tail = s
	q.targs = args
	return q
}

// SQL returns the query text and its arguments.
func (q *Query) SQL() (string, []any) {
	var b strings.Builder
	b.WriteString(q.base)
	for i, c := range q.conds {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString("(" + c + ")")
	}
	if q.tail != "" {
		b.WriteString(" " + q.tail)
	}
	return b.String(), append(append([]any{}, q.args...), q.targs...)
}
