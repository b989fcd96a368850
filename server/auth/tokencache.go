package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// TokenCacheTTL is how long a ccg token found valid in the store is
// believed without asking the store again; without it the store lookup is
// part of every request (about 6% of an `$apply`'s CPU). A token revoked,
// or a user whose rights changed, is refused within this time.
const TokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the cache; when full it starts again empty.
const tokenCacheMax = 10000

// tokenCache remembers the principals of recently verified ccg tokens,
// keyed by the token's SHA-256 (the token itself is not kept).
type tokenCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	p     *Principal
	until time.Time // the fetch time + TokenCacheTTL, or the token's expiry if sooner
}

func newTokenCache() *tokenCache {
	return &tokenCache{m: map[[sha256.Size]byte]cachedToken{}}
}

// get returns the principal of a token verified less than TokenCacheTTL
// before now, and not expired.
func (c *tokenCache) get(token string, now time.Time) (*Principal, bool) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.p, true
}

// put remembers a token found valid at now; expires is its expiry (zero:
// none).
func (c *tokenCache) put(token string, p *Principal, now, expires time.Time) {
	until := now.Add(TokenCacheTTL)
	if !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= tokenCacheMax {
		clear(c.m)
	}
	c.m[k] = cachedToken{p: p, until: until}
}
