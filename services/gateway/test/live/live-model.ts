import type { ClassMessageEvent } from '@im/contracts';
import { pollUntil } from '@im/testkit';
import { service } from '../helpers.js';
import type { LiveHarness } from './live-harness.js';
import type { SseStream } from './sse-client.js';

/**
 * What the live tests expect, from their own model: a class-message event for a made-up push (so
 * that a test decides the order in which pushes reach an inbox), a student's inbox as the
 * notifications list shows it, and a stream's events as (seq, push id) pairs.
 */
let nextEvent = 0;

export function classMessage(
  pushId: number,
  students: string[],
  message = `push ${pushId}`,
): ClassMessageEvent {
  return {
    event_id: `live-test-${pushId}-${nextEvent++}`,
    push_id: pushId,
    class_id: 77,
    organization_id: 3,
    student_uids: students,
    message,
    day: '2024-05-01',
    pushed_at: '2024-05-01T02:00:00.000Z',
  };
}

export interface ListedNotification {
  push_history_record_id: number;
  class_id: number;
  organization_id: number;
  message: string;
  pushed_at: string;
  delivered_at: string;
  read_at: string | null;
}

export interface NotificationsPage {
  total_count: number;
  unread_count: number;
  data: ListedNotification[];
}

export async function notificationsOf(live: LiveHarness, student: string): Promise<NotificationsPage> {
  const res = await fetch(`${live.base}/im/user/${encodeURIComponent(student)}/notifications?per_page=100`, {
    headers: live.h.auth.as(service()),
  });
  if (res.status !== 200) throw new Error(`notifications of ${student}: ${res.status} ${await res.text()}`);
  return (await res.json()) as NotificationsPage;
}

/** Until the student's inbox holds `count` notifications (a fan-out is asynchronous). */
export async function inboxHolds(live: LiveHarness, student: string, count: number): Promise<boolean> {
  return pollUntil(
    async () => (await notificationsOf(live, student)).total_count >= count,
    Date.now() + 30_000,
    undefined,
    25,
  );
}

/** `[seq, push id]` of each notification event, as the stream gave them. */
export const pairs = (stream: SseStream) =>
  stream.notifications().map((n) => [n.id, n.data.push_history_record_id as number]);

/** The `data:` line the stream must write for a notification: its fields in the schema's order. */
export const dataLine = (n: ListedNotification) =>
  `data: ${JSON.stringify({
    push_history_record_id: n.push_history_record_id,
    class_id: n.class_id,
    organization_id: n.organization_id,
    message: n.message,
    pushed_at: n.pushed_at,
    delivered_at: n.delivered_at,
    read_at: n.read_at,
  })}`;
