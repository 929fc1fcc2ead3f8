import { DirectoryClassSubjects, DirectoryUserSubjects, Streams } from '@im/contracts';
import { readStreamMessages } from '@im/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDirectoryStream, type GatewayHarness, service, startGatewayHarness } from './helpers.js';

/**
 * The admin routes publish to DIRECTORY but do not create it, nor do the services that consume it
 * (group, broadcast): it is the directory's, provisioned on its side (`im-ensure-streams`). Until
 * then no stream stores the event and the route says so at once (503 naming the stream), well
 * before the publish would time out.
 */
let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness(30_000);
});
afterAll(async () => {
  await h?.close();
});

const putClass = (classId: number) =>
  h.gateway.inject({
    method: 'PUT',
    url: `/im/admin/classes/${classId}`,
    headers: { ...h.auth.as(service()), 'content-type': 'application/json' },
    payload: JSON.stringify({ organization_id: 1, name: 'Class', active: true, student_uids: ['s1'] }),
  });

describe('directory events through the admin routes', () => {
  it('answers 503 naming the event stream at once while no stream exists, and creates none', async () => {
    const started = Date.now();
    const res = await putClass(7);
    const took = Date.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error_code: 1013,
      msg: 'the event stream DIRECTORY is unavailable; try again',
      request: 'PUT /im/admin/classes/7',
    });
    // The publish would wait 5 s for an acknowledgement; "no responders" comes back at once.
    expect(took).toBeLessThan(2_500);
    await expect(readStreamMessages(h.nc, Streams.directory.name)).rejects.toThrow(/stream not found/);
  });

  it('stores each event once the stream exists, with its event id as the message id', async () => {
    await addDirectoryStream(h.nc);
    const put = await putClass(8);
    expect(put.statusCode).toBe(202);
    const user = await h.gateway.inject({
      method: 'DELETE',
      url: '/im/admin/orgs/3/users/9',
      headers: h.auth.as(service()),
    });
    expect(user.statusCode).toBe(202);
    const stored = await readStreamMessages(h.nc, Streams.directory.name);
    expect(stored.map((m) => [m.subject, m.header('Nats-Msg-Id')])).toEqual([
      [DirectoryClassSubjects.upserted, put.json().event_id],
      [DirectoryUserSubjects.deleted, user.json().event_id],
    ]);
    expect(stored[0]?.data).toMatchObject({
      event_id: put.json().event_id,
      class_id: 8,
      student_uids: ['s1'],
    });
    expect(put.json().event_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
