import { type NatsConnection, ServiceClient } from '@im/bus';
import {
  compileValidator,
  DeliveredAtReply,
  DeliveriesSinceReply,
  DeliveryCountsReply,
  DeliverySubjects,
  encodeCaller,
  MarkDeliveryReadReply,
} from '@im/contracts';
import type { Logger } from '@im/log';

/**
 * This service's own identity when it asks others: the workers answer reads of their deliveries
 * for services only. Whether the HTTP caller may see them is decided here first (authorize.ts).
 */
export const BROADCAST_CALLER = encodeCaller({ sub: 'im-broadcast', orgs: [], role: 'service' });

const validCounts = compileValidator(DeliveryCountsReply);
const validDeliveredAt = compileValidator(DeliveredAtReply);
const validSince = compileValidator(DeliveriesSinceReply);
const validMark = compileValidator(MarkDeliveryReadReply);

/** What the workers count of one push. */
export interface PushDeliveryCounts {
  delivered: number;
  read: number;
}

/**
 * The deliveries as their owner, the workers, tells them over NATS: this service never opens the
 * workers' database. When the workers cannot answer (down, slow, NATS away), the read fails with
 * the request client's 503 or 504 naming them; nothing is made up in their place.
 */
export class DeliveriesClient {
  readonly #workers: ServiceClient;

  constructor(nc: NatsConnection, timeoutMs: number, log: Logger) {
    this.#workers = new ServiceClient(nc, {
      timeoutMs,
      caller: BROADCAST_CALLER,
      client: 'the broadcast service',
      log,
    });
  }

  /** Deliveries written so far, and read, for each push (0 for none); no request for no pushes. */
  async countsForPushes(
    pushIds: readonly number[],
    requestId: string,
  ): Promise<Map<number, PushDeliveryCounts>> {
    const counts = new Map<number, PushDeliveryCounts>(pushIds.map((id) => [id, { delivered: 0, read: 0 }]));
    if (pushIds.length === 0) return counts;
    const reply = await this.#workers.ask(
      DeliverySubjects.countsForPushes,
      { push_ids: pushIds },
      validCounts,
      requestId,
    );
    for (const { push_id, delivered_count, read_count } of reply.counts) {
      counts.set(push_id, { delivered: delivered_count, read: read_count });
    }
    return counts;
  }

  /** A student's deliveries after seq `after`, by seq (without `after`: none, where its inbox stands). */
  since(studentUid: string, after: number | undefined, requestId: string): Promise<DeliveriesSinceReply> {
    const body = { student_uid: studentUid, ...(after !== undefined ? { after } : {}) };
    return this.#workers.ask(DeliverySubjects.since, body, validSince, requestId);
  }

  /** Marks a student's delivery of a push read: the mark as stored, or `delivered: false` for none. */
  markRead(studentUid: string, pushId: number, requestId: string): Promise<MarkDeliveryReadReply> {
    const body = { student_uid: studentUid, push_id: pushId };
    return this.#workers.ask(DeliverySubjects.markRead, body, validMark, requestId);
  }

  /** When each of `studentUids` got its copy of a push (ISO 8601); absent: not yet. */
  async deliveredAt(
    pushId: number,
    studentUids: readonly string[],
    requestId: string,
  ): Promise<Map<string, string>> {
    const at = new Map<string, string>();
    if (studentUids.length === 0) return at;
    const body = { push_id: pushId, student_uids: studentUids };
    const reply = await this.#workers.ask(DeliverySubjects.deliveredAt, body, validDeliveredAt, requestId);
    for (const { student_uid, delivered_at } of reply.deliveries) at.set(student_uid, delivered_at);
    return at;
  }

  close(): void {
    this.#workers.close();
  }
}
