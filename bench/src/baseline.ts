import { fileURLToPath } from 'node:url';
import { type ChildHandle, freePort, startProcess } from '@im/testkit';

export interface Baseline {
  url: string;
  process: ChildHandle;
  stop(): Promise<void>;
}

/**
 * Starts baseline-server as a child process of its own: its RSS and CPU are then its alone, and it
 * does not share an event loop with the load generator (the stack's services do not either).
 * It runs as this module runs: built JavaScript from dist, or TypeScript through tsx.
 */
export async function startBaseline(appKeys: Record<string, string>): Promise<Baseline> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(fromSource ? './baseline-server.ts' : './baseline-server.js', import.meta.url),
  );
  const port = await freePort();
  const child = await startProcess({
    name: 'baseline',
    command: process.execPath,
    args: fromSource ? ['--conditions=@im/source', '--import', 'tsx', entry] : [entry],
    env: { PORT: String(port), HOST: '127.0.0.1', SIGNATURE_APP_KEYS: JSON.stringify(appKeys) },
  });
  return { url: `http://127.0.0.1:${port}`, process: child, stop: () => child.stop() };
}
