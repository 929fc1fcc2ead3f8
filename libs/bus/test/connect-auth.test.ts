import { type ChildProcess, spawn } from 'node:child_process';
import { readNatsAuth } from '@im/config';
import { createLogger } from '@im/log';
import { findOnPath, freePort, pollUntil, tcpReachable } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBus, connectBus } from '../src/index.js';

// A NATS server that requires a user and password, as production's should (one user per process).
const log = createLogger({ name: 'test', level: 'silent' });
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  const binary = findOnPath('nats-server') ?? '/usr/sbin/nats-server';
  server = spawn(
    binary,
    ['-a', '127.0.0.1', '-p', String(port), '--user', 'gateway', '--pass', 'pa55-w0rd'],
    {
      stdio: 'ignore',
    },
  );
  url = `nats://127.0.0.1:${port}`;
  expect(await pollUntil(() => tcpReachable('127.0.0.1', port), Date.now() + 10_000)).toBe(true);
});
afterAll(() => {
  server?.kill();
});

describe('connectBus with credentials', () => {
  it('connects with the right user and password from the environment', async () => {
    const auth = readNatsAuth({ NATS_USER: 'gateway', NATS_PASSWORD: 'pa55-w0rd' });
    const nc = await connectBus({ servers: url, name: 'test', log, auth });
    expect(nc.isClosed()).toBe(false);
    await closeBus(nc);
  });

  it('fails fast, naming the server and never the password, when refused', async () => {
    const started = Date.now();
    const refused = connectBus({ servers: url, name: 'test', log, auth: { user: 'gateway', pass: 'wrong' } });
    await expect(refused).rejects.toThrow(`NATS at ${url}: `);
    await expect(refused).rejects.not.toThrow(/wrong/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const anonymous = connectBus({ servers: url, name: 'test', log });
    await expect(anonymous).rejects.toThrow(/Authorization Violation/i);
  });
});
