import type { NatsConnection } from '@im/bus';
import { liveNotificationSubject, type SequencedNotification } from '@im/contracts';
import type { Logger } from '@im/log';

/**
 * Where the fan-out tells a student, as it happens, of a notification just listed in its inbox.
 * Fire and forget: the inbox is the record, and a reader that missed a message finds it there by
 * seq (`im.deliveries.since`), so a publish that fails never fails the fan-out.
 */
export interface LiveNotifications {
  publish(studentUid: string, message: SequencedNotification): void;
}

/** Tells nobody: the default of a repository built without a connection (tests, tools). */
export const NO_LIVE_NOTIFICATIONS: LiveNotifications = { publish() {} };

/**
 * One core NATS message per notification on the student's subject (`liveNotificationSubject`),
 * no stream: nats.js batches the publishes of one event-loop turn into one write. A publish that
 * throws (the connection closed, a payload over max_payload) is dropped, with one warning until a
 * publish succeeds again rather than one per student.
 */
export function natsLiveNotifications(nc: NatsConnection, log: Logger): LiveNotifications {
  let failing = false;
  return {
    publish(studentUid, message) {
      try {
        nc.publish(liveNotificationSubject(studentUid), JSON.stringify(message));
        failing = false;
      } catch (error) {
        if (!failing)
          log.warn({ err: error }, 'live notifications not published; readers catch up from the inbox');
        failing = true;
      }
    },
  };
}
