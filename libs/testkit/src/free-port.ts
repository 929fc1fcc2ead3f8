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

/** A TCP port on 127.0.0.1 that nothing listens on right now and that this process has not handed out. */
export async function freePort(): Promise<number> {
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
