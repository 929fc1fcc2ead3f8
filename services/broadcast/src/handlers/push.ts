import { randomUUID } from 'node:crypto';
import { defineEndpoint } from '@im/bus';
import {
  AppError,
  assertFits,
  BroadcastSubjects,
  ErrorCode,
  jsonBytes,
  listByteBudget,
  notFound,
  PUSH_MESSAGE_MAX_BYTES,
  type PushClassMessageReply,
  PushClassMessageRequest,
} from '@im/contracts';
import type { EventPublisher } from '@im/events';
import { assertMayUseClass } from '../authorize.js';
import { dayIn } from '../day.js';
import { outgoingEvent } from '../events/push-outbox.js';
import type { DirectoryClasses } from '../projections/directory-classes.js';
import type { PushHistory } from '../repositories/push-history.js';

export interface PushDeps {
  classes: DirectoryClasses;
  pushes: PushHistory;
  publisher: EventPublisher;
  timeZone: string;
  now: () => Date;
  /** NATS `max_payload` of the server we are on now: the class-message event must fit it. */
  maxPayload: () => number;
  /** TEST ONLY (BROADCAST_FAULT_CRASH_BEFORE_PUBLISH): die between the insert and the publish. */
  crashBeforePublish: boolean;
}

/**
 * `POST /im/org/<class_id>/message`. The class must be known and active; the push is recorded
 * with its pending event in one insert (the unique index on (class_id, day) makes the once-a-day
 * rule hold under concurrency), then the event is published and marked sent. Once the record is
 * in, the answer is 201 whatever happens to the publish: the relay finishes it. A roster too big
 * for the event (a directory other than our admin route may announce one) is a 413 before
 * anything is recorded: a recorded push whose event cannot be published is never delivered.
 */
export const pushEndpoint = (deps: PushDeps) =>
  defineEndpoint({
    name: 'push',
    subject: BroadcastSubjects.push,
    request: PushClassMessageRequest,
    handle: async ({ class_id, message = '' }, ctx): Promise<PushClassMessageReply> => {
      assertFits('message', message, PUSH_MESSAGE_MAX_BYTES);
      const cls = await deps.classes.find(class_id);
      if (!cls || cls.organization_id === undefined) throw notFound(`class_id: class ${class_id}`);
      // Whose class it is decides first: a stranger learns nothing about its state.
      assertMayUseClass(ctx.caller, class_id, cls.organization_id, 'pushing to it');
      if (cls.deleted || !cls.active) throw notFound(`class_id: class ${class_id}`);
      assertRosterFits(class_id, cls.student_uids, listByteBudget(deps.maxPayload()));
      const pushedAt = deps.now();
      const record = await deps.pushes.record({
        class_id,
        organization_id: cls.organization_id,
        day: dayIn(pushedAt, deps.timeZone),
        pushed_at: pushedAt,
        message,
        student_uids: cls.student_uids,
        recipient_count: cls.student_uids.length,
        eventId: randomUUID(),
      });
      if (deps.crashBeforePublish) {
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {}); // the signal may land a few instructions late: publish nothing
      }
      try {
        await deps.publisher.publish(outgoingEvent(record));
        await deps.pushes.markSent(record.event.id);
      } catch (error) {
        ctx.log.warn({ err: error, push_id: record.id }, 'push recorded; event left to the relay');
      }
      return { class_id, push_history_record_id: record.id };
    },
  });

/** A 413 naming the roster: it rides inline in the class-message event, which must fit one message. */
function assertRosterFits(classId: number, roster: readonly string[], limit: number): void {
  const bytes = jsonBytes(roster);
  if (bytes <= limit) return;
  throw new AppError(
    ErrorCode.PayloadTooLarge,
    `student_uids: the roster of class ${classId} takes ${bytes} bytes as JSON, more than the ` +
      `${limit} bytes its class-message event can carry; nothing was recorded`,
    { field: 'student_uids', bytes, limit },
  );
}
