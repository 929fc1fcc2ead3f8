// Added by scripts/install-ferretdb.sh (fast-sjson): a one-pass reader of the documents this
// package's Marshal writes. The original Unmarshal (renamed unmarshalOriginal) decodes each level
// into a map of raw messages with encoding/json and then decodes every value again from its own
// bytes, so a document is scanned once per level of nesting and every value costs a json.Decoder;
// profiling finds of 1 KB documents, that was half of FerretDB's CPU. This reader walks the bytes
// once, guided by the schema, and builds the same values.
//
// It takes only the exact layout Marshal writes: `{"$s":<schema>,"<key>":<value>,...}` with the
// keys in the schema's order, no white space, keys without escapes. Anything else (white space,
// another order, a missing or extra key, an escaped key) is handed whole to unmarshalOriginal,
// which answers as it always did, errors included. A value whose text is not plain (a string
// with escapes or non-ASCII bytes, a number outside the plain integer or JSON number forms,
// binary data, a regex) is decoded by the original code for that one value. Schemas are parsed
// by the original decoder too and kept by their text (the documents of a collection share a
// few), a bounded number of them.
package sjson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// Unmarshal decodes sjson-encoded document (see the file comment: fast path, else the original).
func Unmarshal(data []byte) (*types.Document, error) {
	if doc, ok := unmarshalFast(data); ok {
		return doc, nil
	}

	return unmarshalOriginal(data)
}

// The schema cache holds at most maxCachedSchemas schemas and maxCachedSchemaBytes of their text
// (an array's schema names each of its items, so a long array's is long); when either is reached
// it is emptied and refilled. A schema longer than maxCachedSchema is parsed on every read.
const (
	maxCachedSchemas     = 2048
	maxCachedSchemaBytes = 16 << 20
	maxCachedSchema      = 256 << 10
)

var schemaCache = struct {
	sync.RWMutex
	m     map[string]*schema
	bytes int
}{m: make(map[string]*schema)}

// cachedSchema answers the parsed schema of raw, parsing it with the original decoder once.
func cachedSchema(raw []byte) (*schema, bool) {
	schemaCache.RLock()
	sch, ok := schemaCache.m[string(raw)]
	schemaCache.RUnlock()

	if ok {
		return sch, true
	}

	// The original Unmarshal's schema step: unknown fields are an error, nothing may follow.
	var parsed schema
	if err := decodeSchema(raw, &parsed); err != nil || !plainSchema(&parsed) {
		return nil, false
	}

	if len(raw) > maxCachedSchema {
		return &parsed, true
	}

	schemaCache.Lock()
	if len(schemaCache.m) >= maxCachedSchemas || schemaCache.bytes+len(raw) > maxCachedSchemaBytes {
		schemaCache.m = make(map[string]*schema)
		schemaCache.bytes = 0
	}
	if _, ok := schemaCache.m[string(raw)]; !ok {
		schemaCache.m[string(raw)] = &parsed
		schemaCache.bytes += len(raw)
	}
	schemaCache.Unlock()

	return &parsed, true
}

// unmarshalFast reads data in Marshal's exact layout; false: not that layout, ask the original.
func unmarshalFast(data []byte) (*types.Document, bool) {
	const head = `{"$s":`
	if len(data) < len(head) || string(data[:len(head)]) != head {
		return nil, false
	}

	i := len(head)
	end, ok := skipValue(data, i)
	if !ok {
		return nil, false
	}

	sch, ok := cachedSchema(data[i:end])
	if !ok {
		return nil, false
	}

	d := must.NotFail(types.NewDocument())
	i = end

	for _, key := range sch.Keys {
		// The original drops "$s" from the fields before it looks for the schema's keys.
		if key == "$s" || i >= len(data) || data[i] != ',' {
			return nil, false
		}

		if i, ok = expectKey(data, i+1, key); !ok {
			return nil, false
		}

		var v any
		if v, i, ok = readValue(data, i, sch.Properties[key]); !ok {
			return nil, false
		}

		d.Set(key, v)
	}

	if i != len(data)-1 || data[i] != '}' {
		return nil, false
	}

	return d, true
}

