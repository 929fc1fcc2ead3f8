// Added to FerretDB by scripts/install-ferretdb.sh (the atomic-writes patch); not part of upstream.

package handler

import (
	"sync"

	"github.com/FerretDB/FerretDB/internal/types"
)

// localPatches are the changes scripts/install-ferretdb.sh makes to this build, announced in the
// buildInfo reply as `ferretdbPatches` so that clients can tell it from an upstream build.
var localPatches = []string{"id-index", "id-pushdown", "atomic-writes", "no-tracking", "write-queue"}

// statementLocks make each update, findAndModify and delete statement atomic towards every other
// one in this process. Upstream runs them as a read, a change in Go and a write back by _id, so
// two concurrent statements could both read the same document and one write would be lost (or
// a compare-and-set would succeed twice).
//
// A statement whose filter holds a string or ObjectID `_id` can only touch that one document: it
// takes its collection's lock shared and that _id's mutex. Any other statement may touch any
// document: it takes its collection's lock exclusively. Each statement takes one lock set, in
// that order, and releases it before the next statement of the command begins, so no statement
// waits for a lock while holding one another statement waits for in turn: no deadlock.
//
// Entries are reference-counted and removed when their last holder releases them, so the maps
// only hold the collections and _ids being written at the moment.
type statementLocks struct {
	mu    sync.Mutex
	colls map[collectionKey]*collectionLock
}

type collectionKey struct {
	db, collection string
}

type collectionLock struct {
	rw   sync.RWMutex
	refs int
	ids  map[string]*idLock
}

type idLock struct {
	mu   sync.Mutex
	refs int
}

// writeLocks is the one set of statement locks of this process.
var writeLocks = &statementLocks{colls: map[collectionKey]*collectionLock{}}

// lockIDOf returns the key of the single document a filter can match, if it names one: the
// filter's only `_id` key holds a string or an ObjectID (MongoDB's equality on that value).
func lockIDOf(filter *types.Document) (string, bool) {
	n := 0

	for _, k := range filter.Keys() {
		if k == "_id" {
			n++
		}
	}

	if n != 1 {
		return "", false
	}

	v, _ := filter.Get("_id")

	switch v := v.(type) {
	case string:
		return "s" + v, true
	case types.ObjectID:
		return "o" + string(v[:]), true
	default:
		return "", false
	}
}

// lock blocks until the statement with the given filter may read and write the collection, and
// returns the function that releases it. It must be called once per statement, from the query
// that finds the documents until their last write (and an upsert's insert) is done.
func (s *statementLocks) lock(db, collection string, filter *types.Document) (unlock func()) {
	key := collectionKey{db: db, collection: collection}
	id, byID := lockIDOf(filter)

	s.mu.Lock()

	c := s.colls[key]
	if c == nil {
		c = &collectionLock{ids: map[string]*idLock{}}
		s.colls[key] = c
	}

	c.refs++

	var l *idLock

	if byID {
		l = c.ids[id]
		if l == nil {
			l = new(idLock)
			c.ids[id] = l
		}

		l.refs++
	}

	s.mu.Unlock()

	if byID {
		c.rw.RLock()
		l.mu.Lock()
	} else {
		c.rw.Lock()
	}

	return func() {
		if byID {
			l.mu.Unlock()
			c.rw.RUnlock()
		} else {
			c.rw.Unlock()
		}

		s.mu.Lock()
		defer s.mu.Unlock()

		if byID {
			if l.refs--; l.refs == 0 {
				delete(c.ids, id)
			}
		}

		if c.refs--; c.refs == 0 {
			delete(s.colls, key)
		}
	}
}

// size returns how many collections and _ids have a lock entry (for tests).
func (s *statementLocks) size() (collections, ids int) {
	s.mu.Lock()
	defer s.mu.Unlock()

	for _, c := range s.colls {
		ids += len(c.ids)
	}

	return len(s.colls), ids
}
