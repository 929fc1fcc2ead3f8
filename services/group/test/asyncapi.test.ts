import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP_EVENT_TYPES, GroupEventSubjects } from '@im/contracts';
import { describe, expect, it } from 'vitest';
import { groupAsyncApi } from '../src/asyncapi.js';

const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'asyncapi.json'), 'utf8'));

/** Follows a local `#/a/b` reference inside the document. */
function resolve(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe('the AsyncAPI event catalogue', () => {
  it('is current: asyncapi.json is what the contracts generate (npm run asyncapi -w @im/group-service)', () => {
    expect(committed).toEqual(groupAsyncApi());
  });

  it('has a channel per group event subject, sent by the service, with its payload schema', () => {
    const doc = committed as {
      channels: Record<string, { address: string }>;
      operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
    };
    const addresses = Object.values(doc.channels).map((c) => c.address);
    for (const type of GROUP_EVENT_TYPES) expect(addresses).toContain(GroupEventSubjects[type]);
    expect(addresses).toContain('directory.user.upserted');
    expect(addresses).toContain('directory.user.deleted');
    for (const operation of Object.values(doc.operations)) {
      const channel = resolve(committed, operation.channel.$ref) as { address: string };
      expect(channel.address).toBeTypeOf('string');
      for (const m of operation.messages) {
        const message = resolve(committed, (resolve(committed, m.$ref) as { $ref: string }).$ref) as {
          payload: { required: string[] };
        };
        expect(message.payload.required).toEqual(
          expect.arrayContaining(['event_id', 'occurred_at', 'organization_id']),
        );
      }
      const sent = operation.action === 'send';
      expect(sent).toBe(channel.address.startsWith('im.events.group.'));
    }
  });
});
