import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../src/index.js';

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });
}

describe('freePort', () => {
  it('returns distinct ports that can all be bound at once', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    const closers = await Promise.all(ports.map(listen));
    await Promise.all(closers.map((close) => close()));
  });

  // Outgoing connections take their local port from that range: a server restarted on a port of it
  // could find the port taken by one of them.
  it.runIf(existsSync('/proc/sys/net/ipv4/ip_local_port_range'))(
    "hands out ports below the kernel's ephemeral range",
    async () => {
      const low = Number(
        readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
      );
      const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      for (const port of ports) expect(port).toBeLessThan(low);
      for (const port of ports) expect(port).toBeGreaterThanOrEqual(1_024);
    },
  );

  it('isPortFree tells a taken port from a free one', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    const close = await listen(port);
    expect(await isPortFree(port)).toBe(false);
    await close();
  });
});
