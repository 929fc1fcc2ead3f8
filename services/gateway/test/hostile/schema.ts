/**
 * Whether a value fits a field's schema as the OpenAPI document states it: the oracle that says
 * which hostile values the gateway must refuse. Written here, apart from the gateway's validator,
 * so that a bug there cannot agree with itself. It covers the keywords the document uses; a
 * keyword it does not know counts as passed, so the oracle only ever errs towards "may accept".
 * `coerce`: text may stand for a number or a boolean, as the gateway's validator takes it (Ajv's
 * `coerceTypes`: forms carry only text, and the gateway coerces JSON bodies the same way). The
 * oracle coerces wherever the gateway does, so that it never calls a legitimate request hostile.
 */
export interface JsonSchema {
  type?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
}

const codePoints = (text: string) => Array.from(text).length;

export function fits(schema: JsonSchema, value: unknown, coerce: boolean): boolean {
  if (schema.anyOf) return schema.anyOf.some((option) => fits(option, value, coerce));
  if (schema.enum && !schema.enum.some((allowed) => allowed === value)) return false;
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' && fitsString(schema, value);
    case 'integer':
    case 'number': {
      const n = coerce && typeof value === 'string' ? asNumber(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return false;
      if (schema.type === 'integer' && !Number.isInteger(n)) return false;
      return (schema.minimum ?? -Infinity) <= n && n <= (schema.maximum ?? Infinity);
    }
    case 'boolean':
      return typeof value === 'boolean' || (coerce && (value === 'true' || value === 'false'));
    case 'array': {
      const items = Array.isArray(value) ? value : coerce && value !== undefined ? [value] : undefined;
      if (!items || items.length > (schema.maxItems ?? Infinity)) return false;
      return !schema.items || items.every((item) => fits(schema.items!, item, coerce));
    }
    case 'object':
      return fitsObject(schema, value, coerce);
    default:
      return true;
  }
}

function fitsString(schema: JsonSchema, value: string): boolean {
  const length = codePoints(value);
  if (length < (schema.minLength ?? 0) || length > (schema.maxLength ?? Infinity)) return false;
  return schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(value);
}

/** Text that reads as a number, or undefined: an empty or blank string is no number. */
function asNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

function fitsObject(schema: JsonSchema, value: unknown, coerce: boolean): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  if ((schema.required ?? []).some((name) => !(name in record))) return false;
  return Object.entries(record).every(([name, field]) => {
    const property = properties[name];
    if (!property) return schema.additionalProperties !== false;
    return fits(property, field, coerce);
  });
}

/** The claim rule for `sub` (README, "Security"): 1-64 characters without ':'. */
export const SUB_SCHEMA: JsonSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^:]+$' };
