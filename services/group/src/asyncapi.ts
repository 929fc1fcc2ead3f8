import {
  DirectoryUserDeleted,
  DirectoryUserSubjects,
  DirectoryUserUpserted,
  GROUP_EVENT_TYPES,
  GroupEventSchemas,
  GroupEventSubjects,
  Streams,
} from '@im/contracts';
import type { TSchema } from '@sinclair/typebox';
import { DIRECTORY_USERS_DURABLE } from './projections/directory-users.js';

/** PascalCase of an event type: `members_added` → `MembersAdded`. */
const pascal = (type: string) => type.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** A TypeBox schema as plain JSON Schema (TypeBox's symbol keys do not survive JSON). */
const plain = (schema: TSchema): unknown => JSON.parse(JSON.stringify(schema));

const MSG_ID_HEADERS = {
  type: 'object',
  properties: {
    'Nats-Msg-Id': {
      type: 'string',
      description: 'the event_id: JetStream drops a repeat within its duplicate window',
    },
  },
};

interface Entry {
  key: string;
  address: string;
  schema: TSchema;
  action: 'send' | 'receive';
  stream: string;
  summary: string;
}

/**
 * The group service's event catalogue as an AsyncAPI 3.0 document, built from the contracts (the
 * same TypeBox schemas the service validates with), so the document cannot drift from the code.
 * `npm run asyncapi -w @im/group-service` writes it to services/group/asyncapi.json.
 */
export function groupAsyncApi(): Record<string, unknown> {
  const entries: Entry[] = [
    ...GROUP_EVENT_TYPES.map((type) => ({
      key: `Group${pascal(type)}`,
      address: GroupEventSubjects[type],
      schema: GroupEventSchemas[type],
      action: 'send' as const,
      stream: Streams.groupEvents.name,
      summary: GroupEventSchemas[type].description ?? '',
    })),
    ...(
      [
        ['DirectoryUserUpserted', DirectoryUserSubjects.upserted, DirectoryUserUpserted],
        ['DirectoryUserDeleted', DirectoryUserSubjects.deleted, DirectoryUserDeleted],
      ] as const
    ).map(([key, address, schema]) => ({
      key,
      address,
      schema,
      action: 'receive' as const,
      stream: Streams.directory.name,
      summary: `${schema.description ?? ''} Consumed by the durable consumer ${DIRECTORY_USERS_DURABLE}.`,
    })),
  ];
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const e of entries) {
    channels[e.key] = {
      address: e.address,
      description: `JetStream stream ${e.stream}.`,
      messages: { [e.key]: { $ref: `#/components/messages/${e.key}` } },
    };
    operations[`${e.action}${e.key}`] = {
      action: e.action,
      channel: { $ref: `#/channels/${e.key}` },
      messages: [{ $ref: `#/channels/${e.key}/messages/${e.key}` }],
    };
    messages[e.key] = {
      name: e.key,
      title: e.key,
      summary: e.summary.trim(),
      contentType: 'application/json',
      headers: MSG_ID_HEADERS,
      payload: plain(e.schema),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'IM group service events',
      version: '0.1.0',
      description:
        'Every group change is announced by exactly one event on the IM_GROUP_EVENTS stream, published ' +
        'through an outbox with Nats-Msg-Id = event_id. Subscribers must be idempotent (keyed on event_id) ' +
        'and must not assume that events of one group arrive in the order the changes were made when ' +
        'changes race; see docs/group.md. The service consumes directory user events to keep contacts.',
    },
    defaultContentType: 'application/json',
    servers: { nats: { host: 'localhost:4222', protocol: 'nats', description: 'NATS with JetStream' } },
    channels,
    operations,
    components: { messages },
  };
}

/** The file's text: stable formatting, so regenerating an unchanged catalogue changes nothing. */
export function groupAsyncApiText(): string {
  return `${JSON.stringify(groupAsyncApi(), null, 2)}\n`;
}
