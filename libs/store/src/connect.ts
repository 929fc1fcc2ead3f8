import { databaseOf } from '@im/config';
import { type Db, MongoClient } from 'mongodb';
import { DEFAULT_MONGO_TIMEOUT_MS } from './connect-defaults.js';
import { setQueryLimit } from './query-limit.js';

export { DEFAULT_MONGO_TIMEOUT_MS } from './connect-defaults.js';

export interface MongoStore {
  client: MongoClient;
  db: Db;
  /**
   * The per-operation limit to pass as `maxTimeMS` on queries that may scan (lists, counts,
   * aggregations): the server then stops the work itself. The Node driver has no client-wide
   * `maxTimeMS`, so this is per call; the socket timeout below bounds every operation anyway.
   */
  maxTimeMS: number;
  close(): Promise<void>;
}

export interface MongoTimeouts {
  /**
   * The longest a request waits for a pooled connection, for a server to be selected, and for
   * one operation's answer (MONGO_TIMEOUT_MS). Default 5,000 ms, the gateway's request timeout:
   * past it the caller has had its 504 already.
   */
  timeoutMs?: number;
  /** Connections per server; default 20. */
  maxPoolSize?: number;
}

/**
 * A server that still answers but slowly should fail requests with the server's own error
 * (maxTimeMS, code 50) rather than a cut connection; the socket gives up this much later.
 */
const SOCKET_GRACE_MS = 1_000;

/**
 * How often each connection pool checks its minimum size and prunes idle connections. The
 * driver's default is every 100 ms, for ever: on an idle service that timer was 0.31% of a core
 * per client (measured: 0.025% at 10 s), most of what an idle stack costs (README, "Idle"). We set
 * neither `minPoolSize` nor `maxIdleTimeMS` (a URL may), so the check has nothing to do; at 10 s a
 * pool a URL gives a minimum refills within one server heartbeat.
 */
export const POOL_CHECK_INTERVAL_MS = 10_000;

/**
 * The pool check interval is an option the driver does not accept from callers (its own tests
 * set it), but it reads it from the client's parsed options when it builds a pool, so it is set
 * there before `connect`. A driver that stops reading it keeps its default: connect.test.ts says so.
 */
function slowPoolCheck(client: MongoClient): void {
  (client.options as { minPoolSizeCheckFrequencyMS?: number }).minPoolSizeCheckFrequencyMS =
    POOL_CHECK_INTERVAL_MS;
}

/**
 * Connects to any MongoDB-wire server. The database is the URL's path (`mongodb://h/im` → `im`),
 * or `defaultDb` when the URL names none. Retryable writes are off: they need server sessions, which FerretDB 1.x does not have;
 * our writes are idempotent by design (unique indexes), so retrying is the caller's decision.
 *
 * Every wait is bounded, so a slow or frozen store fails requests instead of queueing them
 * without end (each queued request holds memory): the wait for a pooled connection
 * (`waitQueueTimeoutMS`), for a server (`serverSelectionTimeoutMS`, `connectTimeoutMS`), and for an operation's
 * answer (`socketTimeoutMS`: the driver only arms it while an operation waits, never on idle
 * pooled connections). A read the socket timeout ends is retried once by the driver (retryable
 * reads), so a read gives up after about twice the limit at worst. The driver's `timeoutMS` is
 * not used: driver 6.x ignores it.
 */
export async function connectMongo(
  url: string,
  appName: string,
  defaultDb = 'im',
  { timeoutMs = DEFAULT_MONGO_TIMEOUT_MS, maxPoolSize = 20 }: MongoTimeouts = {},
): Promise<MongoStore> {
  const client = new MongoClient(url, {
    appName,
    retryWrites: false,
    maxPoolSize,
    waitQueueTimeoutMS: timeoutMs,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs + SOCKET_GRACE_MS,
  });
  slowPoolCheck(client);
  await client.connect();
  const db = client.db(databaseOf(url) ?? defaultDb);
  setQueryLimit(db, timeoutMs);
  return { client, db, maxTimeMS: timeoutMs, close: () => client.close() };
}
