import { bearer, type CaseContext, type CaseDraft, embed, judged, KEY_VALUES, SERVICE } from './case.js';
import type { Prng } from './prng.js';
import { baselineDraft, type Draft, takesForms, withField } from './request.js';
import { type FieldSpec, label } from './routes.js';
import { FRAGMENTS, HOSTILE_BODIES, type HostileValue, valuesFor } from './values.js';

/**
 * Hostile request bodies: every field of every route that takes one, as JSON and as a form (the
 * old clients' way); hostile field names; whole bodies no route takes. Then the seeded fuzzer,
 * which strings hostile fragments together into any field of any route.
 */

/** Body fields as JSON and as a form, hostile field names, and hostile whole bodies. */
export function bodyCases(ctx: CaseContext): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = bearer(ctx.token(SERVICE));
  for (const route of ctx.routes.filter((r) => r.body)) {
    const base = baselineDraft(route, ctx.fixtures, service);
    const encodings = takesForms(route) ? (['json', 'form'] as const) : (['json'] as const);
    for (const field of route.fields.filter((f) => f.place === 'body')) {
      for (const hostile of valuesFor('body')) {
        for (const encoding of encodings) {
          if (encoding === 'form' && hostile.name === 'lone surrogate') continue; // a form carries UTF-8 only
          const value = bodyValue(ctx.prng, base, field, hostile);
          const draft = { ...withField(base, field, value), encoding };
          out.push({
            route: label(route),
            field: `body ${field.name} (${encoding})`,
            valueName: hostile.name,
            value: JSON.stringify(value),
            caller: 'service',
            expect: judged(draft, 'serve'),
            draft,
          });
        }
      }
    }
    for (const hostile of KEY_VALUES) {
      const object = Object.fromEntries(
        [...base.values].filter(([k]) => k.startsWith('body:')).map(([k, v]) => [k.slice(5), v]),
      );
      const draft = { ...base, rawBody: Buffer.from(JSON.stringify({ ...object, [hostile.value]: 'x' })) };
      out.push({
        route: label(route),
        field: 'body key',
        valueName: hostile.name,
        value: hostile.value,
        caller: 'service',
        expect: 'refuse',
        draft,
      });
    }
    for (const body of HOSTILE_BODIES) {
      const draft = { ...base, rawBody: body.body };
      out.push({
        route: label(route),
        field: 'body',
        valueName: body.name,
        value: body.body.subarray(0, 60).toString('latin1'),
        caller: 'service',
        expect: body.refused ? 'refuse' : 'any',
        draft,
      });
    }
  }
  return out;
}

/** A list field gets the value as one of its items; any other field gets it as text. */
function bodyValue(prng: Prng, base: Draft, field: FieldSpec, hostile: HostileValue): unknown {
  const current = base.values.get(`body:${field.name}`);
  if (field.schema.type === 'array') return [...(Array.isArray(current) ? current : []), hostile.value];
  return embed(prng, current ?? '', hostile.value);
}

/** Values of the seeded fuzzer: fragments strung together, 1 to 200 characters. */
export function fuzzValue(prng: Prng): string {
  let value = '';
  const length = 1 + prng.below(prng.below(4) === 0 ? 200 : 12);
  while (Array.from(value).length < length) value += prng.pick(FRAGMENTS);
  return value;
}

export function fuzzCases(ctx: CaseContext, count: number): CaseDraft[] {
  const out: CaseDraft[] = [];
  const service = bearer(ctx.token(SERVICE));
  const routes = ctx.routes.filter((r) => r.fields.length > 0);
  for (let i = 0; i < count; i++) {
    const route = ctx.prng.pick(routes);
    const field = ctx.prng.pick(route.fields.filter((f) => f.place !== 'header'));
    const value = fuzzValue(ctx.prng);
    const base = baselineDraft(route, ctx.fixtures, service);
    const draft = withField(base, field, field.schema.type === 'array' ? [value] : value);
    out.push({
      route: label(route),
      field: `${field.place} ${field.name} (fuzz)`,
      valueName: 'fuzz',
      value,
      caller: 'service',
      expect: judged(draft, 'serve'),
      draft,
    });
  }
  return out;
}
