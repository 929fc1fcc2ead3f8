import { type NatsCluster, pollUntil, startNatsCluster } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBus, connectBus, type NatsConnection, RequestClient } from '../src/index.js';
import { silentLog as log, SERVICE, startGroupStandIn } from './fixture.js';

// A NATS node lost under a client: the client reconnects to another node of the cluster, and a
// request it was asked to send meanwhile is held, then sent, instead of answered 503.
let cluster: NatsCluster;
let services: NatsConnection;
let client: NatsConnection;

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 2 });
  const [kept, lost] = cluster.urls as [string, string];
  services = await connectBus({ servers: kept, name: 'test-services', log });
  // The lost node first: the bus keeps the seeds' order, so the client is connected there.
  client = await connectBus({ servers: `${lost},${kept}`, name: 'test-client', log });
  await startGroupStandIn(services);
});

afterAll(async () => {
  if (client) await closeBus(client);
  if (services) await closeBus(services);
  await cluster?.stop();
});

const echo = (requests: RequestClient) =>
  requests
    .request('im.group.echo', Buffer.from(JSON.stringify({ s: 'abc' })))
    .then((bytes) => JSON.parse(Buffer.from(bytes).toString()));

describe('RequestClient over a node loss', () => {
  it('holds a request made while its node is gone and sends it once reconnected to another', async () => {
    const requests = new RequestClient(client, {
      timeoutMs: 30_000,
      caller: SERVICE,
      reconnectGraceMs: 20_000,
    });
    // The service's interest has reached the client's node over the route.
    expect(
      await pollUntil(
        () =>
          echo(requests).then(
            () => true,
            () => false,
          ),
        Date.now() + 10_000,
      ),
    ).toBe(true);
    expect(client.getServer()).toBe(new URL(cluster.urls[1] as string).host);
    await cluster.nodes[1]!.kill();
    expect(await pollUntil(async () => !requests.connected, Date.now() + 5_000, undefined, 5)).toBe(true);
    // Asked in the same turn as the check: the request meets the client still reconnecting.
    expect(requests.connected).toBe(false);
    const held = echo(requests);
    expect(await held).toEqual({ length: 3 });
    expect(client.getServer()).toBe(new URL(cluster.urls[0] as string).host);
    requests.close();
  });
});
