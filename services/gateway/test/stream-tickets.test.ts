import { createLogger } from '@im/log';
import { pollUntil, sleep } from '@im/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_BUCKET } from '../src/tickets/ticket-store.js';
import { type Claims, orgAdmin, service, user } from './helpers.js';
import { type LiveHarness, ORG, startLiveHarness } from './live/live-harness.js';
import { classMessage, pairs } from './live/live-model.js';
import { SseStream } from './live/sse-client.js';

/**
 * `POST /im/user/<client_id>/notifications/tickets` and `?ticket=` on the stream (docs/live.md):
 * single-use, short-lived, the client's own, and good on every gateway copy (the tickets live in
 * a JetStream KV bucket, not in one copy's memory).
 */
let live: LiveHarness;

beforeAll(async () => {
  live = await startLiveHarness();
});
afterAll(async () => live?.close());

async function takeTicket(clientId: string, as: Claims, base = live.base) {
  const res = await fetch(`${base}/im/user/${encodeURIComponent(clientId)}/notifications/tickets`, {
    method: 'POST',
    headers: live.h.auth.as(as),
  });
  return {
    status: res.status,
    body: (await res.json()) as { ticket: string; expires_in: number; msg?: string },
  };
}

const withTicket = (clientId: string, ticket: string, base = live.base) =>
  SseStream.open(
    `${base}/im/user/${encodeURIComponent(clientId)}/notifications/stream?ticket=${encodeURIComponent(ticket)}`,
  );

describe('stream tickets', () => {
  it('opens the stream once, in place of a token, as the client that took it', async () => {
    const taken = await takeTicket('tk-1', user('tk-1'));
    expect(taken.status).toBe(201);
    expect(taken.body).toEqual({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_in: 60 });

    const stream = await withTicket('tk-1', taken.body.ticket);
    expect(stream.status).toBe(200);
    await live.publishClassMessage(classMessage(940_001, ['tk-1']));
    expect(await stream.untilNotifications(1)).toBe(true);
    expect(pairs(stream)).toEqual([[1, 940_001]]);

    const again = await withTicket('tk-1', taken.body.ticket);
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toBe('Bearer realm="im"');
    expect(again.body).toMatchObject({
      error_code: 1005,
      msg: 'ticket: unknown, already used or expired; take a new one',
    });
    stream.close();
  });

  it('lets exactly one of many simultaneous redemptions win', async () => {
    const { body } = await takeTicket('tk-2', user('tk-2'));
    const tries = await Promise.all(Array.from({ length: 12 }, () => withTicket('tk-2', body.ticket)));
    expect(tries.map((t) => t.status).sort()).toEqual([200, ...Array(11).fill(401)]);
    for (const t of tries) t.close();
  });

  it('is refused once expired', async () => {
    const copy = await live.copy({ streams: { ticketTtlS: 1 } });
    const taken = await takeTicket('tk-3', user('tk-3'), copy.base);
    expect(taken.body.expires_in).toBe(1);
    const fresh = await takeTicket('tk-3', user('tk-3'), copy.base);
    const used = await withTicket('tk-3', fresh.body.ticket, copy.base);
    expect(used.status).toBe(200);
    used.close();
    // Past its second: no stream, whichever copy is asked.
    await sleep(1_100);
    const late = await withTicket('tk-3', taken.body.ticket, copy.base);
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ msg: 'ticket: unknown, already used or expired; take a new one' });
    await copy.close();
  });

  it('is the client’s own: nobody else takes one for it, and it opens no other stream', async () => {
    for (const as of [user('tk-5'), orgAdmin('o3', ORG)]) {
      const refused = await takeTicket('tk-4', as);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error_code: 1008, msg: expect.stringMatching(/^client_id: /) });
    }
    const forService = await takeTicket('tk-4', service());
    expect(forService.status).toBe(201);

    const own = await takeTicket('tk-4', user('tk-4'));
    const elsewhere = await withTicket('tk-5', own.body.ticket);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toMatchObject({
      error_code: 1008,
      msg: 'client_id: the ticket is for the stream of another client',
    });
    // Shown to the wrong stream, it is used up all the same.
    expect((await withTicket('tk-4', own.body.ticket)).status).toBe(401);
  });

  it('refuses what is not a ticket, and a ticket beside a token', async () => {
    expect((await withTicket('tk-6', 'no-such-ticket')).status).toBe(401);
    const long = await withTicket('tk-6', 'x'.repeat(129));
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ msg: 'ticket: must be a ticket from POST …/notifications/tickets' });
    const { body } = await takeTicket('tk-6', user('tk-6'));
    const both = await SseStream.open(
      `${live.base}/im/user/tk-6/notifications/stream?ticket=${body.ticket}`,
      live.h.auth.as(user('tk-6')),
    );
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ msg: 'ticket: send a ticket or a bearer token, not both' });
  });

  it('is good on any gateway copy, and copies starting together share one bucket', async () => {
    // No bucket yet, and two copies starting at once: each creates it at start, racing.
    const jsm = await jetstreamManager(live.h.nc);
    const stream = `KV_${TICKET_BUCKET}`;
    await jsm.streams.delete(stream);
    const [a, b] = await Promise.all([live.copy(), live.copy()]);
    const exists = () =>
      jsm.streams.info(stream).then(
        (info) => info,
        () => undefined,
      );
    expect(await pollUntil(async () => (await exists()) !== undefined, Date.now() + 10_000)).toBe(true);
    // It cleans itself: entries go after a few minutes, used or not.
    expect((await exists())?.config).toMatchObject({ max_age: 5 * 60 * 1e9, max_msgs_per_subject: 1 });
    const fromA = await takeTicket('tk-7', user('tk-7'), a.base);
    expect(fromA.status).toBe(201);
    const onB = await withTicket('tk-7', fromA.body.ticket, b.base);
    expect(onB.status).toBe(200);
    onB.close();
    expect((await withTicket('tk-7', fromA.body.ticket, a.base)).status).toBe(401);
    await Promise.all([a.close(), b.close()]);
  });

  it('never writes a ticket into a log line, also where every request is logged', async () => {
    const lines: string[] = [];
    const log = createLogger({
      name: 'gateway',
      level: 'debug',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const copy = await live.copy({ log });
    const { body } = await takeTicket('tk-10', user('tk-10'), copy.base);
    const stream = await withTicket('tk-10', body.ticket, copy.base);
    expect(stream.status).toBe(200);
    stream.close();
    expect((await withTicket('tk-10', body.ticket, copy.base)).status).toBe(401);
    await copy.close();
    expect(lines.some((line) => line.includes('/notifications/stream?[redacted]'))).toBe(true);
    expect(lines.filter((line) => line.includes(body.ticket))).toEqual([]);
  });

  it('counts a stream opened with a ticket against the ticket’s issuer', async () => {
    const copy = await live.copy({ rateLimit: { max: 3, windowMs: 60_000, signatureMax: 300 } });
    const issuer = user('tk-8');
    // Two tickets (two requests of tk-8), one stream with a ticket (the third), then no more.
    const [first, second] = [
      await takeTicket('tk-8', issuer, copy.base),
      await takeTicket('tk-8', issuer, copy.base),
    ];
    const stream = await withTicket('tk-8', first.body.ticket, copy.base);
    expect(stream.status).toBe(200);
    const over = await withTicket('tk-8', second.body.ticket, copy.base);
    expect(over.status).toBe(429);
    // Another caller from the same address is not held back by tk-8's count.
    const other = await takeTicket('tk-9', user('tk-9'), copy.base);
    expect(other.status).toBe(201);
    stream.close();
    await copy.close();
  });
});
