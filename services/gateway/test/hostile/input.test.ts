import { type Stack, startStack } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyCases, fuzzCases } from './body-cases.js';
import { type Case, type CaseContext, type CaseDraft, SERVICE } from './case.js';
import { APP_ID, type Fixtures, seedFixtures } from './fixtures.js';
import { ALLOWED_ORIGIN, headerCases } from './header-cases.js';
import { headBytes, MAX_HEAD_BYTES } from './http.js';
import { hostileSeed, Prng } from './prng.js';
import { deathReport, problemReport, rerunHint } from './report.js';
import { baselineDraft, toRawRequest } from './request.js';
import {
  errorBodyMembers,
  label,
  type OpenApiDocument,
  type RouteSpec,
  routesOf,
  withHiddenRoutes,
} from './routes.js';
import { type Outcome, replay, Sweep, suspectsOf } from './sweep.js';
import { tokenCases } from './token-cases.js';
import { pathCases, queryCases, unroutedCases } from './url-cases.js';
import type { ProblemKind } from './verdict.js';
import { ProcessWatch } from './watch.js';

/**
 * Issue 8, item 7: the whole system as real processes (nats-server, the MongoDB-wire server, every
 * service, the gateway), and for every route of the gateway's OpenAPI document, every field in
 * every place, and the headers it reads, hostile values sent by callers entitled to reach the
 * service behind the route. Every answer must be a success or a 4xx with the documented JSON
 * error, never a 5xx; and at the end every process must still be the one that started.
 * `HOSTILE_SEED` reruns a sweep exactly (the seed picks embeddings, routes, roles, order, fuzz).
 */
const seed = hostileSeed();
const prng = new Prng(seed);
const CONCURRENCY = 8;
const FUZZ_CASES = 300;
/**
 * The default: a request a dying service never answers costs this much, but a tighter timeout
 * turns a slow moment of the MongoDB-wire server under the sweep's load into a false 504.
 */
const REQUEST_TIMEOUT_MS = 5_000;
const REPLAY_LIMIT = 60;

let stack: Stack;
let sweep: Sweep;
let fixtures: Fixtures;
let routes: RouteSpec[];
let cases: Case[] = [];
let outcomes: Outcome[] = [];
const baselines: Outcome[] = [];
let pidsAtStart: Record<string, number> = {};
let culprits = new Map<Case, string[]>();
let unexplained: Case[] = [];
let sweepMs = 0;
const watch = new ProcessWatch(
  () => stack,
  () => sweep?.inFlight() ?? [],
);

const pids = () => Object.fromEntries(Object.entries(stack.processes).map(([name, p]) => [name, p.pid]));

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'info',
    env: {
      SIGNATURE_APP_KEYS: JSON.stringify({ [APP_ID]: 'hostile-master-key' }),
      RATE_LIMIT_MAX: '10000000',
      SIGNATURE_RATE_LIMIT_MAX: '10000000',
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      // So that the gateway reads X-Forwarded-For and Origin at all.
      TRUST_PROXY: '1',
      CORS_ORIGINS: ALLOWED_ORIGIN,
      LOG_PRETTY: '0',
    },
    // A dead process is started again so that one fatal case does not turn the rest of the sweep
    // into 503s, and each death can be pinned on its case by replaying the suspects. Every death
    // still fails the suite: the processes at the end must be the ones that started.
    restart: { initialDelayMs: 500, maxDelayMs: 1_000, stableAfterMs: 2_000 },
    ...watch.callbacks,
  });
  pidsAtStart = pids();
  const serviceToken = stack.token(SERVICE);
  fixtures = await seedFixtures(stack, serviceToken);
  const document = (await (await fetch(`${stack.gatewayUrl}/docs/json`)).json()) as OpenApiDocument;
  routes = withHiddenRoutes(routesOf(document));
  sweep = new Sweep(Number(new URL(stack.gatewayUrl).port), errorBodyMembers(document));

  const ctx: CaseContext = {
    routes,
    fixtures,
    prng,
    token: (claims, header) => stack.token(claims, header ? { header } : undefined),
  };
  const drafts: CaseDraft[] = [
    ...pathCases(ctx),
    ...queryCases(ctx),
    ...bodyCases(ctx),
    ...headerCases(ctx),
    ...tokenCases(ctx),
    ...unroutedCases(ctx),
    ...fuzzCases(ctx, FUZZ_CASES),
  ];
  cases = prng.shuffle(drafts).map(({ draft, ...c }, id) => {
    const request = toRawRequest(draft);
    // A head past the parser's limit is never read: what the error says of the request is a guess.
    const malformed = c.malformed || headBytes(request) > MAX_HEAD_BYTES;
    return { ...c, id, request, ...(malformed ? { malformed } : {}) };
  });

  // Every route's valid request first: proof that the sweep's requests reach the service.
  for (const route of routes) {
    const draft = baselineDraft(route, fixtures, route.public ? undefined : `Bearer ${serviceToken}`);
    const c: Case = {
      id: -1,
      route: label(route),
      field: '(none)',
      valueName: 'baseline',
      value: '',
      caller: 'service',
      expect: 'serve',
      request: toRawRequest(draft),
    };
    baselines.push(await sweep.one(c));
  }

  watch.phase = 'sweep';
  const started = Date.now();
  outcomes = await sweep.all(cases, CONCURRENCY);
  sweepMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500)); // a death just after the last answer

  if (watch.deaths.length > 0) {
    watch.phase = 'replay';
    await watch.recovered();
    const answered = new Map(outcomes.map((o) => [o.case, o]));
    const suspects = suspectsOf([...new Set(watch.deaths.flatMap((d) => d.inFlight))], answered);
    culprits = await replay(
      sweep,
      suspects,
      { exits: () => watch.exited, recovered: () => watch.recovered() },
      REPLAY_LIMIT,
    );
    unexplained = suspects.filter((c) => !culprits.has(c));
    await watch.recovered();
  }
  watch.phase = 'done';
  console.log(
    `hostile sweep: ${cases.length} requests in ${(sweepMs / 1000).toFixed(1)} s, ${watch.deaths.length} death(s) (seed ${seed})`,
  );
}, 300_000);
afterAll(() => stack?.stop());

