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

// pushdownWhere is the WHERE clause (and its arguments) that narrows a query with the `_id`
// index, if the filter allows one: an `_id` value or `$in` of them (idPushdown), or an `_id` prefix
// (prefixPushdown). Query and Explain both use it, so explain says what a query does.
func pushdownWhere(filter *types.Document) (string, []any, bool) {
	if ids, ok := idPushdown(filter); ok {
		where, args := idWhere(ids)
		return where, args, true
	}

	if prefix, ok := prefixPushdown(filter); ok {
		where, args := prefixWhere(prefix)
		return where, args, true
	}

	return "", nil, false
}

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
	v, ok := idValue(filter)
	if !ok {
		return nil, false
	}

	switch v := v.(type) {
	case string, types.ObjectID:
		return []any{v}, true
	case *types.Document:
		return inPushdown(v)
	default:
		return nil, false
	}
}

// idValue returns the value of the filter's `_id` key when it has exactly one.
func idValue(filter *types.Document) (any, bool) {
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

	return v, true
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

// prefixPushdown returns the literal of an anchored prefix regular expression on `_id`, without
// options: `{_id: /^abc_/}` or `{_id: {$regex: "^abc_"}}` (a regex or a string), whatever other
// keys the filter has, when the literal is made of ASCII letters, digits, `_` and `-` only. Those
// characters stand for themselves in a pattern and in JSON text alike, so the strings that start
// with the literal are exactly the `_id`s whose JSON text starts with `"` and the literal: one
// range of the `_id` index (prefixWhere). MongoDB serves the same shape with index bounds. Like
// idPushdown a pre-filter only; the whole filter is applied again to what it reads.
func prefixPushdown(filter *types.Document) (string, bool) {
	v, ok := idValue(filter)
	if !ok {
		return "", false
	}

	var pattern string

	switch v := v.(type) {
	case types.Regex:
		if v.Options != "" {
			return "", false
		}

		pattern = v.Pattern
	case *types.Document:
		if v.Len() != 1 {
			return "", false
		}

		r, err := v.Get("$regex")
		if err != nil {
			return "", false
		}

		switch r := r.(type) {
		case string:
			pattern = r
		case types.Regex:
			if r.Options != "" {
				return "", false
			}

			pattern = r.Pattern
		default:
			return "", false
		}
	default:
		return "", false
	}

	literal, ok := strings.CutPrefix(pattern, "^")
	if !ok || literal == "" {
		return "", false
	}

	for _, c := range []byte(literal) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", false
		}
	}

	return literal, true
}

// prefixWhere is the range of the `_id` index that holds the strings starting with prefix: JSON
// texts from `"prefix` up to, not including, the same with its last byte one higher (a letter,
// digit, `_` or `-` plus one is never past 0x7f).
func prefixWhere(prefix string) (string, []any) {
	from := `"` + prefix
	to := from[:len(from)-1] + string(from[len(from)-1]+1)

	return fmt.Sprintf(` WHERE %s >= ? AND %s < ?`, metadata.IDColumn, metadata.IDColumn), []any{from, to}
}
