import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  databaseOf,
  loadConfig,
  readNatsAuth,
  readSecret,
  readStoredServiceConfig,
  storedServiceConfig,
} from '../src/index.js';

const Schema = Type.Object({
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65_535 }),
  NAME: Type.String({ default: 'im' }),
});

describe('loadConfig', () => {
  it('converts strings and fills defaults', () => {
    expect(loadConfig(Schema, { PORT: '8080' })).toEqual({ PORT: 8080, NAME: 'im' });
    expect(loadConfig(Schema, {})).toEqual({ PORT: 3000, NAME: 'im' });
  });

  it('fails naming the variable', () => {
    expect(() => loadConfig(Schema, { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig(Schema, { PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig(Schema, { PORT: '70000' })).toThrow(/PORT: /);
  });
});

describe('readSecret', () => {
  it('reads NAME or NAME_FILE, never both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-file\n');
    try {
      expect(readSecret('KEY', { KEY: 'inline' })).toBe('inline');
      expect(readSecret('KEY', { KEY_FILE: file })).toBe('from-file');
      expect(readSecret('KEY', {})).toBeUndefined();
      expect(() => readSecret('KEY', { KEY: 'a', KEY_FILE: file })).toThrow(/KEY and KEY_FILE/);
      expect(() => readSecret('KEY', { KEY_FILE: join(dir, 'missing') })).toThrow(/KEY_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('stored service configuration', () => {
  const schema = Type.Object(storedServiceConfig(9102));

  it('uses the database the URL names, else the service default', () => {
    expect(readStoredServiceConfig(loadConfig(schema, {}), 'im_group').dbName).toBe('im_group');
    const named = loadConfig(schema, { MONGO_URL: 'mongodb://a:27017,b:27017/school?replicaSet=rs0' });
    expect(readStoredServiceConfig(named, 'im_group').dbName).toBe('school');
    expect(databaseOf('mongodb+srv://cluster.example/x%2Dy')).toBe('x-y');
    expect(databaseOf('mongodb://127.0.0.1:27017/')).toBeUndefined();
  });

  it('reads the metrics port and replicas, naming a bad one', () => {
    const c = readStoredServiceConfig(
      loadConfig(schema, { METRICS_PORT: '0', JETSTREAM_REPLICAS: '3' }),
      'x',
    );
    expect(c).toMatchObject({ metricsPort: 0, jetstreamReplicas: 3, natsUrl: 'nats://127.0.0.1:4222' });
    expect(() => loadConfig(schema, { MONGO_URL: 'http://nope' })).toThrow(/MONGO_URL: /);
  });

  it('reads the in-flight cap and the database time limit, naming a bad one', () => {
    const defaults = readStoredServiceConfig(loadConfig(schema, {}), 'x');
    expect(defaults).toMatchObject({ maxInFlight: 512, mongoTimeoutMs: 5_000 });
    const set = readStoredServiceConfig(
      loadConfig(schema, { MAX_IN_FLIGHT: '64', MONGO_TIMEOUT_MS: '1500' }),
      'x',
    );
    expect(set).toMatchObject({ maxInFlight: 64, mongoTimeoutMs: 1_500 });
    expect(() => loadConfig(schema, { MAX_IN_FLIGHT: '0' })).toThrow(/MAX_IN_FLIGHT: /);
    expect(() => loadConfig(schema, { MONGO_TIMEOUT_MS: 'soon' })).toThrow(/MONGO_TIMEOUT_MS: /);
  });
});

describe('readNatsAuth', () => {
  it('reads one way of authenticating, or none', () => {
    expect(readNatsAuth({})).toEqual({});
    expect(readNatsAuth({ NATS_USER: 'u', NATS_PASSWORD: 'p' })).toEqual({ user: 'u', pass: 'p' });
    expect(readNatsAuth({ NATS_TOKEN: 't0k' })).toEqual({ token: 't0k' });
  });

  it('refuses half or mixed settings, naming the variables', () => {
    expect(() => readNatsAuth({ NATS_USER: 'u' })).toThrow(/NATS_USER and NATS_PASSWORD: set both/);
    expect(() => readNatsAuth({ NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 't' })).toThrow(
      /set only one way/,
    );
    expect(() => readNatsAuth({ NATS_CREDS_FILE: '/nonexistent/x.creds' })).toThrow(
      /NATS_CREDS_FILE: cannot read/,
    );
  });
});
