/**
 * The hostile values of issue 8 ("No request can take a process down"), each with a name the
 * failure report uses. Most are fine characters for an id (`^[^:]+$` lets CR, LF and NUL
 * through), so they pass the gateway's validation and reach a service, whose error text, log
 * lines, NATS headers and subjects must all survive them.
 */
export type Place = 'path' | 'query' | 'body' | 'header' | 'sub';

export interface HostileValue {
  name: string;
  value: string;
  /** Where the value can be sent at all; default: everywhere. */
  places?: readonly Place[];
}

/** A marker header a CR/LF injection would create; no answer may ever carry it. */
export const INJECTED_HEADER = 'X-Hostile-Injected';

const NOT_IN_URL: readonly Place[] = ['body', 'sub'];

export const HOSTILE_VALUES: readonly HostileValue[] = [
  { name: 'CR LF', value: '\r\n' },
  { name: 'CR LF inside', value: 'a\r\nb' },
  { name: 'CR LF header injection', value: `a\r\n${INJECTED_HEADER}: yes` },
  { name: 'LF', value: 'a\nb' },
  { name: 'CR', value: 'a\rb' },
  { name: 'NUL', value: 'a\u0000b' },
  { name: 'U+2028 U+2029', value: 'a\u2028b\u2029c' },
  { name: 'NEL (U+0085)', value: 'a\u0085b' },
  { name: 'ANSI escape', value: '\u001b[31mred\u001b[0m' },
  { name: 'RTL override', value: 'a\u202eb' },
  { name: '10,000 characters', value: 'x'.repeat(10_000) },
  // 40,000 bytes: past any header size limit, so only where a body carries it.
  { name: '10,000 non-BMP characters', value: '😀'.repeat(10_000), places: NOT_IN_URL },
  { name: 'non-BMP character', value: '😀' },
  { name: 'emoji ZWJ sequence', value: '👩‍👩‍👧' },
  { name: 'lone surrogate', value: 'a\ud800b', places: NOT_IN_URL },
  { name: 'NATS wildcard *', value: '*' },
  { name: 'NATS wildcard >', value: '>' },
  { name: 'NATS token separator .', value: '.' },
  { name: 'dot dot', value: '..' },
  { name: 'NATS subject pattern', value: 'a.*.>' },
  { name: 'percent text', value: '%0d%0a' },
  { name: 'blank', value: ' \t ' },
  { name: 'empty', value: '', places: ['query', 'body', 'sub'] },
];

export function valuesFor(place: Place): HostileValue[] {
  return HOSTILE_VALUES.filter((v) => !v.places || v.places.includes(place));
}

/**
 * Request targets written as they are, for a path segment. The first group reaches the router
 * (the HTTP parser takes them); the second is refused by the parser itself, whose answer must
 * still be the documented JSON error.
 */
export const RAW_SEGMENTS: readonly { name: string; raw: string }[] = [
  { name: 'raw *', raw: '*' },
  { name: 'raw >', raw: '>' },
  { name: 'raw .', raw: '.' },
  { name: 'raw ..', raw: '..' },
  { name: 'raw a.*.>', raw: 'a.*.>' },
  { name: 'encoded ..', raw: '%2e%2e' },
  { name: 'encoded /', raw: '%2F' },
  { name: 'encoded NUL', raw: '%00' },
  { name: 'invalid UTF-8 %ff', raw: '%ff' },
  { name: 'overlong UTF-8 dot', raw: '%c0%ae' },
  { name: 'broken percent %zz', raw: '%zz' },
  { name: 'lone percent', raw: '%' },
];

export const UNPARSEABLE_SEGMENTS: readonly { name: string; raw: string }[] = [
  { name: 'raw CR LF', raw: 'a\r\nb' },
  { name: 'raw LF', raw: 'a\nb' },
  { name: 'raw NUL', raw: 'a\u0000b' },
  { name: 'raw space', raw: 'a b' },
  { name: 'raw ANSI escape', raw: '\u001b[31m' },
  { name: 'raw U+2028', raw: 'a\u2028b' },
  { name: 'raw non-BMP', raw: '😀' },
];

/** Whole bodies, for every route that takes one. `refused`: no route may accept it. */
export const HOSTILE_BODIES: readonly { name: string; body: Buffer; refused: boolean }[] = [
  { name: '__proto__ key', body: Buffer.from('{"__proto__":{"polluted":1}}'), refused: true },
  {
    name: 'constructor.prototype',
    body: Buffer.from('{"constructor":{"prototype":{"polluted":1}}}'),
    refused: true,
  },
  { name: 'nested 5,000 deep', body: Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`), refused: true },
  { name: 'array', body: Buffer.from('[]'), refused: true },
  { name: 'string', body: Buffer.from('"x"'), refused: true },
  { name: 'number', body: Buffer.from('1e400'), refused: true },
  { name: 'not JSON', body: Buffer.from('group_name=x'), refused: true },
  { name: 'truncated', body: Buffer.from('{"a":'), refused: true },
  { name: 'NUL between tokens', body: Buffer.from('{\u0000}'), refused: true },
  { name: 'past BODY_LIMIT', body: Buffer.from(`{"x":"${'x'.repeat(1_100_000)}"}`), refused: true },
  // Legitimate for routes whose body is optional, refused by the others: either answer will do.
  { name: 'null', body: Buffer.from('null'), refused: false },
  { name: 'empty object', body: Buffer.from('{}'), refused: false },
  {
    name: 'invalid UTF-8',
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    refused: true,
  },
];

/** Fragments the seeded fuzzer strings together. */
export const FRAGMENTS: readonly string[] = [
  '\r',
  '\n',
  '\u0000',
  '\u2028',
  '\u001b[',
  '😀',
  '*',
  '>',
  '.',
  '%',
  '"',
  '\\',
  '{',
  '$',
  ':',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  '\t',
  '\u0085',
  '\ufeff',
  '\u202e',
  'a',
  '1',
];

/** A value as the failure report shows it: escaped, and cut when long. */
export function show(value: string, max = 80): string {
  const escaped = JSON.stringify(value);
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}…" (${value.length} characters)`;
}
