import { readFileSync } from 'node:fs';
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Thrown at start-up; its message names every variable that is wrong, so the process can say so and exit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Reads the environment once, against a TypeBox object whose property names are the variable
 * names. Strings are converted to the schema's types, defaults filled in, and every broken rule
 * reported together.
 */
export function loadConfig<T extends TObject>(schema: T, env: Env = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  const problems = [...Value.Errors(schema, converted)].map((error) => {
    const variable = error.path.replace(/^\//, '') || '(config)';
    return `${variable}: ${error.message}`;
  });
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return converted as Static<T>;
}

/**
 * A secret given either inline (`NAME`) or as a file path (`NAME_FILE`, the container-secrets
 * convention). Exactly one may be set; `undefined` when neither is.
 */
export function readSecret(name: string, env: Env = process.env): string | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline && file) throw new ConfigError(`${name} and ${name}_FILE: set only one of them`);
  if (inline) return inline;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}
