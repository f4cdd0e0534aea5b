package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "gr_session"

// LangCookie holds the chosen language.
const LangCookie = "gr_lang"

// Authenticator resolves credentials to an actor. Package account
// implements it; web declares it so it needs no import of account.
type Authenticator interface {
	// SessionActor returns the actor of a session token, or an
	// Unauthorized error for an unknown or expired session.
	SessionActor(ctx context.Context, token string) (*authz.Actor, error)
	// TokenActor returns the actor of an API token.
	TokenActor(ctx context.Context, token string) (*authz.Actor, error)
}

// ChainConfig configures the middleware chain.
type ChainConfig struct {
	Log         *slog.Logger
	Auth        Authenticator
	UI          *UI
	Secure      bool          // cookies only over TLS
	TrustProxy  bool          // take the client address from X-Forwarded-For
	Timeout     time.Duration // per-request deadline
	TileOrigins []string      // extra img-src origins for map tiles
	// BodyLimit gives the largest body a request may send; MaxBody when nil.
	BodyLimit func(*http.Request) int64
}

// Chain wraps h in the middleware every request passes, outermost first:
// request ID and client, access log, recover, security headers, body
// limit, cross-origin protection, authentication, CSRF, language, timeout.
func Chain(h http.Handler, c ChainConfig) http.Handler {
	h = withTimeout(h, c.Timeout)
	h = withLang(h)
	h = withAuth(h, c)
	h = withBodyLimit(h, c)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, c.UI, errs.E(errs.Forbidden, "err.cross_origin"))
	}))
	h = cop.Handler(h)
	h = withHeaders(h, c.TileOrigins)
	h = withRecover(h, c)
	h = withAccessLog(h, c.Log)
	h = withClient(h, c.TrustProxy)
	return h
}

func fail(w http.ResponseWriter, r *http.Request, ui *UI, err error) {
	if isAPIPath(r.URL.Path) || strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		WriteProblem(w, r, ui, err)
		return
	}
	ui.Error(w, r, err)
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func withClient(h http.Handler, trustProxy bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		if trustProxy {
			if f := r.Header.Get("X-Forwarded-For"); f != "" {
				ip = strings.TrimSpace(strings.Split(f, ",")[0])
			}
		}
		id := newID()
		w.Header().Set("X-Request-Id", id)
		h.ServeHTTP(w, r.WithContext(authz.WithClient(r.Context(), authz.Client{IP: ip, RequestID: id})))
	})
}

type logWriter struct {
	http.ResponseWriter
	code int
	n    int
}

func (w *logWriter) WriteHeader(c int) {
	if w.code == 0 {
		w.code = c
	}
	w.ResponseWriter.WriteHeader(c)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += n
	return n, err
}

func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logActor is where authentication, which runs inside the access log,
// leaves the actor for the log line.
type logActor struct{ id int64 }

type logActorKey struct{}

// noteActor tells the access log of the request who its actor is.
func noteActor(ctx context.Context, a *authz.Actor) {
	if la, ok := ctx.Value(logActorKey{}).(*logActor); ok && a != nil {
		la.id = a.UserID
	}
}

func withAccessLog(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lw := &logWriter{ResponseWriter: w}
		la := &logActor{}
		r = r.WithContext(context.WithValue(r.Context(), logActorKey{}, la))
		h.ServeHTTP(lw, r)
		if lw.code == 0 {
			lw.code = http.StatusOK
		}
		// The query string is left out: it may carry search terms.
		log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", lw.code),
			slog.Int("bytes", lw.n), slog.Duration("took", time.Since(start)),
			slog.String("request_id", authz.ClientFrom(r.Context()).RequestID),
			slog.Int64("actor_id", la.id))
	})
}

