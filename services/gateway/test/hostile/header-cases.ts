import { type CaseContext, type CaseDraft, type Expectation, judged, SERVICE } from './case.js';
import { baselineDraft, type Draft } from './request.js';
import { label, type RouteSpec } from './routes.js';
import { fits } from './schema.js';
import { valuesFor } from './values.js';

/**
 * Hostile values in the headers the gateway reads. A header travels the same way whatever the
 * route, so each value goes to two routes: one that stands for a backing service (taken in turn)
 * and one the seed picks.
 */
export const ALLOWED_ORIGIN = 'https://app.example.com';

/** Control characters but HTAB: a header value holding one is not HTTP (RFC 9110, field-value). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NOT_IN_A_HEADER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const REPRESENTATIVES = [
  'GET /signature/login/{app_id}/{client_id}',
  'GET /im/group/{group_id}',
  'GET /im/user/{client_id}/notifications',
  'PUT /im/admin/orgs/{organization_id}/users/{uid}',
  'GET /healthz',
];

type Eligible = (route: RouteSpec) => boolean;

interface HeaderRule {
  name: string;
  eligible: Eligible;
  /** The header line to send for a hostile value: `[name, value]`, or several. */
  lines: (value: string) => [string, string][];
  expect: (value: string, draft: Draft) => Expectation;
  method?: string;
}

const anyRoute: Eligible = () => true;
const protectedRoute: Eligible = (r) => !r.public;
const bodyRoute: Eligible = (r) => r.body !== undefined;
const declares =
  (name: string): Eligible =>
  (r) =>
    r.fields.some((f) => f.place === 'header' && f.name === name);
const served = (_value: string, draft: Draft) => judged(draft, 'serve');

/** What Node hands the gateway for a header value sent as UTF-8 bytes: latin1 text, trimmed. */
function asReceived(value: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these end or break a header line
  if (/[\r\n\u0000]/.test(value)) return undefined;
  return Buffer.from(value, 'utf8').toString('latin1').trim();
}

function headerRules(routes: RouteSpec[]): HeaderRule[] {
  const declared = (name: string) =>
    routes.flatMap((r) => r.fields).find((f) => f.place === 'header' && f.name === name);
  const idempotency = declared('idempotency-key');
  const lastEventId = declared('last-event-id');
  return [
    {
      name: 'authorization (Bearer)',
      eligible: protectedRoute,
      lines: (v) => [['Authorization', `Bearer ${v}`]],
      expect: () => 'refuse',
    },
    {
      name: 'authorization (scheme)',
      eligible: protectedRoute,
      lines: (v) => [['Authorization', v]],
      expect: () => 'refuse',
    },
    ...['X-Request-Id', 'X-Forwarded-For', 'Origin', 'Cookie', 'Accept', 'Host'].map(
      (name): HeaderRule => ({
        name: name.toLowerCase(),
        eligible: anyRoute,
        lines: (v) => [[name, v]],
        expect: served,
      }),
    ),
    {
      name: 'idempotency-key',
      eligible: declares('idempotency-key'),
      lines: (v) => [['Idempotency-Key', v]],
      expect: (v, draft) => {
        const seen = asReceived(v);
        if (seen === undefined || !idempotency) return 'any';
        return fits(idempotency.schema, seen, false) ? judged(draft, 'serve') : 'refuse';
      },
    },
    {
      // The stream's cursor: a hostile one must be refused before any stream starts.
      name: 'last-event-id',
      eligible: declares('last-event-id'),
      lines: (v) => [['Last-Event-ID', v]],
      expect: (v, draft) => {
        const seen = asReceived(v);
        if (seen === undefined || !lastEventId) return 'any';
        return fits(lastEventId.schema, seen, false) ? judged(draft, 'serve') : 'refuse';
      },
    },
    {
      name: 'content-type',
      eligible: bodyRoute,
      lines: (v) => [['Content-Type', v]],
      expect: () => 'refuse',
    },
    {
      name: 'content-type parameter',
      eligible: bodyRoute,
      lines: (v) => [['Content-Type', `application/json; charset=${v}`]],
      expect: () => 'any',
    },
    ...['Access-Control-Request-Method', 'Access-Control-Request-Headers'].map(
      (name): HeaderRule => ({
        name: `${name.toLowerCase()} (preflight)`,
        eligible: protectedRoute,
        method: 'OPTIONS',
        lines: (v) => [
          ['Origin', ALLOWED_ORIGIN],
          ...(name.endsWith('Method') ? [] : [['Access-Control-Request-Method', 'GET'] as [string, string]]),
          [name, v],
        ],
        expect: () => 'any',
      }),
    ),
  ];
}

/** A preflight carries no body, whatever the route it asks about takes. */
function withoutBody(route: RouteSpec): RouteSpec {
  const { body: _body, ...rest } = route;
  return { ...rest, fields: rest.fields.filter((f) => f.place !== 'body') };
}

export function headerCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = `Bearer ${ctx.token(SERVICE)}`;
  let turn = 0;
  for (const rule of headerRules(ctx.routes)) {
    const eligible = ctx.routes.filter(rule.eligible);
    if (eligible.length === 0) continue;
    const representatives = eligible.filter((r) => REPRESENTATIVES.includes(label(r)));
    for (const hostile of valuesFor('header')) {
      const first =
        representatives.length > 0
          ? representatives[turn++ % representatives.length]!
          : ctx.prng.pick(eligible);
      for (const route of new Set([first, ctx.prng.pick(eligible)])) {
        const preflight = rule.method === 'OPTIONS';
        const base = baselineDraft(route, ctx.fixtures, route.public || preflight ? undefined : service);
        const lines = rule.lines(hostile.value);
        const replaces = new Set(lines.map(([n]) => n.toLowerCase()));
        const draft: Draft = {
          ...base,
          ...(preflight ? { method: 'OPTIONS', route: withoutBody(route) } : {}),
          authorization: replaces.has('authorization') ? undefined : base.authorization,
          headers: lines,
        };
        const expect = rule.expect(hostile.value, draft);
        out.push({
          route: `${draft.method ?? route.method} ${route.template}`,
          field: `header ${rule.name}`,
          valueName: hostile.name,
          value: lines.at(-1)![1],
          caller: preflight ? 'none (preflight)' : 'service',
          expect,
          ...(NOT_IN_A_HEADER.test(hostile.value) ? { malformed: true } : {}),
          draft,
        });
      }
    }
  }
  return out;
}
