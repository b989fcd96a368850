package server

import (
	"container/list"
	"sync"

	"github.com/ccg-project/ccg/cql"
)

// libraryCache keeps the most recently used compiled $cql libraries, keyed
// by their source, so that a client evaluating the same expression again
// (with other parameter values) skips parsing and checking. Compiled
// libraries are immutable and safe for concurrent use. Compile errors are
// cached too. The cache holds at most max entries and maxBytes bytes by
// the estimate of cacheCost.
type libraryCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	order    *list.List // front = most recently used; values are *cacheEntry
	byKey    map[string]*list.Element
}

type cacheEntry struct {
	key  string
	c    *compiled
	cost int64
}

// compiled is the outcome of compiling one library: the library (nil when
// it does not compile), its errors, and the definitions left out because
// they did not compile (see compileTolerant).
type compiled struct {
	lib    *cql.Library
	errs   cql.Errors
	broken map[string]cql.Errors
}

func newLibraryCache(max int, maxBytes int64) *libraryCache {
	return &libraryCache{max: max, maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// cacheCost estimates the memory a compiled library holds from its key
// (which holds its source and those of the libraries compiled with it): a
// fixed part and a part proportional to the source (measured: folded
// arithmetic keeps about 170 bytes per source byte, other code less).
func cacheCost(key string) int64 { return 32<<10 + 256*int64(len(key)) }

// get returns the cached compilation of src.
func (c *libraryCache) get(src string) (*compiled, bool) {
	if c == nil || c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[src]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).c, true
}

// put stores a compilation, evicting the least recently used beyond max.
func (c *libraryCache) put(src string, comp *compiled) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[src]; ok {
		c.order.MoveToFront(el)
		return
	}
	cost := cacheCost(src)
	if c.maxBytes > 0 && cost > c.maxBytes {
		return
	}
	c.byKey[src] = c.order.PushFront(&cacheEntry{key: src, c: comp, cost: cost})
	c.bytes += cost
	for c.order.Len() > c.max || c.maxBytes > 0 && c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.bytes -= e.cost
	}
}

func (c *libraryCache) size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

func (c *libraryCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