function failing(kinds: readonly ProblemKind[], exclude?: (o: Outcome) => boolean): Outcome[] {
  return outcomes.filter((o) => o.problem && kinds.includes(o.problem.kind) && !exclude?.(o));
}

const report = (title: string, selected: Outcome[]) => problemReport(selected, outcomes.length, seed, title);

describe('hostile input, every route, every field (issue 8)', () => {
  it('sweeps every route and field of the OpenAPI document, each from a request the route serves', () => {
    const missing: string[] = [];
    for (const route of routes) {
      for (const field of route.fields) {
        const swept = cases.some(
          (c) => c.route === label(route) && c.field.startsWith(`${field.place} ${field.name}`),
        );
        if (!swept) missing.push(`${label(route)} ${field.place} ${field.name}`);
      }
    }
    expect(missing).toEqual([]);
    const unserved = baselines
      .filter((o) => {
        const status = o.response?.status ?? 0;
        const wanted = routes.find((r) => label(r) === o.case.route)?.baselineStatus;
        return wanted === undefined ? status < 200 || status >= 300 : status !== wanted;
      })
      .map(
        (o) =>
          `${o.case.route}: ${o.response?.status ?? o.error} ${o.response?.body.toString().slice(0, 200) ?? ''}`,
      );
    expect(unserved, 'a route whose valid request fails makes its hostile cases meaningless').toEqual([]);
    expect(cases.length).toBeGreaterThan(2_000);
  });

  it('answers no hostile request with a 5xx, and every one at all', () => {
    const selected = failing(['server error (5xx)', 'no answer'], (o) => watch.duringOutage(o));
    expect(
      selected.length,
      report('5xx or no answer (outside the outages of a dead process)', selected),
    ).toBe(0);
  });

  it('answers every refusal with the documented JSON error, its message escaped and short', () => {
    const selected = failing(['error body not the documented JSON', 'unsafe error message']);
    expect(selected.length, report('errors not in the documented shape', selected)).toBe(0);
  });

  it('refuses what the schema or the rules refuse, and never refuses an entitled service for its input', () => {
    const selected = failing([
      'accepted what must be refused',
      'refused an entitled service (401/403)',
      'unexpected status',
    ]);
    expect(selected.length, report('wrong decisions', selected)).toBe(0);
  });

  it('puts no header a CR/LF could have injected into any answer', () => {
    const selected = failing(['header injection']);
    expect(selected.length, report('header injection', selected)).toBe(0);
  });

  it('keeps every log line of every process one JSON object', () => {
    expect(watch.notJsonLines.slice(0, 40), `${watch.notJsonLines.length} lines\n${rerunHint(seed)}`).toEqual(
      [],
    );
  });

  it('leaves every process running, the same process as at the start, and the system ready', async () => {
    expect(watch.deaths.length, deathReport(watch.deaths, culprits, unexplained, seed)).toBe(0);
    expect(pids()).toEqual(pidsAtStart);
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
  });
});
