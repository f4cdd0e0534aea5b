package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grassroots/internal/platform/authz"
)

type fakeAuth struct{}

func (fakeAuth) SessionActor(context.Context, string) (*authz.Actor, error) {
	return &authz.Actor{UserID: 7, Username: "by-session"}, nil
}

func (fakeAuth) TokenActor(_ context.Context, tok string) (*authz.Actor, error) {
	if tok != "good" {
		return nil, errors.New("bad token")
	}
	return &authz.Actor{UserID: 42, Username: "by-token"}, nil
}

// TestAccessLogNamesTheActor: the access log runs outside authentication,
// yet every line says who made the request.
func TestAccessLogNamesTheActor(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		ChainConfig{Log: log, Auth: fakeAuth{}})
	for _, tt := range []struct {
		name, want string
		prep       func(*http.Request)
	}{
		{"Token", "actor_id=42", func(r *http.Request) { r.Header.Set("Authorization", "Bearer good") }},
		{"Session", "actor_id=7", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "s"}) }},
		{"Anonymous", "actor_id=0", func(*http.Request) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			r := httptest.NewRequest("GET", "/api/v1/x", nil)
			tt.prep(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !strings.Contains(logs.String(), tt.want) {
				t.Fatalf("access log %q lacks %s", logs.String(), tt.want)
			}
			if tt.name != "Anonymous" && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("a signed-in answer may be cached: Cache-Control %q", w.Header().Get("Cache-Control"))
			}
		})
	}
}
