import { readConfig, startBroadcastService } from '@im/broadcast-service';
import type { NatsConnection } from '@im/bus';
import { createLogger } from '@im/log';
import { connectMongo } from '@im/store';
import { SEEDING_PATIENCE } from './stack.js';

/** The broadcast service in this process, recording pushes at whatever time `at` was last set to. */
export interface SeedingBroadcast {
  /** The calendar the service counts days in (PUSH_TIMEZONE's default). */
  timeZone: string;
  at(instant: Date): void;
  stop(): Promise<void>;
}

/**
 * The broadcast service as its main.ts starts it (its config read from the same environment
 * variables, its own database on the stack's server, the stack's NATS), with one difference: the
 * push clock (`now`, which the service takes for tests) is set by the seeding, one school day at
 * a time. It is as patient with the database as the rest of the seeding stack. While it runs it must be the only broadcast copy on NATS: the seeding stack has none.
 */
export async function startSeedingBroadcast(nc: NatsConnection, mongoUrl: string): Promise<SeedingBroadcast> {
  const config = readConfig({
    MONGO_URL: mongoUrl,
    LOG_LEVEL: 'warn',
    MONGO_TIMEOUT_MS: SEEDING_PATIENCE.MONGO_TIMEOUT_MS,
    BROADCAST_DELIVERIES_TIMEOUT_MS: '60000',
  });
  const mongo = await connectMongo(config.mongoUrl, 'im-bench-broadcast', config.dbName, {
    timeoutMs: config.mongoTimeoutMs,
  });
  const log = createLogger({ name: 'bench-broadcast', level: 'warn', destination: process.stderr });
  let clock = new Date();
  try {
    const running = await startBroadcastService({ nc, db: mongo.db, log, config, now: () => clock });
    return {
      timeZone: config.pushTimeZone,
      at: (instant) => {
        clock = instant;
      },
      stop: async () => {
        await running.stop();
        await mongo.close();
      },
    };
  } catch (error) {
    await mongo.close();
    throw error;
  }
}
