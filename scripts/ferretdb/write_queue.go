// Added to FerretDB by scripts/install-ferretdb.sh (the write-queue patch); not part of upstream.

package sqlite

import "sync"

// writeQueues hold one mutex per database (one SQLite file): the data writes of a database
// (InsertAll, UpdateAll, DeleteAll) take it for their transaction, so they queue in Go instead of
// in SQLite. SQLite lets one writer in at a time; a second one gets SQLITE_BUSY and its busy
// handler sleeps 1, 2, 5, 10 ... ms before it tries again, long after the writer ahead of it has
// finished. Under ten concurrent writers most of a write's time went to those sleeps while the
// CPU sat idle. Reads take no lock (WAL serves them beside the writer).
var writeQueues sync.Map // database name → *sync.Mutex

// writeLock blocks until the database's data writes are this caller's and returns the release.
func writeLock(dbName string) func() {
	m, _ := writeQueues.LoadOrStore(dbName, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()

	return mu.Unlock
}
