// Added to FerretDB by scripts/install-ferretdb.sh (the id-pushdown patch); not part of upstream.

package sqlite

import (
	"github.com/FerretDB/FerretDB/internal/types"
)

// idPushdown returns the `_id` a query can be narrowed to with the `_id` index: the value of the
// filter's only `_id` key when it is a string or an ObjectID, whatever other keys the filter has
// (upstream does this only for a filter that is exactly `{_id: <value>}`). A document the filter
// matches has that `_id`, so this is a pre-filter only: every caller of Query filters the
// documents it gets again with the whole filter (common.FilterIterator, common.FilterDocument).
func idPushdown(filter *types.Document) (any, bool) {
	n := 0

	for _, k := range filter.Keys() {
		if k == "_id" {
			n++
		}
	}

	if n != 1 {
		return nil, false
	}

	v, _ := filter.Get("_id")

	switch v.(type) {
	case string, types.ObjectID:
		return v, true
	default:
		return nil, false
	}
}