func withRecover(h http.Handler, c ChainConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				c.Log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()),
					"request_id", authz.ClientFrom(r.Context()).RequestID)
				fail(w, r, c.UI, errs.E(errs.Internal, "err.internal"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func withHeaders(h http.Handler, tiles []string) http.Handler {
	img := "'self' data: blob:"
	for _, t := range tiles {
		img += " " + t
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// CSRFToken derives the CSRF token of a session; it cannot be computed
// without the session token, which scripts cannot read (HttpOnly).
func CSRFToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("csrf"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func withAuth(h http.Handler, c ChainConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			h.ServeHTTP(w, r)
			return
		}
		if auth := r.Header.Get("Authorization"); auth != "" {
			tok, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				fail(w, r, c.UI, errs.E(errs.Unauthorized, "err.bad_authorization"))
				return
			}
			a, err := c.Auth.TokenActor(ctx, strings.TrimSpace(tok))
			if err != nil {
				fail(w, r, c.UI, err)
				return
			}
			// What a signed-in caller reads may hold personal data: no
			// cache (a proxy's or the browser's disk) keeps it.
			w.Header().Set("Cache-Control", "no-store")
			noteActor(ctx, a)
			h.ServeHTTP(w, r.WithContext(authz.WithActor(ctx, a)))
			return
		}
		ck, err := r.Cookie(SessionCookie)
		if err != nil || ck.Value == "" {
			h.ServeHTTP(w, r)
			return
		}
		a, err := c.Auth.SessionActor(ctx, ck.Value)
		if err != nil {
			// An unknown or expired session: forget the cookie and go on
			// anonymously; protected routes then ask for a login.
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
			if errs.CodeOf(err) == errs.Unauthorized && !isAPIPath(r.URL.Path) {
				Flash(w, "flash.session_expired")
				ctx = context.WithValue(ctx, flashKey{}, "flash.session_expired")
			} else if errs.CodeOf(err) != errs.Unauthorized {
				fail(w, r, c.UI, err)
				return
			}
			h.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		token := CSRFToken(ck.Value)
		if !safeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				got = r.PostFormValue("csrf")
			}
			if !hmac.Equal([]byte(got), []byte(token)) {
				fail(w, r, c.UI, errs.E(errs.Forbidden, "err.csrf"))
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		noteActor(ctx, a)
		ctx = authz.WithActor(ctx, a)
		ctx = context.WithValue(ctx, csrfKey{}, token)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func withLang(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.ZH
		if c, err := r.Cookie(LangCookie); err == nil {
			lang = i18n.Match(c.Value)
		}
		ctx := context.WithValue(r.Context(), langKey{}, lang)
		if c, err := r.Cookie(flashCookie); err == nil && r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
			ctx = context.WithValue(ctx, flashKey{}, c.Value)
			http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func withTimeout(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withBodyLimit refuses bodies over the limit with 413 before anything
// reads them, and caps bodies of unknown length.
func withBodyLimit(h http.Handler, c ChainConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int64(MaxBody)
		if c.BodyLimit != nil {
			n = c.BodyLimit(r)
		}
		if r.ContentLength > n {
			fail(w, r, c.UI, errs.E(errs.TooLarge, "err.too_large", strconv.FormatInt(n, 10)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}

// PreSessionCookie carries a random value before sign-in, so that the
// login form has a CSRF token too: without it a foreign site could sign a
// victim into the attacker's account (login CSRF).
const PreSessionCookie = "grassroots_pre"

// PreSessionCSRF returns the CSRF token for a form shown before sign-in,
// setting the pre-session cookie it derives from when there is none.
func PreSessionCSRF(w http.ResponseWriter, r *http.Request, secure bool) string {
	if ck, err := r.Cookie(PreSessionCookie); err == nil && len(ck.Value) == 32 {
		return CSRFToken(ck.Value)
	}
	v := newID() + newID()
	http.SetCookie(w, &http.Cookie{Name: PreSessionCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: 12 * 3600})
	return CSRFToken(v)
}

// CheckPreSessionCSRF reports whether a form posted before sign-in carries
// the token of its pre-session cookie.
func CheckPreSessionCSRF(r *http.Request) bool {
	ck, err := r.Cookie(PreSessionCookie)
	if err != nil || len(ck.Value) != 32 {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(CSRFToken(ck.Value)))
}
