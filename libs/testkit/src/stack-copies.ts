import { freePort } from './free-port.js';
import { gatewayAuth, type Stack, type StackOptions, startStack } from './stack.js';
import { runTeardown, type Teardown } from './teardown.js';

export interface StackCopiesOptions
  extends Omit<StackOptions, 'natsUrl' | 'mongoUrl' | 'port' | 'setup' | 'onLine'> {
  /** The cluster's client URLs: copy i lists them starting at node i (i mod nodes). */
  natsUrls: readonly string[];
  /** The one server every copy shares (with no database in it: each service uses its own). */
  mongoUrl: string;
  /** How many copies of every service and of the gateway; default 2. */
  copies?: number;
  /** Gateway port per copy; default: free ports. */
  ports?: readonly number[];
  /** Like StackOptions.onLine, with the copy's number (1-based). */
  onLine?: (service: string, copy: number, line: string, stream: 'stdout' | 'stderr') => void;
}

export interface StackCopies {
  /** One Stack per copy, in start order: copy 1 also ran the setup (the directory's stream). */
  copies: Stack[];
  gatewayUrls: string[];
  /** The seeds as copy 1 was given them. */
  natsUrl: string;
  mongoUrl: string;
  /** A token every copy's gateway accepts (they share the stack's key). */
  token: Stack['token'];
  /** Stops the copies in reverse order, each gateway first; the servers are the caller's. */
  stop(): Promise<void>;
}

/** `urls` starting at index `first`: the seed order that makes a copy prefer its own node. */
export function seedsFrom(urls: readonly string[], first: number): string {
  const start = first % urls.length;
  return [...urls.slice(start), ...urls.slice(0, start)].join(',');
}

/**
 * Every service and the gateway `copies` times, as separate processes on one NATS cluster and one
 * MongoDB-wire server: what an operator runs to scale out. Copy i connects to node i first (the
 * bus keeps the seeds' order), so the copies are spread over the nodes; all copies share the
 * databases, the streams and the consumers' durable names, exactly as two machines would.
 */
export async function startStackCopies(options: StackCopiesOptions): Promise<StackCopies> {
  const count = options.copies ?? 2;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`copies must be a positive integer, got ${count}`);
  if (options.natsUrls.length === 0) throw new Error('startStackCopies needs the NATS cluster URLs');
  // One key for every gateway copy: a token minted once is accepted by all of them.
  const env = { ...gatewayAuth(options).env, ...options.env };
  const { natsUrls, copies: _count, ports, onLine, ...common } = options;
  const copies: Stack[] = [];
  const teardown: Teardown = [];
  const stop = () => runTeardown(teardown);
  try {
    for (let i = 0; i < count; i++) {
      const copy = await startStack({
        ...common,
        env,
        natsUrl: seedsFrom(natsUrls, i),
        port: ports?.[i] ?? (await freePort()),
        // The directory's stream is set up once, by the first copy, as an operator would.
        ...(i > 0 ? { setup: [] } : {}),
        ...(onLine ? { onLine: (service, line, stream) => onLine(service, i + 1, line, stream) } : {}),
      });
      copies.push(copy);
      teardown.push(() => copy.stop());
    }
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  const first = copies[0] as Stack;
  return {
    copies,
    gatewayUrls: copies.map((copy) => copy.gatewayUrl),
    natsUrl: first.natsUrl,
    mongoUrl: first.mongoUrl,
    token: (claims, mint) => first.token(claims, mint),
    stop,
  };
}
