// Added by scripts/install-ferretdb.sh when FERRETDB_TEST_PATCHES=1 (fast-sjson): the one-pass
// reader must answer exactly what the original Unmarshal answers, and must take the documents
// Marshal writes without handing them back to the original.
package sjson

import (
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

func sample() *types.Document {
	nested := must.NotFail(types.NewDocument(
		"id", int32(7), "name", "Group 7", "at", time.UnixMilli(1_764_000_000_123),
	))

	return must.NotFail(types.NewDocument(
		"_id", "6162_b#3",
		"v", int64(1)<<53,
		"n", int32(math.MinInt32),
		"m", int32(math.MaxInt32),
		"l", int64(math.MinInt64),
		"f", 0.1,
		"neg", -2.5e-300,
		"big", 1e21,
		"zero", 0.0,
		"t", true,
		"no", false,
		"null", types.Null,
		"oid", types.ObjectID{0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0xff},
		"ts", types.Timestamp(math.MaxUint64),
		"date", time.UnixMilli(-62_135_596_800_000),
		"bin", types.Binary{Subtype: types.BinaryUser, B: []byte{0, 1, 2, 255}},
		"re", types.Regex{Pattern: `^a"b\d`, Options: "i"},
		"han", "王小明 — 班级通知",
		"escaped", "line\nbreak \"quoted\" \\ tab\t \u2028 \x01",
		"empty", "",
		"doc", nested,
		"emptyDoc", must.NotFail(types.NewDocument()),
		"emptyArr", types.MakeArray(0),
		"arr", must.NotFail(types.NewArray(nested, "x", int32(1), types.Null, must.NotFail(types.NewArray()),
			must.NotFail(types.NewArray(int64(2), must.NotFail(types.NewDocument("deep", must.NotFail(types.NewDocument("er", 1.5)))))))),
	))
}

func TestFastUnmarshalReadsWhatMarshalWrites(t *testing.T) {
	t.Parallel()

	for name, doc := range map[string]*types.Document{
		"empty":  must.NotFail(types.NewDocument()),
		"sample": sample(),
	} {
		b, err := Marshal(doc)
		require.NoError(t, err)

		fast, ok := unmarshalFast(b)
		require.True(t, ok, "%s: the fast path handed a Marshal'd document back: %s", name, b)

		original, err := unmarshalOriginal(b)
		require.NoError(t, err)
		assert.Equal(t, original, fast, name)
		assert.Equal(t, doc, fast, name)
	}
}

func randomValue(r *rand.Rand, depth int) any {
	switch k := r.Intn(12); {
	case k == 0 && depth < 3:
		d := must.NotFail(types.NewDocument())
		for i := r.Intn(5); i > 0; i-- {
			d.Set(randomKey(r), randomValue(r, depth+1))
		}
		return d
	case k == 1 && depth < 3:
		a := types.MakeArray(0)
		for i := r.Intn(5); i > 0; i-- {
			a.Append(randomValue(r, depth+1))
		}
		return a
	case k == 2:
		return r.NormFloat64() * math.Pow(10, float64(r.Intn(40)-20))
	case k == 3:
		return randomString(r)
	case k == 4:
		return int32(r.Uint32())
	case k == 5:
		return int64(r.Uint64())
	case k == 6:
		return time.UnixMilli(r.Int63n(1<<45) - 1<<44)
	case k == 7:
		return r.Intn(2) == 0
	case k == 8:
		return types.Null
	case k == 9:
		var id types.ObjectID
		r.Read(id[:])
		return id
	case k == 10:
		return types.Timestamp(r.Uint64())
	default:
		return float64(r.Intn(1000))
	}
}

func randomKey(r *rand.Rand) string {
	keys := []string{"a", "id", "name", "v", "n", "at", "entries", "k_1", "分组", "x y"}
	return keys[r.Intn(len(keys))]
}

func randomString(r *rand.Rand) string {
	parts := []string{"plain", "", "é", "王", "\"", "\\", "\n", "\u2028", "\x00", "<>&", "🙂", "\xff"}
	var sb strings.Builder
	for i := r.Intn(6); i > 0; i-- {
		sb.WriteString(parts[r.Intn(len(parts))])
	}
	return sb.String()
}

func TestFastUnmarshalMatchesOriginalOnRandomDocuments(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewSource(1))
	for n := 0; n < 3000; n++ {
		doc := must.NotFail(types.NewDocument("_id", randomString(r)))
		for i := r.Intn(8); i > 0; i-- {
			doc.Set(randomKey(r), randomValue(r, 0))
		}

		b, err := Marshal(doc)
		require.NoError(t, err)
		assertSameAsOriginal(t, b)

		_, ok := unmarshalFast(b)
		assert.True(t, ok, "the fast path handed a Marshal'd document back: %s", b)
	}
}

func FuzzUnmarshalMatchesOriginal(f *testing.F) {
	for _, seed := range []string{
		`{"$s":{}}`,
		`{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]},"foo":"bar"}`,
		`{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo","foo"]},"foo":"bar","foo":"baz"}`,
		`{"$s":{"p":{"foo":{"t":"int"}},"$k":["foo"]},"foo":1.0}`,
		`{"$s":{"p":{"foo":{"t":"int"}},"$k":["foo"]},"foo":01}`,
		`{"$s":{"p":{"foo":{"t":"long"}},"$k":["foo"]},"foo":-0}`,
		`{"$s":{"p":{"foo":{"t":"double"}},"$k":["foo"]},"foo":+1}`,
		`{"$s":{"p":{"a":{"t":"array","i":[{"t":"int"}]}},"$k":["a"]},"a":[1,2]}`,
		`{"$s":{"p":{"a":{"t":"object","$s":{"p":{"b":{"t":"bool"}},"$k":["b"]}}},"$k":["a"]},"a":{}}`,
		`{"$s":{"p":{"f\u006f":{"t":"string"}},"$k":["fo"]},"fo":"x"}`,
		`{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]}, "foo": "bar"}`,
		`{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]},"foo":"bar"}x`,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		assertSameAsOriginal(t, b)
	})
}

// assertSameAsOriginal: Unmarshal fails where the original fails, else answers what it answers.
func assertSameAsOriginal(t *testing.T, b []byte) {
	t.Helper()

	original, originalErr := unmarshalOriginal(b)
	fast, err := Unmarshal(b)

	if originalErr != nil {
		require.Error(t, err, "%s", b)
		return
	}

	require.NoError(t, err, "%s", b)
	assert.Equal(t, original, fast, "%s", b)
}
