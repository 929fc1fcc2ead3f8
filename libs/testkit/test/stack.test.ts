import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { mongoAnswers, type Stack, startStack, tcpReachable } from '../src/index.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'echo-service');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

async function journalFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'testkit-stack-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'journal.txt');
}

const journalOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

describe('startStack', () => {
  it('starts NATS, MongoDB, the services then the gateway, passes the environment, stops in reverse', async () => {
    const journal = await journalFile();
    const stack: Stack = await startStack({
      // Listed first on purpose: the gateway still starts last.
      services: [
        { name: 'gateway', dir: FIXTURE },
        { name: 'alpha', dir: FIXTURE },
      ],
      env: { FIXTURE_JOURNAL: journal, SHARED: 'everyone' },
      serviceEnv: {
        alpha: { FIXTURE_NAME: 'alpha', OWN: 'alpha only' },
        gateway: { FIXTURE_NAME: 'gateway' },
      },
      logLevel: 'warn',
    });
    cleanups.push(() => stack.stop());
    expect(Object.keys(stack.processes)).toEqual(['alpha', 'gateway']);
    expect(journalOf(journal)).toEqual(['start:alpha', 'start:gateway']);

    const seen = (await (await fetch(stack.gatewayUrl)).json()) as Record<string, string>;
    expect(seen).toMatchObject({
      NATS_URL: stack.natsUrl,
      MONGO_URL: stack.mongoUrl,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: new URL(stack.gatewayUrl).port,
      SHARED: 'everyone',
    });
    expect(seen.OWN).toBeUndefined();
    // The gateway gets a token secret of its own, and stack.token() mints with it.
    expect(seen.AUTH_JWT_SECRET).toMatch(/^[0-9a-f]{96}$/);
    const [head, body, signature] = stack.token({ sub: 'c1', role: 'user' }).split('.');
    const expected = createHmac('sha256', seen.AUTH_JWT_SECRET!)
      .update(`${head}.${body}`)
      .digest('base64url');
    expect(signature).toBe(expected);
    expect(stack.mongoUrl).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/stack_/);

    const nc = await connect({ servers: stack.natsUrl });
    await nc.close();
    expect(await mongoAnswers(stack.mongoUrl)).toBe(true);

    await stack.stop();
    expect(journalOf(journal)).toEqual(['start:alpha', 'start:gateway', 'stop:gateway', 'stop:alpha']);
    expect(await tcpReachable('127.0.0.1', Number(new URL(stack.natsUrl).port))).toBe(false);
    expect(await mongoAnswers(stack.mongoUrl, 300)).toBe(false);
  });

  it('runs dist/main.js in dist mode, with given server URLs used as they are', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testkit-dist-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'dist'));
    await writeFile(
      join(dir, 'dist', 'main.js'),
      `console.log(JSON.stringify({ msg: 'ready', nats: process.env.NATS_URL, mongo: process.env.MONGO_URL }));
       setInterval(() => {}, 60000);`,
    );
    const stack = await startStack({
      mode: 'dist',
      services: [{ name: 'built', dir }],
      natsUrl: 'nats://127.0.0.1:1',
      mongoUrl: 'mongodb://127.0.0.1:2/given',
    });
    cleanups.push(() => stack.stop());
    expect(stack.processes.built?.output()).toContain(
      '"nats":"nats://127.0.0.1:1","mongo":"mongodb://127.0.0.1:2/given"',
    );
  });

  it('stops what it started when a service fails to start, and says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testkit-broken-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'src'));
    await writeFile(
      join(dir, 'src', 'main.ts'),
      `console.error('config: SIGNATURE_APP_KEYS is missing'); process.exit(1);`,
    );
    const journal = await journalFile();
    const failure = startStack({
      services: [
        { name: 'alpha', dir: FIXTURE },
        { name: 'broken', dir },
      ],
      natsUrl: 'nats://127.0.0.1:1',
      mongoUrl: 'mongodb://127.0.0.1:2/given',
      env: { FIXTURE_JOURNAL: journal, FIXTURE_NAME: 'alpha' },
    });
    await expect(failure).rejects.toThrow(/broken exited \(code 1\)[\s\S]*SIGNATURE_APP_KEYS is missing/);
    expect(journalOf(journal)).toEqual(['start:alpha', 'stop:alpha']);
  });
});
