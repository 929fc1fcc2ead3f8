import { describe, expect, it, vi } from 'vitest';
import { ProcessStartError, startProcess } from '../src/index.js';

const READY = `console.log(JSON.stringify({ level: 30, msg: 'ready' }));`;
const STAY = 'setInterval(() => {}, 60_000);';

function node(name: string, script: string, extra: Partial<Parameters<typeof startProcess>[0]> = {}) {
  return startProcess({ name, command: process.execPath, args: ['-e', script], ...extra });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startProcess', () => {
  it('resolves on the pino ready line and keeps the output', async () => {
    const child = await node('svc', `console.log('booting'); ${READY} ${STAY}`, { env: { MARK: 'x' } });
    expect(alive(child.pid)).toBe(true);
    expect(child.output()).toContain('booting');
    expect(child.output()).toContain('"msg":"ready"');
    await child.stop();
    expect(alive(child.pid)).toBe(false);
  });

  it('does not take a plain "ready" text for the ready line', async () => {
    const error = await node(
      'plain',
      `console.log('ready'); console.log('{"msg":"ready"'); process.exit(0)`,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
  });

  it('rejects with the captured output when the process exits first', async () => {
    const error = await node('crasher', `console.error('boom: bad config'); process.exit(3)`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as ProcessStartError).reason).toBe('exited');
    expect((error as Error).message).toMatch(/crasher exited \(code 3\) before it was ready/);
    expect((error as Error).message).toContain('boom: bad config');
  });

  it('rejects after the timeout and leaves no process behind', async () => {
    let pid = 0;
    const error = await node('sleeper', `console.log(process.pid); ${STAY}`, {
      timeoutMs: 300,
      onLine: (line) => {
        pid = Number(line);
      },
    }).catch((e: unknown) => e);
    expect((error as ProcessStartError).reason).toBe('timeout');
    expect((error as Error).message).toMatch(/sleeper was not ready after 300 ms/);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it('rejects clearly when the command does not exist', async () => {
    const error = await startProcess({ name: 'ghost', command: '/nonexistent/ghost' }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/ghost could not be started \(.*ENOENT/);
  });

  it('stop escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = await node('stubborn', `process.on('SIGTERM', () => {}); ${READY} ${STAY}`);
    const started = Date.now();
    await child.stop('SIGTERM', 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(alive(child.pid)).toBe(false);
  });

  it('kill() ends the process at once; restart() brings it back with a new pid', async () => {
    const child = await node('phoenix', `${READY} ${STAY}`);
    const first = child.pid;
    await child.kill();
    expect(alive(first)).toBe(false);
    await child.restart();
    expect(child.pid).not.toBe(first);
    expect(alive(child.pid)).toBe(true);
    await child.stop();
  });

  it('reports an unexpected death through onExit, but not a requested stop', async () => {
    const onExit = vi.fn();
    const child = await node('fragile', `${READY} ${STAY}`, { onExit });
    process.kill(child.pid, 'SIGKILL');
    await vi.waitFor(() => expect(onExit).toHaveBeenCalledWith(null, 'SIGKILL'));
    await child.restart();
    await child.stop();
    expect(onExit).toHaveBeenCalledTimes(1);
  });

  it('keeps only the last 200 lines', async () => {
    const child = await node(
      'chatty',
      `for (let i = 0; i < 300; i++) console.log('line ' + i); ${READY} ${STAY}`,
    );
    const lines = child.output().split('\n');
    expect(lines).toHaveLength(200);
    expect(lines[0]).toBe('line 101');
    await child.stop();
  });
});
