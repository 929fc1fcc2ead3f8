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
import type { NoticedCache } from '@im/events';
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
  /** The counts asked lately, kept until the workers' notice of a change (NoticedCache). */
  readonly #counts: NoticedCache<PushDeliveryCounts> | undefined;

  constructor(nc: NatsConnection, timeoutMs: number, log: Logger, counts?: NoticedCache<PushDeliveryCounts>) {
    this.#workers = new ServiceClient(nc, {
      timeoutMs,
      caller: BROADCAST_CALLER,
      client: 'the broadcast service',
      log,
    });
    this.#counts = counts;
  }

  /**
   * Deliveries written so far, and read, for each push (0 for none): those kept since the last
   * notice of their change, the rest in one request; no request when all are kept.
   */
  async countsForPushes(
    pushIds: readonly number[],
    requestId: string,
  ): Promise<Map<number, PushDeliveryCounts>> {
    const counts = new Map<number, PushDeliveryCounts>(pushIds.map((id) => [id, { delivered: 0, read: 0 }]));
    if (pushIds.length === 0) return counts;
    const ask = (ids: readonly string[]) => this.#askCounts(ids.map(Number), requestId);
    const found = this.#counts
      ? await this.#counts.getMany(pushIds.map(String), ask)
      : await ask(pushIds.map(String));
    for (const [id, count] of found) counts.set(Number(id), count);
    return counts;
  }

  async #askCounts(pushIds: readonly number[], requestId: string): Promise<Map<string, PushDeliveryCounts>> {
    const reply = await this.#workers.ask(
      DeliverySubjects.countsForPushes,
      { push_ids: pushIds },
      validCounts,
      requestId,
    );
    return new Map(
      reply.counts.map(({ push_id, delivered_count, read_count }) => [
        String(push_id),
        { delivered: delivered_count, read: read_count },
      ]),
    );
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
