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
	key  string
	lib  *cql.Library
	errs cql.Errors
}

func newLibraryCache(max int) *libraryCache {
	return &libraryCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the cached compilation of src.
func (c *libraryCache) get(src string) (*cql.Library, cql.Errors, bool) {
	if c == nil || c.max <= 0 {
		return nil, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[src]
	if !ok {
		return nil, nil, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.lib, e.errs, true
}

// put stores a compilation, evicting the least recently used beyond max.
func (c *libraryCache) put(src string, lib *cql.Library, errs cql.Errors) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[src]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.byKey[src] = c.order.PushFront(&cacheEntry{key: src, lib: lib, errs: errs})
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
