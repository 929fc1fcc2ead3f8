import { MESSAGE_MAX } from '@im/contracts';
import type { Case } from './case.js';
import type { RawResponse } from './http.js';
import { INJECTED_HEADER } from './values.js';

/**
 * What is wrong with one answer, if anything. The rules (README, "HTTP API" and "Errors"; issue 8):
 * every error is `{error_code, msg, request}` as JSON with the status of its code; `msg` is safe
 * to show (no control characters, cut short); never a 5xx; a refusal where the schema or the
 * rules demand one; no header a CR/LF could have injected.
 */
export type ProblemKind =
  | 'no answer'
  | 'server error (5xx)'
  | 'error body not the documented JSON'
  | 'unsafe error message'
  | 'accepted what must be refused'
  | 'refused an entitled service (401/403)'
  | 'unexpected status'
  | 'header injection';

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

/** README, "Errors": the status of every documented code. */
const STATUS_OF_CODE: Readonly<Record<number, number>> = {
  1000: 400,
  1001: 404,
  1005: 401,
  1007: 500,
  1008: 403,
  1010: 405,
  1011: 413,
  1012: 429,
  1013: 503,
  1014: 504,
  1015: 415,
  1016: 409,
  7003: 404,
  7007: 409,
};
const DOCUMENTED_STATUSES = new Set(Object.values(STATUS_OF_CODE));

const UNSAFE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

export function bodyText(response: RawResponse, max = 300): string {
  const text = response.body.toString('utf8');
  return text.length <= max ? text : `${text.slice(0, max)}… (${response.body.length} bytes)`;
}

/** `members`: what the document lets an error body hold (errorBodyMembers). */
export function judge(
  c: Case,
  response: RawResponse | undefined,
  error: string | undefined,
  members: ReadonlySet<string>,
): Problem | undefined {
  if (!response) return { kind: 'no answer', detail: error ?? 'nothing came back' };
  const injected = headerProblem(response);
  if (injected) return { kind: 'header injection', detail: injected };
  const { status } = response;
  const said = `${status} ${bodyText(response)}`;
  if (status >= 500) return { kind: 'server error (5xx)', detail: said };
  if (status >= 400) {
    const shape = errorShapeProblem(c, response, members);
    if (shape) return shape;
    if (status === 429) return { kind: 'unexpected status', detail: `${said} (the suite raises the limits)` };
    if (c.expect === 'serve' && (status === 401 || status === 403)) {
      return { kind: 'refused an entitled service (401/403)', detail: said };
    }
    return undefined;
  }
  if (status >= 200 && status < 300) {
    if (c.expect === 'refuse') return { kind: 'accepted what must be refused', detail: said };
    const type = header(response, 'content-type') ?? '';
    if (status !== 204 && type.startsWith('application/json') && !parses(response.body)) {
      return {
        kind: 'error body not the documented JSON',
        detail: `a ${status} whose JSON does not parse: ${bodyText(response)}`,
      };
    }
    return undefined;
  }
  return { kind: 'unexpected status', detail: said };
}

const header = (response: RawResponse, name: string) => response.headers.find(([n]) => n === name)?.[1];

function parses(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function headerProblem(response: RawResponse): string | undefined {
  const marker = INJECTED_HEADER.toLowerCase();
  if (response.head.toLowerCase().includes(marker)) return `the answer carries ${INJECTED_HEADER}`;
  const broken = response.headers.find(([name]) => !TOKEN.test(name));
  return broken ? `a malformed header line: ${JSON.stringify(broken[0].slice(0, 80))}` : undefined;
}

const REQUIRED_MEMBERS = ['error_code', 'msg', 'request'];

function errorShapeProblem(
  c: Case,
  response: RawResponse,
  members: ReadonlySet<string>,
): Problem | undefined {
  const bad = (why: string): Problem => ({
    kind: 'error body not the documented JSON',
    detail: `${response.status} ${bodyText(response)}: ${why}`,
  });
  if (!(header(response, 'content-type') ?? '').startsWith('application/json')) {
    return bad(`content-type ${JSON.stringify(header(response, 'content-type') ?? 'none')}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('not an object');
  const keys = Object.keys(body);
  const missing = REQUIRED_MEMBERS.filter((k) => !keys.includes(k));
  if (missing.length > 0) return bad(`no ${missing.join(', ')}`);
  const unknown = keys.filter((k) => !members.has(k));
  if (unknown.length > 0)
    return bad(`members the documented error body does not have: ${unknown.join(', ')}`);
  const { error_code: code, msg, request } = body as Record<string, unknown>;
  if (typeof code !== 'number' || !(code in STATUS_OF_CODE))
    return bad(`error_code ${code} is not documented`);
  if (DOCUMENTED_STATUSES.has(response.status) && STATUS_OF_CODE[code] !== response.status) {
    return bad(`error_code ${code} is a ${STATUS_OF_CODE[code]}, not a ${response.status}`);
  }
  if (typeof msg !== 'string' || msg === '') return bad('msg is not a non-empty string');
  // A request the HTTP parser refused was never read: what `request` says of it is the gateway's guess.
  if (typeof request !== 'string' || (!c.malformed && !request.startsWith(`${c.request.method} `))) {
    return bad(`request ${JSON.stringify(request)} does not start with the method`);
  }
  if (UNSAFE_TEXT.test(msg))
    return {
      kind: 'unsafe error message',
      detail: `msg holds a control character: ${JSON.stringify(msg.slice(0, 200))}`,
    };
  if (Array.from(msg).length > MESSAGE_MAX) {
    return {
      kind: 'unsafe error message',
      detail: `msg is ${Array.from(msg).length} characters, over ${MESSAGE_MAX}`,
    };
  }
  return undefined;
}
