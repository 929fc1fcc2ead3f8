import type { NatsConnection } from '@im/bus';
import { Streams } from '@im/contracts';
import { bearer, readStreamMessages, sleep } from '@im/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ClusterSystem } from './cluster-system.js';
import { ORG, type Outcome } from './load.js';

/** Every durable consumer of every stream whose messages are not all acknowledged yet. */
export async function busyConsumers(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const busy: string[] = [];
  for await (const stream of jsm.streams.list()) {
    for await (const consumer of jsm.consumers.list(stream.config.name)) {
      if (consumer.num_pending > 0 || consumer.num_ack_pending > 0) {
        busy.push(
          `${stream.config.name}/${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacknowledged`,
        );
      }
    }
  }
  return busy;
}

/** Polls until every consumer has caught up; what was still busy at the deadline otherwise. */
export async function consumersIdle(nc: NatsConnection, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = await busyConsumers(nc).catch((error: Error) => [`listing consumers: ${error.message}`]);
    if (busy.length === 0 || Date.now() >= deadline) return busy;
    await sleep(500);
  }
}

/** One line per id that a stream holds more than once: a relay or a retry published it twice. */
export function doubled(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} × ${n}`);
}

interface GroupEvent {
  event_id: string;
  type: string;
  group_id: number;
  member_client_ids: string[];
}

/** The event each group change makes (its first member named is the one the audit looks for). */
const EVENT_OF: Partial<Record<Outcome['kind'], string>> = {
  group_create: 'created',
  members_add: 'members_added',
  members_remove: 'members_removed',
};

/**
 * Group changes against IM_GROUP_EVENTS: a 2xx create, members add or removal has exactly one
 * event naming its member; a change that failed (5xx, no answer) may have been made, never twice.
 */
export async function auditGroupEvents(nc: NatsConnection, outcomes: readonly Outcome[]): Promise<string[]> {
  const events = (await readStreamMessages(nc, Streams.groupEvents.name)).map((m) => m.data as GroupEvent);
  const problems = doubled(events.map((e) => e.event_id)).map((line) => `group event ${line}`);
  const count = (type: string, member: string) =>
    events.filter((e) => e.type === type && e.member_client_ids.includes(member)).length;
  for (const outcome of outcomes) {
    const type = EVENT_OF[outcome.kind];
    if (!type) continue;
    const member = outcome.members?.[0] as string;
    const n = count(type, member);
    const ok = outcome.status >= 200 && outcome.status < 300;
    if (ok ? n !== 1 : n > 1) {
      problems.push(
        `${outcome.kind} with ${member} answered ${describeOutcome(outcome)}: ${n} '${type}' events`,
      );
    }
  }
  return problems;
}

/**
 * Pushes against the students' inboxes: each student of a class pushed with a 201 has exactly one
 * notification of it; a push that failed delivered once or not at all. Every class and every
 * student is fresh, so an inbox holds nothing else. Polls, since deliveries land after the 201.
 */
export async function auditDeliveries(
  system: ClusterSystem,
  outcomes: readonly Outcome[],
  rosters: ReadonlyMap<number, readonly string[]>,
  timeoutMs: number,
): Promise<string[]> {
  const events = (await readStreamMessages(system.nc, Streams.classEvents.name)).map(
    (m) => m.data as { event_id: string; push_id: number },
  );
  const problems = doubled(events.map((e) => String(e.push_id))).map(
    (line) => `class-message event of push ${line}`,
  );
  const deadline = Date.now() + timeoutMs;
  for (const outcome of outcomes) {
    if (outcome.kind !== 'push' || outcome.classId === undefined) continue;
    for (const student of rosters.get(outcome.classId) ?? []) {
      const want = outcome.status === 201 ? 1 : undefined;
      let got = await inboxSize(system, student);
      while (want !== undefined && got < want && Date.now() < deadline) {
        await sleep(500);
        got = await inboxSize(system, student);
      }
      if (want === undefined ? got > 1 : got !== want) {
        problems.push(
          `push to class ${outcome.classId} answered ${describeOutcome(outcome)}: ${student} has ${got}`,
        );
      }
    }
  }
  return problems;
}

async function inboxSize(system: ClusterSystem, student: string): Promise<number> {
  const url = `${system.gatewayUrls[0]}/im/user/${student}/notifications?per_page=100`;
  const res = await fetch(url, {
    headers: bearer(system.token({ sub: student, orgs: [ORG], role: 'user' })),
  });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { total_count: number }).total_count;
}

export const describeOutcome = (outcome: Outcome): string =>
  outcome.status === 0 ? `no answer (${outcome.error})` : String(outcome.status);
