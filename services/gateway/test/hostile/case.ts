import type { Fixtures } from './fixtures.js';
import type { RawRequest } from './http.js';
import type { Prng } from './prng.js';
import { type Draft, draftFits } from './request.js';
import type { RouteSpec } from './routes.js';
import { fits, SUB_SCHEMA } from './schema.js';
import { HOSTILE_VALUES, type HostileValue } from './values.js';

/**
 * Every hostile request of the sweep, with what its answer may be:
 * - `refuse`: a 4xx and nothing else (the value breaks the route's schema, the request is
 *   malformed, or the caller may not do it);
 * - `serve`: a success, or a 4xx other than 401 / 403 (the value is legal and the caller is a
 *   service, entitled to everything: the service decides, on the merits);
 * - `any`: a success or any 4xx (a token whose `sub` holds the value: the gateway may refuse it).
 * Never a 5xx, never an error that is not the documented JSON (verdict.ts).
 */
export type Expectation = 'refuse' | 'serve' | 'any';

export interface Case {
  id: number;
  route: string;
  /** `path client_id`, `header x-request-id`, `body group_name`, `token sub`, … */
  field: string;
  valueName: string;
  value: string;
  caller: string;
  expect: Expectation;
  /** Bytes HTTP does not allow: the parser refuses the request before the gateway reads it. */
  malformed?: boolean;
  request: RawRequest;
}

export interface CaseContext {
  routes: RouteSpec[];
  fixtures: Fixtures;
  prng: Prng;
  token(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
}

export type CaseDraft = Omit<Case, 'id' | 'request'> & { draft: Draft };

export const SERVICE = { sub: 'svc-hostile', role: 'service' } as const;
export const STRANGER = { sub: 'c-stranger', orgs: [2], role: 'user' } as const;
export const bearer = (token: string) => `Bearer ${token}`;

/** The hostile value alone, or beside a valid one (chosen by the seed): both must be survived. */
export function embed(prng: Prng, base: unknown, value: string): string {
  const text = Array.isArray(base) ? String(base[0] ?? '') : String(base);
  switch (prng.below(3)) {
    case 0:
      return value;
    case 1:
      return `${text}${value}`;
    default:
      return `${value}${text}`;
  }
}

/** `serve` when the draft fits its schemas, else `refuse`; stricter expectations stay as they are. */
export function judged(draft: Draft, entitled: Expectation): Expectation {
  if (draft.route.baselineStatus !== undefined && draft.route.baselineStatus >= 400) return 'refuse';
  return draftFits(draft) ? entitled : 'refuse';
}

/** A token whose sub breaks the claim rule must be refused; any other may be served or refused. */
export const subExpectation = (sub: string): Expectation => (fits(SUB_SCHEMA, sub, false) ? 'any' : 'refuse');

/** The values a hostile field name gets (a name is echoed in "<name>: is not a field"). */
export const KEY_VALUES: readonly HostileValue[] = HOSTILE_VALUES.filter((v) =>
  [
    'CR LF header injection',
    'NUL',
    'U+2028 U+2029',
    'ANSI escape',
    '10,000 characters',
    'non-BMP character',
  ].includes(v.name),
);
