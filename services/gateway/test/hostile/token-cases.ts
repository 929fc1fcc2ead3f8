import {
  type CaseContext,
  type CaseDraft,
  type Expectation,
  embed,
  judged,
  SERVICE,
  subExpectation,
} from './case.js';
import { baselineDraft } from './request.js';
import { label, type RouteSpec, serviceOf } from './routes.js';
import { valuesFor } from './values.js';

/**
 * Tokens whose claims hold hostile values. The caller travels to every service in `Im-Caller`,
 * and services compare it, store it and may repeat it in a refusal: the sub goes to a route of
 * each backing service, as a service and as a user. Hostile `role` claims and `kid` headers too.
 */
export function tokenCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const protectedRoutes = ctx.routes.filter((r) => !r.public);
  const byService = new Map<string, RouteSpec[]>();
  for (const r of protectedRoutes)
    byService.set(serviceOf(r.template), [...(byService.get(serviceOf(r.template)) ?? []), r]);
  const push = (
    route: RouteSpec,
    field: string,
    valueName: string,
    value: string,
    caller: string,
    token: string,
    expect: Expectation,
  ) => {
    const draft = baselineDraft(route, ctx.fixtures, `Bearer ${token}`);
    out.push({
      route: label(route),
      field,
      valueName,
      value,
      caller,
      expect: expect === 'refuse' ? 'refuse' : judged(draft, expect),
      draft,
    });
  };
  for (const hostile of valuesFor('sub')) {
    const sub = embed(ctx.prng, 'svc', hostile.value);
    for (const routes of byService.values()) {
      push(
        ctx.prng.pick(routes),
        'token sub',
        hostile.name,
        sub,
        'service (sub = the value)',
        ctx.token({ sub, role: 'service' }),
        subExpectation(sub),
      );
    }
    const role = ctx.prng.pick(['user', 'org_admin'] as const);
    const token = ctx.token({ sub, orgs: [1], role });
    push(
      ctx.prng.pick(protectedRoutes),
      'token sub',
      hostile.name,
      sub,
      `${role} (sub = the value)`,
      token,
      subExpectation(sub),
    );
    push(
      ctx.prng.pick(protectedRoutes),
      'token role',
      hostile.name,
      hostile.value,
      'role = the value',
      ctx.token({ sub: 'c1', role: hostile.value }),
      'refuse',
    );
    push(
      ctx.prng.pick(protectedRoutes),
      'token header kid',
      hostile.name,
      hostile.value,
      'service',
      ctx.token(SERVICE, { kid: hostile.value }),
      'any',
    );
  }
  return out;
}
