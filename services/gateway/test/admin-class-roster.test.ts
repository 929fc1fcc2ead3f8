import { listByteBudget } from '@im/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDirectoryStream, type GatewayHarness, service, startGatewayHarness } from './helpers.js';

/**
 * A class roster rides inside every class-message event of the class, so it must fit the bus in
 * bytes, not just in ids: 5,350 ids of 64 CJK characters pass the id rules and the body limit,
 * but take ~1 MB as JSON. Such a roster is a 413 naming `student_uids`, never a 202 whose pushes
 * can then not be delivered. The limit comes from the server's max_payload (1 MiB here).
 */
let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness();
  // No consumer service runs here to create the stream the accepted roster is published to.
  await addDirectoryStream(h.nc);
});
afterAll(async () => {
  await h?.close();
});

/** 64 CJK characters (192 bytes), distinct per `i`. */
const cjkId = (i: number) =>
  String.fromCharCode(0x4e00 + (i % 1_000), 0x4e00 + Math.floor(i / 1_000)) + '班'.repeat(62);

async function upsert(studentUids: string[]) {
  const res = await h.gateway.inject({
    method: 'PUT',
    url: '/im/admin/classes/7',
    headers: { ...h.auth.as(service()), 'content-type': 'application/json' },
    payload: JSON.stringify({ organization_id: 1, name: 'Class 7', active: true, student_uids: studentUids }),
  });
  return { status: res.statusCode, body: res.json() };
}

describe('PUT /im/admin/classes/<class_id> roster size', () => {
  it('refuses a roster larger than the bus can carry in an event, naming student_uids', async () => {
    const roster = Array.from({ length: 5_350 }, (_, i) => cjkId(i));
    const bytes = Buffer.byteLength(JSON.stringify(roster));
    const limit = listByteBudget(1_048_576);
    expect(bytes).toBeGreaterThan(limit);
    const { status, body } = await upsert(roster);
    expect(status).toBe(413);
    expect(h.gateway.bus.maxPayload).toBe(1_048_576);
    expect(body).toMatchObject({
      error_code: 1011,
      msg: `student_uids: ${bytes} bytes as JSON, more than the ${limit} bytes a message can carry`,
      request: 'PUT /im/admin/classes/7',
    });
  });

  it('accepts a roster that fits', async () => {
    const roster = Array.from({ length: 5_000 }, (_, i) => cjkId(i));
    expect(Buffer.byteLength(JSON.stringify(roster))).toBeLessThan(listByteBudget(1_048_576));
    const { status, body } = await upsert(roster);
    expect(status).toBe(202);
    expect(body.event_id).toEqual(expect.any(String));
  });
});
