import { loadConfig, readStoredServiceConfig, storedServiceConfig } from '@im/config';
import { Type } from '@sinclair/typebox';

/**
 * The database the workers write `deliveries` into when MONGO_URL names none. Its own database,
 * not the broadcast service's: on FerretDB's SQLite backend each database is one file with one
 * writer, so a 2,000-document fan-out would otherwise hold up pushes being recorded.
 */
export const DEFAULT_DB = 'im_workers';

/** The workers' environment: the one declaration of their settings and their defaults. */
export const WorkersConfigSchema = Type.Object({
  ...storedServiceConfig(9104),
  /** Deliveries per insertMany: one round trip each; the ack timer is reset between chunks. */
  FANOUT_CHUNK_SIZE: Type.Integer({ default: 1_000, minimum: 1, maximum: 10_000 }),
  /**
   * Pause between chunks, 0 by default. On a single-writer store it lets other writers in during a
   * big fan-out; the crash tests use it to widen the window in which a worker dies mid-fan-out.
   */
  FANOUT_CHUNK_PAUSE_MS: Type.Integer({ default: 0, minimum: 0, maximum: 60_000 }),
  /** Attempts before a class message is parked on the dead-letter subject. */
  WORKERS_MAX_ATTEMPTS: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
  /** Unacknowledged messages across all copies; each is a whole fan-out, so keep it small. */
  WORKERS_MAX_ACK_PENDING: Type.Integer({ default: 16, minimum: 1, maximum: 10_000 }),
  /**
   * How long a message may go without a sign of life before JetStream gives it to another copy.
   * Held messages are kept alive (working() every third of it), so this is what a crash costs.
   */
  WORKERS_ACK_WAIT_MS: Type.Integer({ default: 5_000, minimum: 1_000 }),
  /** Class messages one copy fans out at once; it pulls no more than that. */
  WORKERS_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, maximum: 256 }),
});

/** The environment, read against WorkersConfigSchema, as code names it: the only mapper. */
export function readConfig(env: Record<string, string | undefined> = process.env) {
  const c = loadConfig(WorkersConfigSchema, env);
  return {
    ...readStoredServiceConfig(c, DEFAULT_DB, env),
    chunkSize: c.FANOUT_CHUNK_SIZE,
    chunkPauseMs: c.FANOUT_CHUNK_PAUSE_MS,
    maxAttempts: c.WORKERS_MAX_ATTEMPTS,
    maxAckPending: c.WORKERS_MAX_ACK_PENDING,
    ackWaitMs: c.WORKERS_ACK_WAIT_MS,
    concurrency: c.WORKERS_CONCURRENCY,
  };
}

/** The workers' settings: their types come from the schema through readConfig. */
export type WorkersConfig = ReturnType<typeof readConfig>;
