import { connect } from 'node:net';
import { liveNotificationSubject } from '@im/contracts';
import { pollUntil } from '@im/testkit';
import { RequestError } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgAdmin, service, user } from './helpers.js';
import { type LiveHarness, ORG, startLiveHarness } from './live/live-harness.js';
import { classMessage, dataLine, inboxHolds, notificationsOf, pairs } from './live/live-model.js';
import { SseStream } from './live/sse-client.js';

/**
 * `GET /im/user/<client_id>/notifications/stream` (docs/live.md) against the real broadcast
 * service and workers on NATS and the MongoDB-wire server. Pushes go through the gateway, or,
 * where a test decides the order in which pushes reach an inbox, as class-message events
 * published straight into IM_CLASS_EVENTS. Every expected seq comes from the test's own count
 * of what it sent each student (a student's first notification is seq 1).
 */
let live: LiveHarness;

beforeAll(async () => {
  live = await startLiveHarness();
});
afterAll(async () => live?.close());

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const withoutPings = (text: string) => text.replace(/^: ping\n\n/gm, '');

describe('the live stream', () => {
  it('delivers a push as one event: its seq as id, the notification as the list shows it as data', async () => {
    // `.`, `>` and `*` are legal in a client id, and mean something in a NATS subject.
    const student = 'st.1>*';
    await live.createClass(101, [student, 'st-2']);
    const stream = await live.stream(student, user(student));
    expect(stream.status).toBe(200);
    expect(stream.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-request-id': expect.any(String),
    });

    const pushId = await live.push(101, 'line one\nline two, "quoted", 明天放假');
    expect(await stream.untilNotifications(1)).toBe(true);
    const listed = (await notificationsOf(live, student)).data[0]!;
    expect(listed).toMatchObject({ push_history_record_id: pushId, class_id: 101, organization_id: ORG });
    expect(listed.message).toBe('line one\nline two, "quoted", 明天放假');
    expect(withoutPings(stream.text)).toBe(`event: notification\nid: 1\n${dataLine(listed)}\n\n`);
    stream.close();
  });

  it('replays exactly what a reconnect with Last-Event-ID missed, in the order the inbox got it', async () => {
    const student = 'rc-1';
    await live.publishClassMessage(classMessage(900_001, [student]));
    expect(await inboxHolds(live, student, 1)).toBe(true);

    // Without a cursor the stream starts where the inbox stands: seq 1 is not replayed.
    const first = await live.stream(student, user(student));
    await live.publishClassMessage(classMessage(900_002, [student]));
    expect(await first.untilNotifications(1)).toBe(true);
    expect(pairs(first)).toEqual([[2, 900_002]]);
    first.close();

    // Missed while away: two pushes that reach the inbox newest first (a fan-out that finished
    // before an older one's). The cursor is the inbox's order, not the push ids'.
    await live.publishClassMessage(classMessage(900_004, [student]));
    expect(await inboxHolds(live, student, 3)).toBe(true);
    await live.publishClassMessage(classMessage(900_003, [student]));
    expect(await inboxHolds(live, student, 4)).toBe(true);

    const again = await live.stream(student, user(student), { headers: { 'last-event-id': '2' } });
    expect(await again.untilNotifications(2)).toBe(true);
    await live.publishClassMessage(classMessage(900_005, [student]));
    expect(await again.untilNotifications(3)).toBe(true);
    expect(pairs(again)).toEqual([
      [3, 900_004],
      [4, 900_003],
      [5, 900_005],
    ]);

    // The query's cursor is for clients that cannot set the header; the header wins over it.
    const both = await live.stream(student, user(student), {
      query: 'last_event_id=0',
      headers: { 'last-event-id': '4' },
    });
    expect(await both.untilNotifications(1)).toBe(true);
    expect(pairs(both)).toEqual([[5, 900_005]]);
    const fromQuery = await live.stream(student, user(student), { query: 'last_event_id=3' });
    expect(await fromQuery.untilNotifications(2)).toBe(true);
    expect(pairs(fromQuery)).toEqual([
      [4, 900_003],
      [5, 900_005],
    ]);
    // A cursor past the inbox's end counts as its end: the next push is the next event.
    const ahead = await live.stream(student, user(student), { headers: { 'last-event-id': '999' } });
    await live.publishClassMessage(classMessage(900_006, [student]));
    expect(await ahead.untilNotifications(1)).toBe(true);
    expect(pairs(ahead)).toEqual([[6, 900_006]]);
    // …and reaches every other open stream of the student too, once.
    expect(await again.untilNotifications(4)).toBe(true);
    expect(pairs(again).at(-1)).toEqual([6, 900_006]);
    expect(await fromQuery.untilNotifications(3)).toBe(true);
    expect(pairs(fromQuery).map(([seq]) => seq)).toEqual([4, 5, 6]);
    for (const stream of [again, both, fromQuery, ahead]) stream.close();
  });

  it('switches from replay to live without a gap or a double, over several replay pages', async () => {
    const student = 'sw-1';
    const pushes = range(910_001, 130);
    // Half in the inbox before the stream opens, the rest arriving while it replays.
    for (const pushId of pushes.slice(0, 65)) await live.publishClassMessage(classMessage(pushId, [student]));
    const opening = live.stream(student, user(student), { headers: { 'last-event-id': '0' } });
    for (const pushId of pushes.slice(65)) await live.publishClassMessage(classMessage(pushId, [student]));
    const stream = await opening;
    expect(await inboxHolds(live, student, pushes.length)).toBe(true);
    expect(await stream.untilNotifications(pushes.length)).toBe(true);

    // A stream opened now replays the same inbox from the store alone: the same events, in order.
    const replayed = await live.stream(student, user(student), { query: 'last_event_id=0' });
    expect(await replayed.untilNotifications(pushes.length)).toBe(true);
    expect(pairs(stream).map(([seq]) => seq)).toEqual(range(1, pushes.length));
    expect(pairs(stream)).toEqual(pairs(replayed));
    expect(new Set(pairs(stream).map(([, pushId]) => pushId))).toEqual(new Set(pushes));
    stream.close();
    replayed.close();
  });

  it('keeps every stream in seq order while fan-outs of one class run at once, live and replayed alike', async () => {
    const students = range(0, 40).map((i) => `co-${i}`);
    const streams = await Promise.all(students.map((s) => live.stream(s, user(s))));
    // Two pushes to the whole class, written chunk by chunk by workers running side by side.
    await Promise.all([
      live.publishClassMessage(classMessage(920_001, students)),
      live.publishClassMessage(classMessage(920_002, students)),
    ]);
    for (const stream of streams) expect(await stream.untilNotifications(2)).toBe(true);
    for (const [i, stream] of streams.entries()) {
      expect(pairs(stream).map(([seq]) => seq)).toEqual([1, 2]);
      expect(
        pairs(stream)
          .map(([, pushId]) => pushId)
          .sort(),
      ).toEqual([920_001, 920_002]);
      // The store agrees with what came live: a replay after seq 1 is the second event.
      const replay = await live.stream(students[i]!, user(students[i]!), {
        headers: { 'last-event-id': '1' },
      });
      expect(await replay.untilNotifications(1)).toBe(true);
      expect(pairs(replay)).toEqual([pairs(stream)[1]]);
      replay.close();
      stream.close();
    }
  });

  it('drops live messages that are not notifications, and goes on', async () => {
    const student = 'mal-1';
    const stream = await live.stream(student, user(student));
    const valid = {
      push_history_record_id: 1,
      class_id: 1,
      organization_id: 1,
      message: 'forged',
      pushed_at: 'x',
      delivered_at: 'x',
      read_at: null,
    };
    for (const payload of [
      'not json',
      '{}',
      JSON.stringify({ seq: 'one', notification: valid }),
      JSON.stringify({ seq: 1, notification: { ...valid, message: 7 } }),
      JSON.stringify({ seq: 1, notification: valid, extra: true }),
      // Well formed, but a seq the inbox never reaches: the store decides what exists.
      JSON.stringify({ seq: 1_000_000_000, notification: valid }),
    ]) {
      live.h.nc.publish(liveNotificationSubject(student), payload);
    }
    await live.publishClassMessage(classMessage(930_001, [student], 'the real one'));
    expect(await stream.untilNotifications(1)).toBe(true);
    expect(pairs(stream)).toEqual([[1, 930_001]]);
    expect(stream.notifications()[0]?.data.message).toBe('the real one');
    // And the stream still works: the next push is the next event.
    await live.publishClassMessage(classMessage(930_002, [student]));
    expect(await stream.untilNotifications(2)).toBe(true);
    expect(pairs(stream)).toEqual([
      [1, 930_001],
      [2, 930_002],
    ]);
    stream.close();
  });
});

