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
// cached too.
type libraryCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *cacheEntry
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key string
	c   *compiled
}

// compiled is the outcome of compiling one library: the library (nil when
// it does not compile), its errors, and the definitions left out because
// they did not compile (see compileTolerant).
type compiled struct {
	lib    *cql.Library
	errs   cql.Errors
	broken map[string]cql.Errors
}

func newLibraryCache(max int) *libraryCache {
	return &libraryCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

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
	c.byKey[src] = c.order.PushFront(&cacheEntry{key: src, c: comp})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}

func (c *libraryCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
