// Added to FerretDB by scripts/install-ferretdb.sh (the atomic-writes patch); not part of upstream.
// Run by the script when FERRETDB_TEST_PATCHES=1.

package handler

import (
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

func TestStatementLocks(t *testing.T) {
	t.Parallel()

	byID := func(id any) *types.Document { return must.NotFail(types.NewDocument("_id", id, "v", int32(1))) }
	scan := must.NotFail(types.NewDocument("v", int32(1)))

	t.Run("LockID", func(t *testing.T) {
		t.Parallel()

		for name, tc := range map[string]struct {
			filter *types.Document
			ok     bool
		}{
			"String":   {byID("a"), true},
			"ObjectID": {byID(types.ObjectID{1}), true},
			"Int":      {byID(int32(1)), false},
			"Operator": {byID(must.NotFail(types.NewDocument("$in", must.NotFail(types.NewArray("a"))))), false},
			"NoID":     {scan, false},
			"Nil":      {nil, false},
		} {
			if _, ok := lockIDOf(tc.filter); ok != tc.ok {
				t.Errorf("%s: lockIDOf = %v, want %v", name, ok, tc.ok)
			}
		}

		s, _ := lockIDOf(byID("a"))
		o, _ := lockIDOf(byID(types.ObjectID{'a'}))
		if s == o {
			t.Errorf("a string and an ObjectID share the key %q", s)
		}
	})

	t.Run("Exclusive", func(t *testing.T) {
		t.Parallel()

		s := &statementLocks{colls: map[collectionKey]*collectionLock{}}

		var mu sync.Mutex
		counts := map[string]int{}
		var wg sync.WaitGroup

		// Read, change, write with a pause between: without the locks, increments are lost.
		bump := func(filter *types.Document, keys ...string) {
			defer wg.Done()

			unlock := s.lock("db", "c", filter)
			defer unlock()

			mu.Lock()
			seen := make([]int, len(keys))
			for i, k := range keys {
				seen[i] = counts[k]
			}
			mu.Unlock()

			time.Sleep(time.Microsecond)

			mu.Lock()
			for i, k := range keys {
				counts[k] = seen[i] + 1
			}
			mu.Unlock()
		}

		for i := 0; i < 200; i++ {
			wg.Add(3)

			go bump(byID("a"), "a")
			go bump(byID("b"), "b")
			go bump(scan, "a", "b")
		}

		wg.Wait()

		if counts["a"] != 400 || counts["b"] != 400 {
			t.Errorf("counts = %v, want 400 each", counts)
		}

		if colls, ids := s.size(); colls != 0 || ids != 0 {
			t.Errorf("left %d collection and %d _id entries, want none", colls, ids)
		}
	})
}
