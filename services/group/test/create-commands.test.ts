import { type CreateGroupReply, GroupSubjects } from '@im/contracts';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroupHarness, startGroupHarness } from './harness.js';

/**
 * How many database commands a create and a members add send: a count, not a timing, so it holds
 * on any machine. FerretDB is what limits creates per second, and each command costs it a
 * statement (each write one turn of its database's one writer). The figures, and why each
 * command is there, are in docs/group.md ("What a change costs"). `GROUP_COMMANDS_LOG=1` prints
 * each command. The id counter is not among them: it is asked once per 50 ids (the block the
 * first creates of this test took).
 */
const LIMITS = { create: 9, keyedCreate: 13, addMembers: 9 };

/** The driver's own traffic (handshakes, monitoring), not the service's work. */
const DRIVER = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions', 'saslStart']);

let h: GroupHarness;
let client: MongoClient;
const sent: CommandStartedEvent[] = [];

beforeAll(async () => {
  h = await startGroupHarness(null);
  // The service on a client of its own that reports every command it sends; the relay's sweep is
  // far off, so only the request's own commands are counted.
  client = new MongoClient(h.mongoUrl, { monitorCommands: true, retryWrites: false });
  client.on('commandStarted', (event) => sent.push(event));
  await client.connect();
  await h.startService({ relayIntervalMs: 600_000 }, client.db());
});
afterAll(async () => {
  await h?.close();
  await client?.close();
});

const members = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(':');
const create = (organization_id: number, member_client_ids: string, idempotency_key?: string) =>
  h.call<CreateGroupReply>(GroupSubjects.create, {
    group_name: 'counted',
    member_client_ids,
    organization_id,
    ...(idempotency_key ? { idempotency_key } : {}),
  });

/** The commands `work` sent, as `<command> <collection>`. */
async function commandsOf(label: string, work: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await work();
  const names = sent
    .filter((e) => !DRIVER.has(e.commandName))
    .map((e) => `${e.commandName} ${String(e.command[e.commandName])}`);
  if (process.env.GROUP_COMMANDS_LOG)
    console.log(`${label}: ${names.length} commands\n  ${names.join('\n  ')}`);
  return names;
}

describe('database commands per change', () => {
  it('a create of ten members in an organization that has groups', async () => {
    const org = 9101;
    for (let i = 0; i < 3; i++) await create(org, members(10, `pre${i}-`));
    const commands = await commandsOf('create', () => create(org, members(10, 'm-')));
    expect(commands.length).toBeLessThanOrEqual(LIMITS.create);
  });

  it('a create with an Idempotency-Key', async () => {
    const org = 9102;
    for (let i = 0; i < 3; i++) await create(org, members(10, `pre${i}-`), `pre-${i}`);
    const commands = await commandsOf('keyed create', () => create(org, members(10, 'k-'), 'counted'));
    expect(commands.length).toBeLessThanOrEqual(LIMITS.keyedCreate);
  });

  it('a members add of five newcomers to a group of ten', async () => {
    const { group_id } = await create(9103, members(10, 'g-'));
    const commands = await commandsOf('members add', () =>
      h.call(GroupSubjects.addMembers, { group_id, member_client_ids: members(5, 'new-') }),
    );
    expect(commands.length).toBeLessThanOrEqual(LIMITS.addMembers);
  });
});
