import { ServiceNames } from '@im/contracts';
import type { Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, startGatewayHarness } from './helpers.js';

/**
 * /readyz against stand-ins that answer `$SRV.PING` as nats.js micro-services do, each after a
 * delay of its own: a service that answers late because it is busy is still there.
 */
let h: GatewayHarness;
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  h = await startGatewayHarness();
});
afterAll(async () => {
  for (const s of subscriptions) s.unsubscribe();
  await h?.close();
});

/** Answers every `$SRV.PING` as service `name` after `delayMs`. */
function standIn(name: string, delayMs: number): Subscription {
  const sub = h.nc.subscribe('$SRV.PING', {
    callback: (_error, msg) => {
      const answer = {
        type: 'io.nats.micro.v1.ping_response',
        name,
        id: `${name}-1`,
        version: '1.0.0',
        metadata: {},
      };
      setTimeout(() => msg.respond(JSON.stringify(answer)), delayMs);
    },
  });
  subscriptions.push(sub);
  return sub;
}

const readyz = async () => {
  const res = await h.gateway.inject({ method: 'GET', url: '/readyz' });
  return {
    status: res.statusCode,
    body: res.json() as { status: string; services: Record<string, boolean> },
  };
};

describe('/readyz', () => {
  it('waits for a service that answers its ping late, and answers once all have', async () => {
    standIn(ServiceNames.signature, 0);
    standIn(ServiceNames.group, 0);
    const late = standIn(ServiceNames.broadcast, 400);
    await h.nc.flush();
    const { status, body } = await readyz();
    expect(body.services).toEqual({ 'im-signature': true, 'im-group': true, 'im-broadcast': true });
    expect(status).toBe(200);
    late.unsubscribe();
    await h.nc.flush();
  });

  it('is 503 naming the service that did not answer within its wait', async () => {
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'not ready',
      services: { 'im-signature': true, 'im-group': true, 'im-broadcast': false },
    });
  });
});