// expectKey reads `"<key>":` at i, the key exactly as given (no escapes); answers the index after it.
func expectKey(data []byte, i int, key string) (int, bool) {
	n := len(key)
	if i+n+3 > len(data) || data[i] != '"' || string(data[i+1:i+1+n]) != key || data[i+1+n] != '"' || data[i+2+n] != ':' {
		return 0, false
	}

	for j := 0; j < n; j++ {
		if c := key[j]; c == '\\' || c == '"' || c < 0x20 {
			return 0, false
		}
	}

	return i + n + 3, true
}

// readValue reads the value at i by its schema; answers the value and the index after it.
func readValue(data []byte, i int, sch *elem) (any, int, bool) {
	end, ok := skipValue(data, i)
	if !ok {
		return nil, 0, false
	}

	raw := data[i:end]
	if string(raw) == "null" {
		return types.Null, end, true
	}

	if sch == nil {
		return nil, 0, false
	}

	switch sch.Type {
	case elemTypeObject:
		if sch.Schema == nil {
			return nil, 0, false
		}

		doc, next, ok := readDocument(data, i, sch.Schema)

		return doc, next, ok && next == end

	case elemTypeArray:
		arr, next, ok := readArray(data, i, sch.Items)

		return arr, next, ok && next == end

	case elemTypeString:
		if s, ok := plainString(raw); ok {
			return s, end, true
		}

	case elemTypeObjectID:
		if s, ok := plainString(raw); ok && len(s) == 2*types.ObjectIDLen {
			var id types.ObjectID
			if _, err := hex.Decode(id[:], []byte(s)); err == nil {
				return id, end, true
			}
		}

	case elemTypeBool:
		switch string(raw) {
		case "true":
			return true, end, true
		case "false":
			return false, end, true
		}

	case elemTypeInt:
		if plainInteger(raw) {
			if n, err := strconv.ParseInt(string(raw), 10, 32); err == nil {
				return int32(n), end, true
			}
		}

	case elemTypeLong:
		if plainInteger(raw) {
			if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return n, end, true
			}
		}

	case elemTypeDate:
		if plainInteger(raw) {
			if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return time.UnixMilli(n), end, true
			}
		}

	case elemTypeTimestamp:
		if plainInteger(raw) && raw[0] != '-' {
			if n, err := strconv.ParseUint(string(raw), 10, 64); err == nil {
				return types.Timestamp(n), end, true
			}
		}

	case elemTypeDouble:
		if jsonNumber(raw) {
			if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
				return f, end, true
			}
		}
	}

	// Not plain (or binary data, a regex, a type that is an error): the original, for this value.
	v, err := unmarshalSingleValue(raw, sch)
	if err != nil {
		return nil, 0, false
	}

	return v, end, true
}

// readDocument reads a nested document (its keys in the schema's order); false: not that layout.
func readDocument(data []byte, i int, sch *schema) (any, int, bool) {
	if data[i] != '{' {
		return nil, 0, false
	}

	if i+1 < len(data) && data[i+1] == '}' {
		return fromSJSON(&documentType{}), i + 2, true
	}

	if len(sch.Keys) == 0 {
		return nil, 0, false
	}

	td := must.NotFail(types.NewDocument())
	i++

	for n, key := range sch.Keys {
		if n > 0 {
			if i >= len(data) || data[i] != ',' {
				return nil, 0, false
			}
			i++
		}

		var ok bool
		if i, ok = expectKey(data, i, key); !ok {
			return nil, 0, false
		}

		var v any
		if v, i, ok = readValue(data, i, sch.Properties[key]); !ok {
			return nil, 0, false
		}

		td.Set(key, v)
	}

	if i >= len(data) || data[i] != '}' {
		return nil, 0, false
	}

	doc := documentType(*td)

	return fromSJSON(&doc), i + 1, true
}

