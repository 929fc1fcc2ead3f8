// Added to FerretDB by scripts/install-ferretdb.sh (the id-pushdown patch); not part of upstream.

package sqlite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushdownIDs bounds an `$in` looked up through the index: one SQL parameter per value.
const maxPushdownIDs = 1000

// idPushdown returns the `_id` values a query can be narrowed to with the `_id` index: the value
// of the filter's only `_id` key when it is a string or an ObjectID, or the values of its
// `{$in: [...]}` when that is all it holds and every value is one (at most maxPushdownIDs),
// whatever other keys the filter has. Upstream does this only for a filter that is exactly
// `{_id: <value>}`. A document the filter matches has one of those `_id`s, so this is a
// pre-filter only: every caller of Query filters the documents it gets again with the whole
// filter (common.FilterIterator, common.FilterDocument).
func idPushdown(filter *types.Document) ([]any, bool) {
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

	switch v := v.(type) {
	case string, types.ObjectID:
		return []any{v}, true
	case *types.Document:
		return inPushdown(v)
	default:
		return nil, false
	}
}

// inPushdown returns the values of `{$in: [<string or ObjectID>, ...]}`.
func inPushdown(op *types.Document) ([]any, bool) {
	if op.Len() != 1 {
		return nil, false
	}

	in, err := op.Get("$in")
	if err != nil {
		return nil, false
	}

	values, ok := in.(*types.Array)
	if !ok || values.Len() == 0 || values.Len() > maxPushdownIDs {
		return nil, false
	}

	ids := make([]any, 0, values.Len())
	iter := values.Iterator()

	defer iter.Close()

	for {
		_, value, err := iter.Next()
		if errors.Is(err, iterator.ErrIteratorDone) {
			return ids, true
		}

		if err != nil {
			return nil, false
		}

		switch value.(type) {
		case string, types.ObjectID:
			ids = append(ids, value)
		default:
			return nil, false
		}
	}
}

// idWhere is the WHERE clause that looks the values idPushdown found up through the `_id` index.
func idWhere(ids []any) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = string(must.NotFail(sjson.MarshalSingleValue(id)))
	}

	if len(ids) == 1 {
		return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), args
	}

	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, placeholders), args
}
