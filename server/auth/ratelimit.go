package auth

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimits keeps one token bucket per client.
type rateLimits struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// maxRateClients bounds the buckets kept; idle ones are dropped first.
const maxRateClients = 10_000

func newRateLimits(limit rate.Limit, burst int, now func() time.Time) *rateLimits {
	return &rateLimits{limit: limit, burst: burst, now: now, clients: map[string]*bucket{}}
}

// allow takes one request of key from its bucket; when empty it returns
// how long until the next request would be allowed.
func (l *rateLimits) allow(key string) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= maxRateClients {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = b
	}
	b.last = now
	l.mu.Unlock()
	if b.lim.AllowN(now, 1) {
		return 0, true
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return d, false
}

// sweep drops buckets idle long enough to be full again, or, when that
// frees nothing, all of them. Called with mu held.
func (l *rateLimits) sweep(now time.Time) {
	full := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
	for k, b := range l.clients {
		if now.Sub(b.last) > full {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= maxRateClients {
		clear(l.clients)
	}
}

func (l *rateLimits) describe() string {
	return fmt.Sprintf("%g per second, %d at once", float64(l.limit), l.burst)
}

// replayCache remembers the jti of client assertions until they expire,
// so that an assertion is accepted once.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func newReplayCache() *replayCache { return &replayCache{seen: map[string]time.Time{}} }

// first records key (valid until exp) and reports whether it was new.
func (c *replayCache) first(key string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.seen {
		if now.After(e) {
			delete(c.seen, k)
		}
	}
	if _, ok := c.seen[key]; ok {
		return false
	}
	c.seen[key] = exp
	return true
}
