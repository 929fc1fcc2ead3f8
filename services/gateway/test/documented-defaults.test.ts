/**
 * The README's Configuration table against the schemas: every default the README writes as a
 * literal (a backticked number or word) is the `default` of that variable in the environment
 * schema of every process the row names, and the reader (loadConfig) fills it in from there. A
 * default changed on one side alone, a variable a named process does not read, or a row this
 * parser cannot read fails here.
 *
 * It lives with the gateway's tests because the gateway's package is the one that depends on all
 * five processes (the others as devDependencies, for its end-to-end tests).
 */
import { readFileSync } from 'node:fs';
import { BroadcastConfigSchema } from '@im/broadcast-service';
import { loadConfig } from '@im/config';
import { GroupConfigSchema } from '@im/group-service';
import { SignatureConfigSchema } from '@im/signature-service';
import { WorkersConfigSchema } from '@im/workers';
import { type TObject, Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { Schema as GatewayConfigSchema } from '../src/config.js';

const SCHEMAS: Record<string, TObject> = {
  signature: SignatureConfigSchema,
  group: GroupConfigSchema,
  broadcast: BroadcastConfigSchema,
  workers: WorkersConfigSchema,
  gateway: GatewayConfigSchema,
};
const PROCESSES = Object.keys(SCHEMAS);

/** Rows whose default is prose, not a value a schema could hold; any other prose row fails. */
const PROSE_DEFAULTS: Record<string, string> = {
  NATS_USER: 'none: credentials are optional and not part of the schema (readNatsAuth)',
  LOG_PRETTY: 'depends on whether stdout is a terminal (read by the logger, not a schema)',
  AUTH_JWT_SECRET: 'required: a key source has no default',
  AUTH_JWT_PUBLIC_KEY_FILE: 'none: optional key files',
  AUTH_JWT_ISSUER: 'none: optional claims',
  CORS_ORIGINS: 'none: the empty list',
  SIGNATURE_APP_KEYS: 'required: a secret has no default',
};

interface Expectation {
  variable: string;
  process: string;
  documented: string;
}

interface ReadTable {
  expectations: Expectation[];
  prose: { variables: string[]; cell: string }[];
}

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** Backticked tokens of a cell, in order. */
const ticked = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? '');

/** The Configuration table's rows, as expectations (literal defaults) and prose rows. */
function readTable(markdown: string): ReadTable {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Configuration\n'));
  if (!section) throw new Error('README has no "## Configuration" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2); // header and separator
  const expectations: Expectation[] = [];
  const prose: ReadTable['prose'] = [];
  for (const row of rows) {
    const [varCell, processCell, defaultCell] = row
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim());
    if (varCell === undefined || processCell === undefined || defaultCell === undefined) {
      throw new Error(`cannot read row: ${row}`);
    }
    const variables = ticked(varCell).filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
    const processes = processCell === 'all' ? PROCESSES : processCell.split(',').map((p) => p.trim());
    for (const p of processes)
      if (!SCHEMAS[p]) throw new Error(`row names an unknown process "${p}": ${row}`);
    if (variables.length === 0) throw new Error(`row names no variable: ${row}`);

    // A literal default is backticked values and separators only: `,` between processes (or
    // variables), `;` between variables.
    if (defaultCell.replace(/`[^`]*`/g, '').replace(/[,;\s]/g, '') !== '') {
      prose.push({ variables, cell: defaultCell });
      continue;
    }
    const groups = defaultCell.split(';').map(ticked);
    const perVariable =
      groups.length > 1
        ? groups
        : (groups[0] ?? []).length === variables.length
          ? (groups[0] ?? []).map((v) => [v])
          : null;
    variables.forEach((variable, i) => {
      // A variable named after one of the row's processes (GROUP_…, BROADCAST_…) is that one's alone.
      const own = processes.filter((p) => variable.startsWith(`${p.toUpperCase()}_`));
      const readers = own.length > 0 ? own : processes;
      const values = perVariable ? perVariable[i] : groups[0];
      if (!values || (values.length !== 1 && values.length !== readers.length)) {
        throw new Error(`cannot tell which default of "${defaultCell}" is ${variable}'s: ${row}`);
      }
      readers.forEach((process, j) => {
        const documented = values.length === 1 ? values[0] : values[j];
        if (documented === undefined) throw new Error(`no default for ${variable} in ${process}: ${row}`);
        expectations.push({ variable, process, documented });
      });
    });
  }
  return { expectations, prose };
}

/** What differs between the documented default and the schema (and its reader); empty when they agree. */
function problemOf({ variable, process, documented }: Expectation, schemas = SCHEMAS): string | undefined {
  const schema = schemas[process] as TObject;
  const property = schema.properties[variable] as { default?: unknown } | undefined;
  if (!property) return `${process}'s schema has no ${variable}`;
  if (property.default === undefined) return `${variable} has no default in ${process}'s schema`;
  if (String(property.default) !== documented) {
    return `${variable} in ${process}: README says ${documented}, the schema ${String(property.default)}`;
  }
  // And the reader fills it in from there (an empty environment).
  const read = String(loadConfig(schema, {})[variable]);
  if (read !== documented) return `${variable} as ${process} reads it: ${read}, README says ${documented}`;
  return undefined;
}

const problemsOf = (markdown: string, schemas = SCHEMAS) =>
  readTable(markdown)
    .expectations.map((e) => problemOf(e, schemas))
    .filter((p) => p !== undefined);

const table = readTable(readme);

describe('README Configuration table: every literal default is the schema default', () => {
  it.each(table.expectations.map((e) => [`${e.variable} in ${e.process} is ${e.documented}`, e] as const))(
    '%s',
    (_, expectation) => {
      expect(problemOf(expectation)).toBeUndefined();
    },
  );

  it('covers every process and skips only the rows known to have prose defaults', () => {
    for (const process of PROCESSES) {
      expect(
        table.expectations.some((e) => e.process === process),
        `${process}: nothing checked`,
      ).toBe(true);
    }
    expect(table.prose.map((row) => row.variables[0]).sort()).toEqual(Object.keys(PROSE_DEFAULTS).sort());
  });

  it('fails when the README alone changes a default', () => {
    const row = readme.split('\n').find((line) => line.startsWith('| `RELAY_INTERVAL_MS`'));
    expect(row).toBeDefined();
    const edited = readme.replace(row as string, (row as string).replace('`2000`', '`2001`'));
    expect(problemsOf(edited)).toEqual([
      'RELAY_MIN_AGE_MS in group: README says 2001, the schema 2000',
      'RELAY_MIN_AGE_MS in broadcast: README says 2001, the schema 2000',
    ]);
  });

  it('fails when a schema alone changes a default', () => {
    const { FANOUT_CHUNK_SIZE, ...rest } = WorkersConfigSchema.properties;
    const workers = Type.Object({
      ...rest,
      FANOUT_CHUNK_SIZE: Type.Integer({ ...FANOUT_CHUNK_SIZE, default: 500 }),
    });
    expect(problemsOf(readme, { ...SCHEMAS, workers })).toEqual([
      'FANOUT_CHUNK_SIZE in workers: README says 1000, the schema 500',
    ]);
  });

  for (const { variables, cell } of table.prose) {
    const reason = PROSE_DEFAULTS[variables[0] ?? ''] ?? 'unexpected prose default';
    it.skip(`${variables.join(', ')}: "${cell}" is not a literal (${reason})`, () => {});
  }
});
