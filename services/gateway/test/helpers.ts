import { closeBus, connectBus, type NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { createLogger } from '@im/log';
import { bearer, type MintOptions, mintToken, type NatsHandle, newAuthSecret, startNats } from '@im/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { type AuthSettings, readAuthKeys } from '../src/auth/keys.js';
import { buildServer, type ServerOptions } from '../src/server.js';

export const silentLog = createLogger({ name: 'test', level: 'silent' });

export type Role = 'user' | 'org_admin' | 'service';
export interface Claims {
  sub: string;
  orgs?: number[];
  role: Role;
}

/** The callers tests use: the least privileged one that may do what a test does. */
export const user = (sub: string, ...orgs: number[]): Claims => ({ sub, orgs, role: 'user' });
export const orgAdmin = (sub: string, ...orgs: number[]): Claims => ({ sub, orgs, role: 'org_admin' });
export const service = (sub = 'svc-test'): Claims => ({ sub, role: 'service' });

/** A gateway's key (a random HS256 secret) and tokens minted for it with node:crypto alone. */
export interface TestAuth {
  secret: string;
  settings: AuthSettings;
  token(claims: Claims, options?: MintOptions): string;
  /** `{authorization: 'Bearer …'}` for `inject` and `fetch`. */
  as(claims: Claims): { authorization: string };
}

export function testAuth(): TestAuth {
  const secret = newAuthSecret();
  const token = (claims: Claims, options?: MintOptions) => mintToken(secret, { ...claims }, options);
  return {
    secret,
    settings: { keys: readAuthKeys({ AUTH_JWT_SECRET: secret }) },
    token,
    as: (claims) => bearer(token(claims)),
  };
}

export type Gateway = Awaited<ReturnType<typeof buildServer>>;

export interface GatewayHarness {
  nats: NatsHandle;
  /** The connection services under test use; the gateway has its own, as in production. */
  nc: NatsConnection;
  gateway: Gateway;
  auth: TestAuth;
  close(): Promise<void>;
}

/** A real nats-server, a connection for in-process services, and the gateway for `inject`. */
export async function startGatewayHarness(
  requestTimeoutMs = 2_000,
  options: Partial<Pick<ServerOptions, 'rateLimit' | 'corsOrigins' | 'auth' | 'trustProxy' | 'streams'>> = {},
): Promise<GatewayHarness> {
  const nats = await startNats();
  const auth = testAuth();
  const nc = await connectBus({ servers: nats.url, name: 'test-services', log: silentLog });
  const gatewayNc = await connectBus({ servers: nats.url, name: 'test-gateway', log: silentLog });
  const gateway = await buildServer({
    nc: gatewayNc,
    log: silentLog,
    requestTimeoutMs,
    bodyLimit: 1_048_576,
    auth: auth.settings,
    ...options,
  });
  return {
    nats,
    nc,
    gateway,
    auth,
    async close() {
      await gateway.close();
      await closeBus(gatewayNc);
      await closeBus(nc);
      await nats.stop();
    },
  };
}

/**
 * The DIRECTORY stream, as the directory's side provisions it (`im-ensure-streams`): no service of
 * ours creates it, and the gateway's admin routes only publish into it. For every test that
 * publishes directory events; a stream already there is left as it is.
 */
export async function addDirectoryStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  if (
    await jsm.streams.info(Streams.directory.name).then(
      () => true,
      () => false,
    )
  )
    return;
  await jsm.streams.add({
    name: Streams.directory.name,
    subjects: [...Streams.directory.subjects],
    duplicate_window: 10 * 60 * 1e9,
  });
}
