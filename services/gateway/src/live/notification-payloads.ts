import {
  AppError,
  ErrorCode,
  NotificationsSinceReply,
  SequencedNotification,
  type UserNotification,
} from '@im/contracts';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * What reaches a stream from NATS, checked before anything of it is written to a client: live
 * messages on a student's subject (anyone allowed to publish there could send anything) and the
 * broadcast service's replay pages.
 */
const liveChecker = TypeCompiler.Compile(SequencedNotification);
const replyChecker = TypeCompiler.Compile(NotificationsSinceReply);
const decoder = new TextDecoder();

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

/** A live message's notification with its seq, or a sentence saying why it is not one. */
export function decodeLiveNotification(bytes: Uint8Array): SequencedNotification | string {
  const value = parse(bytes);
  if (value === undefined) return 'not JSON';
  if (liveChecker.Check(value)) return value;
  const first = liveChecker.Errors(value).First();
  return `${first?.path || '/'}: ${first?.message ?? 'does not fit'}`;
}

/** A replay page, or a 500: the broadcast service answered something that breaks the contract. */
export function decodeSinceReply(bytes: Uint8Array): NotificationsSinceReply {
  const value = parse(bytes);
  if (replyChecker.Check(value)) return value;
  throw new AppError(ErrorCode.ServerError, 'internal error: a replay page that breaks its contract');
}

/**
 * The `data:` of an event: the notification's own fields, in a fixed order, and nothing else a
 * message may have carried beside them. JSON.stringify escapes CR and LF inside strings, so the
 * text is one line, as a `data:` field must be.
 */
export function notificationJson(n: UserNotification): string {
  return JSON.stringify({
    push_history_record_id: n.push_history_record_id,
    class_id: n.class_id,
    organization_id: n.organization_id,
    message: n.message,
    pushed_at: n.pushed_at,
    delivered_at: n.delivered_at,
    read_at: n.read_at,
  });
}
