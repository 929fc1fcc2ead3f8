import {
  bearer,
  type CaseContext,
  type CaseDraft,
  embed,
  judged,
  KEY_VALUES,
  SERVICE,
  STRANGER,
  subExpectation,
} from './case.js';
import { baselineDraft, type Draft, withField } from './request.js';
import { label, type RouteSpec } from './routes.js';
import { RAW_SEGMENTS, UNPARSEABLE_SEGMENTS, valuesFor } from './values.js';

/**
 * Hostile values where a URL carries them: every path segment (encoded, and written raw), every
 * query value, a hostile query key, and paths the gateway routes nowhere. A path field named
 * `client_id` is "that client itself" (README, "Security"), so it is also sent by the caller whose
 * sub is the value and by one whose sub differs.
 */

/** Path segments of every route; raw forms on one segment per route; unparseable ones on a few. */
export function pathCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = bearer(ctx.token(SERVICE));
  for (const route of ctx.routes) {
    const pathFields = route.fields.filter((f) => f.place === 'path');
    for (const field of pathFields) {
      const base = baselineDraft(route, ctx.fixtures, service);
      for (const hostile of valuesFor('path')) {
        const value = embed(ctx.prng, base.values.get(`path:${field.name}`), hostile.value);
        const draft = withField(base, field, value);
        const common = { route: label(route), field: `path ${field.name}`, valueName: hostile.name, value };
        out.push({ ...common, caller: 'service', expect: judged(draft, 'serve'), draft });
        if (field.name !== 'client_id') continue;
        // "That client itself" (README, "Security"): the caller whose sub is the hostile id, and
        // one whose sub differs, whom the service refuses with a message about the id.
        const self = { ...draft, authorization: bearer(ctx.token({ sub: value, orgs: [1], role: 'user' })) };
        const selfExpect = subExpectation(value) === 'refuse' ? 'refuse' : judged(draft, 'any');
        out.push({ ...common, caller: 'self (sub = the value)', expect: selfExpect, draft: self });
        const stranger = { ...draft, authorization: bearer(ctx.token(STRANGER)) };
        out.push({ ...common, caller: 'stranger (another sub)', expect: 'refuse', draft: stranger });
      }
    }
    if (pathFields.length === 0) continue;
    // Raw segments: every form on one path field of each route, chosen by the seed.
    const field = ctx.prng.pick(pathFields);
    const base = baselineDraft(route, ctx.fixtures, service);
    for (const { name, raw } of RAW_SEGMENTS) {
      const decoded = tryDecode(raw);
      const draft = { ...withField(base, field, decoded ?? raw), rawSegments: { [field.name]: raw } };
      const expect = decoded === undefined ? 'refuse' : judged(draft, 'serve');
      out.push({
        route: label(route),
        field: `path ${field.name}`,
        valueName: name,
        value: raw,
        caller: 'service',
        expect,
        draft,
      });
    }
  }
  // The HTTP parser refuses these before any route is chosen: three routes each are plenty.
  const withPaths = ctx.routes.filter((r) => r.fields.some((f) => f.place === 'path'));
  for (const { name, raw } of UNPARSEABLE_SEGMENTS) {
    for (let i = 0; i < 3; i++) {
      const route = ctx.prng.pick(withPaths);
      const field = ctx.prng.pick(route.fields.filter((f) => f.place === 'path'));
      const draft = { ...baselineDraft(route, ctx.fixtures, service), rawSegments: { [field.name]: raw } };
      out.push({
        route: label(route),
        field: `path ${field.name}`,
        valueName: name,
        value: raw,
        caller: 'service',
        expect: 'refuse',
        malformed: true,
        draft,
      });
    }
  }
  return out;
}

function tryDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Query values of every route that has them, and a hostile query key on every route. */
export function queryCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = bearer(ctx.token(SERVICE));
  for (const route of ctx.routes) {
    const base = baselineDraft(route, ctx.fixtures, route.public ? undefined : service);
    const queryFields = route.fields.filter((f) => f.place === 'query');
    for (const field of queryFields) {
      for (const hostile of valuesFor('query')) {
        const value = embed(ctx.prng, base.values.get(`query:${field.name}`) ?? '', hostile.value);
        const draft = withField(base, field, value);
        out.push({
          route: label(route),
          field: `query ${field.name}`,
          valueName: hostile.name,
          value,
          caller: 'service',
          expect: judged(draft, 'serve'),
          draft,
        });
      }
    }
    // A route with a query schema refuses a key it does not know; one without ignores the query.
    for (const hostile of KEY_VALUES) {
      const draft = { ...base, rawQuery: `${encodeURIComponent(hostile.value)}=1` };
      const expect = queryFields.length > 0 ? 'refuse' : judged(draft, 'serve');
      out.push({
        route: label(route),
        field: 'query key',
        valueName: hostile.name,
        value: hostile.value,
        caller: 'service',
        expect,
        draft,
      });
    }
  }
  return out;
}

/** Paths the gateway routes nowhere, or with a method it does not take: a 404 or 405 naming them. */
export function unroutedCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = `Bearer ${ctx.token(SERVICE)}`;
  const nowhere: RouteSpec = { method: 'GET', template: '(no route)', fields: [], public: true };
  for (const hostile of valuesFor('path')) {
    const segment = encodeURIComponent(hostile.value);
    for (const [method, target] of [
      ['GET', `/${segment}`],
      ['GET', `/im/${segment}/x`],
      ['PATCH', `/im/group/${segment}`],
    ] as const) {
      const draft: Draft = {
        route: nowhere,
        values: new Map(),
        encoding: 'json',
        headers: [],
        authorization: service,
        method,
        target,
      };
      out.push({
        route: `${method} ${target.replace(segment, '{…}')}`,
        field: 'path',
        valueName: hostile.name,
        value: hostile.value,
        caller: 'service',
        expect: 'refuse',
        draft,
      });
    }
  }
  return out;
}
