import { baselineValue, type Fixtures } from './fixtures.js';
import type { RawRequest } from './http.js';
import type { FieldPlace, FieldSpec, RouteSpec } from './routes.js';
import { fits } from './schema.js';

/**
 * One request to one route, as fields by place: the baseline (every field valid) with one field
 * changed. It knows both how to write itself as raw bytes and whether the route's schema lets it
 * through, which decides if the gateway must refuse it.
 */
export type BodyEncoding = 'json' | 'form';

export interface Draft {
  route: RouteSpec;
  /** Decoded values, keyed `place:name`. */
  values: Map<string, unknown>;
  /** Segments written as they are instead of encoded: the raw cases. */
  rawSegments?: Record<string, string>;
  /** Extra query text, raw (`%0d%0a=1`), after the fields. */
  rawQuery?: string;
  encoding: BodyEncoding;
  /** A whole body in place of the fields, with whether it is valid as far as the sweep can tell. */
  rawBody?: Buffer;
  headers: [string, string][];
  /** `Authorization` value; undefined sends none. */
  authorization: string | undefined;
  method?: string;
  /** A path in place of the route's, for requests to nothing the gateway routes. */
  target?: string;
}

const key = (place: FieldPlace, name: string) => `${place}:${name}`;

/** Every path field; the body's required fields (all of them when none is required); no optional query or header. */
export function baselineDraft(route: RouteSpec, fx: Fixtures, authorization: string | undefined): Draft {
  const values = new Map<string, unknown>();
  const bodyFields = route.fields.filter((f) => f.place === 'body');
  const noneRequired = !bodyFields.some((f) => f.required);
  for (const field of route.fields) {
    const wanted = field.place === 'path' || field.required || (field.place === 'body' && noneRequired);
    if (wanted) values.set(key(field.place, field.name), baselineValue(route, field, fx));
  }
  return { route, values, encoding: 'json', headers: [], authorization };
}

/** The draft with `field` set to `value`; the same name in another place is dropped, so this one counts. */
export function withField(draft: Draft, field: FieldSpec, value: unknown): Draft {
  const values = new Map(draft.values);
  for (const place of ['path', 'query', 'header', 'body'] as const) {
    if (place !== field.place) values.delete(key(place, field.name));
  }
  values.set(key(field.place, field.name), value);
  return { ...draft, values };
}

const valuesIn = (draft: Draft, place: FieldPlace) =>
  [...draft.values]
    .filter(([k]) => k.startsWith(`${place}:`))
    .map(([k, v]) => [k.slice(place.length + 1), v] as const);

export function bodyObject(draft: Draft): Record<string, unknown> | undefined {
  if (!draft.route.body) return undefined;
  return Object.fromEntries(valuesIn(draft, 'body'));
}

export function toRawRequest(draft: Draft): RawRequest {
  const path =
    draft.target ??
    draft.route.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const raw = draft.rawSegments?.[name];
      return raw ?? encodeURIComponent(String(draft.values.get(key('path', name))));
    });
  const query = valuesIn(draft, 'query').map(
    ([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(String(v))}`,
  );
  if (draft.rawQuery !== undefined) query.push(draft.rawQuery);
  const target = query.length > 0 ? `${path}?${query.join('&')}` : path;

  const headers: [string, string][] = [];
  if (draft.authorization !== undefined) headers.push(['Authorization', draft.authorization]);
  for (const [name, value] of valuesIn(draft, 'header')) headers.push([name, String(value)]);
  let body: Buffer | undefined;
  const object = bodyObject(draft);
  if (draft.rawBody) {
    body = draft.rawBody;
  } else if (object) {
    body =
      draft.encoding === 'json'
        ? Buffer.from(JSON.stringify(object))
        : Buffer.from(
            new URLSearchParams(
              Object.entries(object).map(([n, v]): [string, string] => [n, String(v)]),
            ).toString(),
          );
  }
  if (body && !draft.headers.some(([n]) => n.toLowerCase() === 'content-type')) {
    headers.push([
      'Content-Type',
      draft.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    ]);
  }
  headers.push(...draft.headers);
  return { method: draft.method ?? draft.route.method, target, headers, ...(body ? { body } : {}) };
}

/** Whether every field of the draft fits its schema: when not, the gateway must refuse it. */
export function draftFits(draft: Draft): boolean {
  const fieldsFit = draft.route.fields
    .filter((f) => f.place !== 'body')
    .every((f) => {
      const k = key(f.place, f.name);
      if (!draft.values.has(k)) return !f.required;
      return fits(f.schema, draft.values.get(k), true);
    });
  if (!fieldsFit) return false;
  const object = bodyObject(draft);
  return !object || !draft.route.body || fits(draft.route.body, object, true);
}

/** A form body carries text only: routes with a list or an object in their body are sent as JSON. */
export function takesForms(route: RouteSpec): boolean {
  return route.fields
    .filter((f) => f.place === 'body')
    .every((f) => f.schema.type !== 'array' && f.schema.type !== 'object');
}
