import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { invalidParameter } from './errors.js';
import { ruleFor } from './fields.js';

/** `/a/b/0` → `a.b[0]`; the whole value is `body`. */
export function fieldOf(path: string): string {
  if (path === '' || path === '/') return 'body';
  return path
    .slice(1)
    .split('/')
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

/**
 * Compiles a schema once into a checker that returns the typed value or throws a 400 naming the
 * first broken field. Services run every message they receive through one of these.
 */
export function compileValidator<S extends TSchema>(schema: S): (value: unknown) => Static<S> {
  const checker = TypeCompiler.Compile(schema);
  return (value) => {
    if (checker.Check(value)) return value;
    const first = checker.Errors(value).First();
    const field = fieldOf(first?.path ?? '');
    const last = field.split('.').at(-1) ?? field;
    throw invalidParameter(field, ruleFor(last, first?.message.toLowerCase() ?? 'is invalid'));
  };
}
