package npm

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/ccg-project/ccg/registry"
	"github.com/ccg-project/ccg/registry/store"
)

// Web login, npm's default `npm login` flow (auth-type=web):
//
//  1. npm POSTs /-/v1/login and gets {loginUrl, doneUrl}; each carries its
//     own random secret, and only their hashes are stored.
//  2. npm shows loginUrl (or opens it in a browser). That page is a form
//     for the user name and password; a correct answer approves the
//     session for that user.
//  3. Meanwhile npm polls doneUrl: 202 with Retry-After while the session
//     is pending, then once 200 {"token": ...} with a new token carrying the
//     rights of the user's account (read only unless it was given more).
//
// A session lasts webLoginTTL. The secret of loginUrl cannot fetch the
// token, so a login URL seen over someone's shoulder is of no use.
const webLoginTTL = 10 * time.Minute

func (h *Handler) webLoginSince() time.Time { return h.now().Add(-webLoginTTL) }

// startWebLogin serves POST /-/v1/login (npm login, and npm adduser with
// {"create": true}).
func (h *Handler) startWebLogin(w http.ResponseWriter, r *http.Request) error {
	io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	loginID, loginHash, err := sessionSecret()
	if err != nil {
		return err
	}
	doneID, doneHash, err := sessionSecret()
	if err != nil {
		return err
	}
	if err := h.reg.Store().CreateWebLogin(r.Context(), loginHash, doneHash, h.webLoginSince()); err != nil {
		return err
	}
	base := h.baseURL(r)
	writeJSON(w, 200, map[string]any{
		"loginUrl": base + "-/v1/login/web/" + loginID,
		"doneUrl":  base + "-/v1/login/done/" + doneID,
	})
	return nil
}

// sessionSecret is a random URL segment (not shaped like a token, so it is
// not mistaken for one) and the hash the store keeps.
func sessionSecret() (secret, hash string, err error) {
	tok, _, err := registry.NewToken()
	if err != nil {
		return "", "", err
	}
	secret = strings.TrimPrefix(tok, "ccg_")
	return secret, registry.HashToken(secret), nil
}

// pollWebLogin serves GET /-/v1/login/done/{secret}.
func (h *Handler) pollWebLogin(w http.ResponseWriter, r *http.Request, secret string) error {
	ctx := r.Context()
	user, err := h.reg.Store().ClaimWebLogin(ctx, registry.HashToken(secret), h.webLoginSince())
	if errors.Is(err, store.ErrNotFound) {
		return errf(404, "this login session is unknown or expired (sessions last %v): run npm login again", webLoginTTL)
	}
	if err != nil {
		return err
	}
	if user == "" {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 202, map[string]any{})
		return nil
	}
	tok, err := h.reg.IssueToken(ctx, user)
	if err != nil {
		return err
	}
	h.log.Info("web login", zap.String("user", user))
	writeJSON(w, 200, map[string]any{"token": tok})
	return nil
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Guideline Repository: npm login</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem}.err{color:#a00}.note{color:#555;font-size:.9rem}</style></head>
<body><h1>npm login</h1>
{{if .Done}}<p>Logged in as <strong>{{.User}}</strong>. npm has its token now: return to your terminal.</p>
{{else}}{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<p class="note">Sign in to the Guideline Repository for the <code>npm login</code> you just started.
Only continue if you started it yourself: whoever runs that npm gets a token for your account.</p>
<form method="post" autocomplete="on">
<label for="username">User name</label><input id="username" name="username" value="{{.User}}" required autofocus autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password">
{{if .Signup}}<label for="email">Email (for a new account)</label><input id="email" name="email" type="email" autocomplete="email">{{end}}
<button type="submit">Log in</button></form>{{end}}
</body></html>
`))

type loginPageData struct {
	User, Error  string
	Done, Signup bool
}

func (h *Handler) writeLoginPage(w http.ResponseWriter, status int, d loginPageData) {
	d.Signup = h.reg.AllowSignup()
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := loginPage.Execute(w, d); err != nil {
		h.log.Warn("login page", zap.Error(err))
	}
}

// webLoginPage serves GET and POST /-/v1/login/web/{secret}: the form a
// browser shows, and its answer.
func (h *Handler) webLoginPage(w http.ResponseWriter, r *http.Request, secret string) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		h.writeLoginPage(w, 200, loginPageData{})
		return nil
	}
	if r.Method != http.MethodPost {
		return errf(405, "method not allowed")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.writeLoginPage(w, 400, loginPageData{Error: "The form could not be read."})
		return nil
	}
	ctx := r.Context()
	user := r.PostForm.Get("username")
	// No password is checked (nor account made) for a session that does not exist.
	expired := loginPageData{User: user, Error: "This login session is unknown, already used or expired: run npm login again."}
	switch err := h.reg.Store().PendingWebLogin(ctx, registry.HashToken(secret), h.webLoginSince()); {
	case errors.Is(err, store.ErrNotFound):
		h.writeLoginPage(w, 404, expired)
		return nil
	case err != nil:
		return err
	}
	if d := h.failures.Locked(clientKey(r)); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Round(time.Second)/time.Second)+1))
		h.writeLoginPage(w, 429, loginPageData{User: user, Error: tooMany(d, "logins").msg})
		return nil
	}
	if !validUserName(user) {
		h.writeLoginPage(w, 400, loginPageData{User: user, Error: "A user name must not be empty nor contain ':' or '/'."})
		return nil
	}
	if err := h.reg.VerifyUser(ctx, user, r.PostForm.Get("password"), r.PostForm.Get("email")); err != nil {
		var re *registry.Error
		if !errors.As(err, &re) {
			return err
		}
		h.countFailure(r, err)
		h.writeLoginPage(w, re.Status, loginPageData{User: user, Error: re.Message})
		return nil
	}
	h.failures.Succeed(clientKey(r))
	err := h.reg.Store().ApproveWebLogin(ctx, registry.HashToken(secret), user, h.webLoginSince())
	if errors.Is(err, store.ErrNotFound) {
		h.writeLoginPage(w, 404, expired)
		return nil
	}
	if err != nil {
		return err
	}
	h.writeLoginPage(w, 200, loginPageData{User: user, Done: true})
	return nil
}
