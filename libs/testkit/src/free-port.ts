import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports handed out by this process. The kernel may give the same ephemeral port twice in a row
 * once the probe socket is closed; remembering them keeps two servers of one test file apart.
 */
const handedOut = new Set<number>();

function bindEphemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Where handed-out ports start: above the well-known and registered ports the machine's own servers use. */
const LOWEST = 15_000;

/**
 * The first port of the kernel's ephemeral range (Linux: ip_local_port_range), from which it picks
 * the local port of every outgoing connection; undefined where it cannot be read.
 */
function ephemeralStart(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now and that this process has not handed
 * out. Drawn below the kernel's ephemeral range where there is room: a port from that range is
 * free only until some connection's local end takes it, so a server restarted on it (a test's
 * SIGKILL and start again, with the port it had) could find it in use (seen: a restarted copy's
 * metrics port). Elsewhere, a port the kernel picks.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralStart();
  if (below !== undefined && below - LOWEST >= 1_000) {
    for (let tries = 0; tries < 200; tries++) {
      const port = LOWEST + Math.floor(Math.random() * (below - LOWEST));
      if (handedOut.has(port) || !(await isPortFree(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  for (;;) {
    const port = await bindEphemeral();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Whether `port` can be bound on `host` right now (used for the fixed default ports of the local run). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