// readArray reads an array, item i by schema i; false: not that layout, or counts that differ.
func readArray(data []byte, i int, items []*elem) (any, int, bool) {
	if data[i] != '[' {
		return nil, 0, false
	}

	ta := types.MakeArray(len(items))
	i++

	if i < len(data) && data[i] == ']' {
		if len(items) != 0 {
			return nil, 0, false
		}

		arr := arrayType(*ta)

		return fromSJSON(&arr), i + 1, true
	}

	for n := 0; ; n++ {
		if n >= len(items) {
			return nil, 0, false
		}

		v, next, ok := readValue(data, i, items[n])
		if !ok {
			return nil, 0, false
		}

		ta.Append(v)
		i = next

		if i >= len(data) {
			return nil, 0, false
		}

		if data[i] == ']' {
			if n+1 != len(items) {
				return nil, 0, false
			}

			arr := arrayType(*ta)

			return fromSJSON(&arr), i + 1, true
		}

		if data[i] != ',' {
			return nil, 0, false
		}
		i++
	}
}

// plainString answers the text of a JSON string without escapes or control bytes, valid UTF-8:
// its bytes are then the string itself, as encoding/json decodes them (invalid UTF-8 it would
// replace, so that goes to the original).
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}

	body := raw[1 : len(raw)-1]
	ascii := true
	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}

		if c >= utf8.RuneSelf {
			ascii = false
		}
	}

	if !ascii && !utf8.Valid(body) {
		return "", false
	}

	return string(body), true
}

// plainInteger: -?(0|[1-9][0-9]*), the only text encoding/json reads into an integer.
func plainInteger(raw []byte) bool {
	s := raw
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}

	if len(s) == 0 || (s[0] == '0' && len(s) > 1) {
		return false
	}

	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}

	return true
}

// jsonNumber: a JSON number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func jsonNumber(raw []byte) bool {
	i, n := 0, len(raw)
	digits := func() bool {
		start := i
		for i < n && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}

		return i > start
	}

	if i < n && raw[i] == '-' {
		i++
	}

	if i < n && raw[i] == '0' {
		i++
	} else if !digits() {
		return false
	}

	if i < n && raw[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}

	if i < n && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		if i < n && (raw[i] == '+' || raw[i] == '-') {
			i++
		}

		if !digits() {
			return false
		}
	}

	return i == n
}

// skipValue answers the index just after the JSON value starting at i (no white space around
// it); false: no value there. Strings are skipped with their escapes; what a value holds is
// checked by whoever decodes it.
func skipValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}

	switch data[i] {
	case '"':
		return skipString(data, i)

	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				end, ok := skipString(data, i)
				if !ok {
					return 0, false
				}
				i = end

				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}

		return 0, false

	default:
		start := i
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']':
				return i, i > start
			case ' ', '\t', '\n', '\r', ':', '"', '{', '[':
				return 0, false
			}
			i++
		}

		return i, i > start
	}
}

// skipString answers the index just after the string starting at data[i] == '"'.
func skipString(data []byte, i int) (int, bool) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}

	return 0, false
}

// decodeSchema is the original Unmarshal's schema step.
func decodeSchema(raw []byte, sch *schema) error {
	r := bytes.NewReader(raw)
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()

	if err := dec.Decode(sch); err != nil {
		return lazyerrors.Error(err)
	}

	return checkConsumed(dec, r)
}

// plainSchema: every level's keys are distinct, so reading them in order is what the original's
// map of fields finds (a schema naming a key twice is an error there, left to it).
func plainSchema(sch *schema) bool {
	seen := make(map[string]struct{}, len(sch.Keys))
	for _, key := range sch.Keys {
		if _, dup := seen[key]; dup {
			return false
		}

		seen[key] = struct{}{}

		if !plainElem(sch.Properties[key]) {
			return false
		}
	}

	return true
}

func plainElem(el *elem) bool {
	if el == nil {
		return true
	}

	if el.Schema != nil && !plainSchema(el.Schema) {
		return false
	}

	for _, item := range el.Items {
		if !plainElem(item) {
			return false
		}
	}

	return true
}
