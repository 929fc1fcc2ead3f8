import type { JsonSchema } from './schema.js';

/**
 * The routes to sweep, read from the gateway's own OpenAPI document (`GET /docs/json`): a route
 * added tomorrow is swept without touching the suite. Each field keeps the schema the document
 * gives it; that schema is what decides whether a hostile value must be refused.
 */
export type FieldPlace = 'path' | 'query' | 'header' | 'body';

export interface FieldSpec {
  name: string;
  place: FieldPlace;
  schema: JsonSchema;
  required: boolean;
}

export interface RouteSpec {
  method: string;
  /** As the document writes it: `/im/group/{group_id}`. */
  template: string;
  fields: FieldSpec[];
  /** The body's schema, when the route takes one. */
  body?: JsonSchema;
  /** No token needed (health, readiness). */
  public: boolean;
  /** What the route answers to a valid request; only routes hidden from the document need one. */
  baselineStatus?: number;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export const label = (route: Pick<RouteSpec, 'method' | 'template'>) => `${route.method} ${route.template}`;

export function routesOf(document: OpenApiDocument): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const fields: FieldSpec[] = (operation.parameters ?? []).map((p) => ({
        name: p.name,
        place: p.in as FieldPlace,
        schema: p.schema ?? {},
        required: p.required === true,
      }));
      const body = operation.requestBody?.content?.['application/json']?.schema;
      for (const [name, schema] of Object.entries(body?.properties ?? {})) {
        fields.push({ name, place: 'body', schema, required: body?.required?.includes(name) ?? false });
      }
      routes.push({
        method: method.toUpperCase(),
        template,
        fields,
        ...(body ? { body } : {}),
        public: !operation.security,
      });
    }
  }
  return routes;
}

/**
 * Spellings the gateway serves but hides from the document (README, "Signatures"): the
 * `conversation` alias and the member actions without a member segment (invite: joining; kick:
 * a 400). Their fields are the documented routes' fields of the same name.
 */
const HIDDEN: readonly { method: string; template: string; baselineStatus: number }[] = [
  {
    method: 'GET',
    template: '/signature/conversation/{app_id}/{client_id}/{sorted_member_ids}',
    baselineStatus: 200,
  },
  { method: 'GET', template: '/signature/invite/{app_id}/{client_id}/{conversion_id}', baselineStatus: 200 },
  { method: 'GET', template: '/signature/kick/{app_id}/{client_id}/{conversion_id}', baselineStatus: 400 },
];

export function withHiddenRoutes(routes: RouteSpec[]): RouteSpec[] {
  const pathFields = new Map<string, FieldSpec>();
  for (const route of routes) for (const f of route.fields) if (f.place === 'path') pathFields.set(f.name, f);
  const hidden = HIDDEN.filter((h) => !routes.some((r) => label(r) === label(h))).map(
    (h): RouteSpec => ({
      ...h,
      public: false,
      fields: segmentNames(h.template).map((name) => {
        const field = pathFields.get(name);
        if (!field) throw new Error(`hidden route ${label(h)}: no documented path field ${name}`);
        return field;
      }),
    }),
  );
  return [...routes, ...hidden];
}

export const segmentNames = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** Which process answers a route, for the report: the first path segment says it. */
export function serviceOf(template: string): string {
  if (template.startsWith('/signature/')) return 'signature';
  if (template.startsWith('/im/admin/')) return 'gateway (publishes to JetStream)';
  if (template.endsWith('/notifications/tickets')) return 'gateway (stream tickets in JetStream KV)';
  if (/^\/im\/(class|org\/\{class_id\}|user\/\{client_id\}\/notifications)/.test(template))
    return 'broadcast';
  if (template.startsWith('/im/')) return 'group';
  return 'gateway';
}

/**
 * The members an error body may have, as the document's error schema lists them (`data` beside
 * the three every error has). The README requires `error_code`, `msg` and `request` of every one.
 */
export function errorBodyMembers(document: OpenApiDocument): Set<string> {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const properties = response.content?.['application/json']?.schema?.properties;
        if (status.startsWith('4') && properties && 'error_code' in properties)
          return new Set(Object.keys(properties));
      }
    }
  }
  throw new Error('the OpenAPI document has no error body schema');
}