describe('a stream that ends', () => {
  /** Whether anything listens on the student's live subject: a request to it finds no responder otherwise. */
  const listened = async (student: string) => {
    try {
      await live.h.nc.request(liveNotificationSubject(student), '', { timeout: 300 });
      return true;
    } catch (error) {
      return !(error instanceof RequestError && error.isNoResponders());
    }
  };

  it('leaves no subscription behind when its client goes away', async () => {
    const stream = await live.stream('gone-1', user('gone-1'));
    expect(await listened('gone-1')).toBe(true);
    stream.close();
    expect(await pollUntil(async () => !(await listened('gone-1')), Date.now() + 10_000)).toBe(true);
    expect(await pollUntil(async () => live.h.gateway.openStreams.size === 0, Date.now() + 10_000)).toBe(
      true,
    );
  });
});

describe('refusals come before the stream, as the usual JSON errors', () => {
  const refusal = async (stream: SseStream, status: number, msg: RegExp | string) => {
    expect(stream.status).toBe(status);
    expect(stream.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(stream.body).toMatchObject({ request: 'GET /im/user/rf-1/notifications/stream' });
    const text = (stream.body as { msg: string }).msg;
    if (typeof msg === 'string') expect(text).toBe(msg);
    else expect(text).toMatch(msg);
  };

  it("refuses another client's stream with 403 from the broadcast service; a service may read any", async () => {
    await refusal(await live.stream('rf-1', user('rf-2')), 403, /^client_id: /);
    await refusal(await live.stream('rf-1', orgAdmin('o3', ORG)), 403, /^client_id: /);
    const asService = await live.stream('rf-1', service());
    expect(asService.status).toBe(200);
    asService.close();
  });

  it('refuses a cursor that is not a seq, naming where it came from', async () => {
    const rule = 'must be the id of an event of this stream (a non-negative integer)';
    const own = user('rf-1');
    await refusal(
      await live.stream('rf-1', own, { headers: { 'last-event-id': 'abc' } }),
      400,
      `last-event-id: ${rule}`,
    );
    await refusal(
      await live.stream('rf-1', own, { headers: { 'last-event-id': '-1' } }),
      400,
      `last-event-id: ${rule}`,
    );
    // Digits, but past the integers a seq can be.
    await refusal(
      await live.stream('rf-1', own, { headers: { 'last-event-id': '9007199254740993' } }),
      400,
      `last-event-id: ${rule}`,
    );
    await refusal(
      await live.stream('rf-1', own, { query: 'last_event_id=01' }),
      400,
      `last_event_id: ${rule}`,
    );
    await refusal(
      await live.stream('rf-1', own, { query: 'since=1' }),
      400,
      /^(query\.)?since: is not a field/,
    );
  });

  it('asks for a token or a ticket, and refuses both at once', async () => {
    await refusal(await live.stream('rf-1', null), 401, 'authorization: a bearer token is required');
    await refusal(
      await live.stream('rf-1', user('rf-1'), { query: 'ticket=abc' }),
      400,
      'ticket: send a ticket or a bearer token, not both',
    );
  });
});

describe('one gateway copy', () => {
  it('ends every open stream cleanly when it shuts down, so that clients reconnect elsewhere', async () => {
    const copy = await live.copy();
    const students = ['sd-1', 'sd-2', 'sd-3'];
    const streams = await Promise.all(
      students.map((s) =>
        SseStream.open(`${copy.base}/im/user/${s}/notifications/stream`, live.h.auth.as(user(s))),
      ),
    );
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    // The process's own order (main.ts): lame duck first, then close.
    copy.gateway.beginDraining();
    await copy.close();
    for (const stream of streams) {
      await stream.ended;
      expect(stream.endedCleanly).toBe(true);
    }
    expect(copy.gateway.openStreams.size).toBe(0);
  });

  it('holds at most STREAM_MAX_OPEN streams, answering 503 naming it past that', async () => {
    const copy = await live.copy({ streams: { maxOpen: 2 } });
    const open = (s: string) =>
      SseStream.open(`${copy.base}/im/user/${s}/notifications/stream`, live.h.auth.as(user(s)));
    const [a, b] = [await open('mx-1'), await open('mx-2')];
    const refused = await open('mx-3');
    expect([a.status, b.status, refused.status]).toEqual([200, 200, 503]);
    expect(refused.body).toMatchObject({
      error_code: 1013,
      msg: expect.stringMatching(/^STREAM_MAX_OPEN: /),
    });
    a.close();
    // Its slot comes back once the gateway sees the client gone.
    expect(await pollUntil(async () => copy.gateway.openStreams.size === 1, Date.now() + 10_000)).toBe(true);
    const c = await open('mx-3');
    expect(c.status).toBe(200);
    b.close();
    c.close();
    await copy.close();
  });

  it('counts opening a stream against the caller like any request', async () => {
    const copy = await live.copy({ rateLimit: { max: 2, windowMs: 60_000, signatureMax: 300 } });
    const open = () =>
      SseStream.open(`${copy.base}/im/user/rl-1/notifications/stream`, live.h.auth.as(user('rl-1')));
    const streams = [await open(), await open(), await open()];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 429]);
    expect(streams[2]?.body).toMatchObject({ error_code: 1012 });
    for (const stream of streams) stream.close();
    await copy.close();
  });

  it('ends a stream once the token it was opened with expires, also through a ticket of that token', async () => {
    const copy = await live.copy({ streams: { pingMs: 200 } });
    const student = 'ex-1';
    // Good for about a second (and the verifier's few seconds of clock tolerance).
    const shortLived = { authorization: `Bearer ${live.h.auth.token(user(student), { expiresInS: 1 })}` };
    const url = `${copy.base}/im/user/${student}/notifications/stream`;
    const taken = await fetch(`${copy.base}/im/user/${student}/notifications/tickets`, {
      method: 'POST',
      headers: shortLived,
    });
    const { ticket } = (await taken.json()) as { ticket: string };
    const streams = [await SseStream.open(url, shortLived), await SseStream.open(`${url}?ticket=${ticket}`)];
    const lasting = await SseStream.open(url, live.h.auth.as(user(student)));
    expect([...streams, lasting].map((s) => s.status)).toEqual([200, 200, 200]);
    for (const stream of streams) {
      await stream.ended;
      expect(stream.endedCleanly).toBe(true);
    }
    // A token that is still good keeps its stream.
    expect(lasting.isEnded).toBe(false);
    lasting.close();
    await copy.close();
  });

  it('answers a browser of an allowed origin with the CORS headers every route gives it', async () => {
    const origin = 'https://app.example.com';
    const copy = await live.copy({ corsOrigins: [origin] });
    const stream = await SseStream.open(`${copy.base}/im/user/cr-1/notifications/stream`, {
      ...live.h.auth.as(user('cr-1')),
      origin,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers['access-control-allow-origin']).toBe(origin);
    expect(stream.headers['access-control-expose-headers']).toContain('x-request-id');
    stream.close();
    await copy.close();
  });

  it('answers HEAD with the head of a stream and ends it, so the connection serves the next request', async () => {
    const copy = await live.copy();
    const { port } = new URL(copy.base);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    const auth = live.h.auth.as(user('hd-1')).authorization;
    // Two requests on one keep-alive connection: the second is answered only once the first ends.
    socket.write(
      `HEAD /im/user/hd-1/notifications/stream HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n` +
        'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const statuses = () => [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    expect(await pollUntil(async () => statuses().length === 2, Date.now() + 10_000, undefined, 20)).toBe(
      true,
    );
    expect(statuses()).toEqual(['200', '200']);
    expect(received).toContain('content-type: text/event-stream; charset=utf-8');
    socket.destroy();
    await copy.close();
  });

  it('pings every STREAM_PING_MS with a comment line', async () => {
    const copy = await live.copy({ streams: { pingMs: 100 } });
    const stream = await SseStream.open(
      `${copy.base}/im/user/pg-1/notifications/stream`,
      live.h.auth.as(user('pg-1')),
    );
    expect(await stream.until(() => stream.comments.length >= 2)).toBe(true);
    expect(stream.text.startsWith(': ping\n\n: ping\n\n')).toBe(true);
    stream.close();
    await copy.close();
  });
});
