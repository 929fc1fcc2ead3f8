import { readFileSync } from 'node:fs';
import { ConfigError, readSecret } from './load-config.js';

/** How a process proves who it is to NATS; at most one way is set. */
export interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
  /** The contents of a `.creds` file (user JWT and NKey seed), for NATS accounts. */
  creds?: Uint8Array;
}

type Env = Record<string, string | undefined>;

/**
 * NATS credentials from the environment: `NATS_USER` with `NATS_PASSWORD` (or `_FILE`), or
 * `NATS_TOKEN` (or `_FILE`), or `NATS_CREDS_FILE`. None set: connect without (a NATS on a network
 * only these processes reach). Production gives each process its own user with the permissions
 * it needs (see README, Security).
 */
export function readNatsAuth(env: Env = process.env): NatsAuth {
  const user = env.NATS_USER || undefined;
  const pass = readSecret('NATS_PASSWORD', env);
  const token = readSecret('NATS_TOKEN', env);
  const credsFile = env.NATS_CREDS_FILE || undefined;
  const ways = [user !== undefined || pass !== undefined, token !== undefined, credsFile !== undefined];
  if (ways.filter(Boolean).length > 1) {
    throw new ConfigError('NATS_USER/NATS_PASSWORD, NATS_TOKEN and NATS_CREDS_FILE: set only one way');
  }
  if ((user === undefined) !== (pass === undefined)) {
    throw new ConfigError('NATS_USER and NATS_PASSWORD: set both or neither');
  }
  if (credsFile !== undefined) {
    try {
      return { creds: readFileSync(credsFile) };
    } catch (error) {
      throw new ConfigError(
        `NATS_CREDS_FILE: cannot read ${credsFile} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  }
  if (token !== undefined) return { token };
  if (user !== undefined && pass !== undefined) return { user, pass };
  return {};
}
