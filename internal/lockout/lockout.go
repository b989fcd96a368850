// Package lockout slows down guessing: it counts the failures (wrong
// passwords, invalid tokens) of each client and, past a few free ones,
// locks the client out for a time that doubles with every further failure
// up to a ceiling. A success clears the client's count; a client that
// stays quiet long enough is forgotten.
package lockout

import (
	"sync"
	"time"
)

// Config sets the limits. Zero fields take the defaults in Defaults.
type Config struct {
	// Free is how many failures in a row are allowed before a lockout.
	Free int
	// Base is the first lockout; each further failure doubles it.
	Base time.Duration
	// Max caps a lockout.
	Max time.Duration
	// Forget drops a client's failures after this long without one.
	Forget time.Duration
	// MaxClients bounds the clients remembered (the oldest are forgotten
	// first when it is reached).
	MaxClients int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults: 5 free failures, then 1s, 2s, 4s ... up to 15 minutes.
var Defaults = Config{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour, MaxClients: 100_000}

// Limiter tracks failures per client key. It is safe for concurrent use.
type Limiter struct {
	cfg     Config
	mu      sync.Mutex
	clients map[string]*client
}

type client struct {
	failures int
	last     time.Time // last failure
	until    time.Time // locked out until
}

// New returns a Limiter with cfg (zero fields from Defaults).
func New(cfg Config) *Limiter {
	if cfg.Free <= 0 {
		cfg.Free = Defaults.Free
	}
	if cfg.Base <= 0 {
		cfg.Base = Defaults.Base
	}
	if cfg.Max <= 0 {
		cfg.Max = Defaults.Max
	}
	if cfg.Forget <= 0 {
		cfg.Forget = Defaults.Forget
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = Defaults.MaxClients
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg, clients: map[string]*client{}}
}

// Locked reports how long key is still locked out (0: not locked).
func (l *Limiter) Locked(key string) time.Duration {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c == nil || !c.until.After(now) {
		return 0
	}
	return c.until.Sub(now)
}

// Fail counts a failure of key and returns the lockout it starts (0 while
// the failure is still free).
func (l *Limiter) Fail(key string) time.Duration {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[key]
	if c != nil && now.Sub(c.last) > l.cfg.Forget {
		c = nil
	}
	if c == nil {
		if len(l.clients) >= l.cfg.MaxClients {
			l.evict(now)
		}
		c = &client{}
		l.clients[key] = c
	}
	c.failures++
	c.last = now
	over := c.failures - l.cfg.Free
	if over <= 0 {
		return 0
	}
	d := l.cfg.Max
	if over <= 30 {
		d = min(l.cfg.Base<<(over-1), l.cfg.Max)
	}
	c.until = now.Add(d)
	return d
}

// Succeed clears key's failures.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, key)
}

// evict forgets clients quiet for longer than Forget, or, when none is,
// the one whose last failure is oldest. Called with mu held.
func (l *Limiter) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, c := range l.clients {
		if now.Sub(c.last) > l.cfg.Forget {
			delete(l.clients, k)
			continue
		}
		if oldestKey == "" || c.last.Before(oldest) {
			oldestKey, oldest = k, c.last
		}
	}
	if len(l.clients) >= l.cfg.MaxClients && oldestKey != "" {
		delete(l.clients, oldestKey)
	}
}
