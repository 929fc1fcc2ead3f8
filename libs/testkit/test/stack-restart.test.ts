import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  GATEWAY,
  isReadyLogLine,
  pollUntil,
  type RestartEvent,
  type Stack,
  startStack,
} from '../src/index.js';

/**
 * The whole system as `npm start` runs it (real services, nats-server, the MongoDB-wire server),
 * with restarts on: a service that crashes comes back as a new process and the system serves
 * again, while every other process keeps running untouched.
 */
let stack: Stack;
const exits: { service: string; code: number | null; signal: NodeJS.Signals | null }[] = [];
const restarts: { service: string; event: RestartEvent }[] = [];
const readyLines: Record<string, number> = {};

beforeAll(async () => {
  stack = await startStack({
    mode: 'source',
    logLevel: 'info',
    env: { SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'restart-key' }) },
    restart: { initialDelayMs: 200 },
    onLine: (service, line) => {
      if (isReadyLogLine(line)) readyLines[service] = (readyLines[service] ?? 0) + 1;
    },
    onExit: (service, code, signal) => exits.push({ service, code, signal }),
    onRestart: (service, event) => restarts.push({ service, event }),
  });
});
afterAll(() => stack?.stop());

const pids = () => Object.fromEntries(Object.entries(stack.processes).map(([name, p]) => [name, p.pid]));

async function readyAgain(): Promise<boolean> {
  return pollUntil(
    async () => (await fetch(`${stack.gatewayUrl}/readyz`).catch(() => undefined))?.status === 200,
    Date.now() + 30_000,
  );
}

/** SIGKILLs one process as a crash would, and waits until its replacement is ready. */
async function crash(
  service: string,
): Promise<{ before: Record<string, number>; after: Record<string, number> }> {
  const before = pids();
  const lines = readyLines[service] ?? 0;
  process.kill(before[service]!, 'SIGKILL');
  await vi.waitFor(
    () => expect(restarts.filter((r) => r.service === service).at(-1)?.event.kind).toBe('restarted'),
    { timeout: 30_000, interval: 50 },
  );
  expect(readyLines[service]).toBe(lines + 1);
  return { before, after: pids() };
}

describe('startStack with restart', () => {
  it('brings a killed service back as a new process; the others keep theirs; the system is ready again', async () => {
    expect(await readyAgain()).toBe(true);
    const { before, after } = await crash('signature');

    expect(after.signature).not.toBe(before.signature);
    expect(() => process.kill(after.signature!, 0)).not.toThrow();
    const { signature: _old, ...othersBefore } = before;
    const { signature: _new, ...othersAfter } = after;
    expect(othersAfter).toEqual(othersBefore);
    expect(exits).toEqual([{ service: 'signature', code: null, signal: 'SIGKILL' }]);
    expect(restarts.map((r) => [r.service, r.event.kind])).toEqual([
      ['signature', 'scheduled'],
      ['signature', 'restarted'],
    ]);
    expect(restarts[0]!.event).toMatchObject({ summary: 'signature exited (signal SIGKILL)', attempt: 1 });

    expect(await readyAgain()).toBe(true);
    const login = await fetch(`${stack.gatewayUrl}/signature/login/1/c1`, {
      headers: bearer(stack.token({ sub: 'c1', role: 'user' })),
    });
    expect(login.status).toBe(200);
  });

  it('brings the gateway back on its own port', async () => {
    const { before, after } = await crash(GATEWAY);
    expect(after[GATEWAY]).not.toBe(before[GATEWAY]);
    const { [GATEWAY]: _old, ...othersBefore } = before;
    const { [GATEWAY]: _new, ...othersAfter } = after;
    expect(othersAfter).toEqual(othersBefore);
    expect(await readyAgain()).toBe(true);
  });
});
