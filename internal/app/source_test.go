package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceRules keeps scope impossible to forget: no code below a
// service reads the actor from the context (store.go files take an
// explicit authz.Scope), and no code forges an actor; system work runs as
// authz.System(name), which the audit records by name.
func TestSourceRules(t *testing.T) {
	root := filepath.Join("..", "..", "internal")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if filepath.Base(path) == "store.go" && (strings.Contains(src, "authz.ScopeFrom(") || strings.Contains(src, "authz.ActorFrom(")) {
			t.Errorf("%s reads the actor from the context: a store takes the scope as an argument", rel)
		}
		if strings.Contains(src, "&authz.Actor{") && !strings.HasPrefix(rel, "platform/authz/") && rel != "account/service.go" {
			t.Errorf("%s forges an actor: use the account's actor (Accounts.ActorFor) or authz.System(name)", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
