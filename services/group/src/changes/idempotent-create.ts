import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type CreateGroupReply, ErrorCode, type GroupCreatedEvent } from '@im/contracts';
import { conversationTaken, type GroupDeps } from '../deps.js';
import type { KeyClaim } from '../repositories/idempotency-keys.js';
import { createdReply } from './group-events.js';

export interface GroupDraft {
  organization_id: number;
  group_name: string;
  members: string[];
  /** As given; empty when the service is to generate one. */
  conversion_id: string;
  group_avatar: string;
  admin_uid: string;
  description: string;
}

/** How long a repeat waits for the first request with its key to finish. */
const WAIT_MS = 3_000;
const POLL_MS = 50;
/**
 * A claim with an intent but no reply after this long: the first request is slow or gone, and the
 * repeat finishes the intent itself (as the relay would, which waits as long).
 */
const FINISH_AFTER_MS = 2_000;
/** A claim without an intent after this long belongs to a request that died before deciding anything. */
export const STALE_MS = 30_000;

/**
 * `Idempotency-Key` for creates, scoped per organization. The first request claims the key (an
 * insert guarded by the key's uniqueness), reserves the group's id and records the created event
 * on the claim before writing it to the outbox. From then on the key's group is decided: a repeat
 * returns the reply once there is one, or finishes the recorded event itself (outbox write, apply
 * and publish are idempotent by event id), and never creates a second group. Only a claim without
 * an intent, older than STALE_MS, is released for a repeat to take. A repeat with another body is
 * a 409 (1016) rather than a silent replay of an answer to a different question.
 */
export async function createOnce(
  deps: GroupDeps,
  draft: GroupDraft,
  key: string,
  create: (claim: KeyClaim) => Promise<CreateGroupReply>,
): Promise<CreateGroupReply> {
  const scope = `${draft.organization_id}:${key}`;
  const hash = requestHash(draft);
  for (let attempt = 0; attempt < 3; attempt++) {
    const claim = await deps.keys.claim(scope, hash);
    if (claim) return create(claim);
    const reply = await awaitFirst(deps, scope, hash);
    if (reply) return reply;
    // The claim was released (stale, or its create refused): claim it ourselves.
  }
  throw inProgress();
}

/** Records the created event on the claim; a request that lost its claim stops here. */
export async function recordIntent(
  deps: GroupDeps,
  claim: KeyClaim,
  event: GroupCreatedEvent,
): Promise<void> {
  if (!(await deps.keys.recordIntent(claim, event))) throw inProgress();
}

/** The reply of the request that owns the key, or undefined once its claim is released. */
async function awaitFirst(
  deps: GroupDeps,
  scope: string,
  hash: string,
): Promise<CreateGroupReply | undefined> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claim = await deps.keys.find(scope);
    if (!claim) return undefined;
    if (claim.request_hash !== hash) {
      throw new AppError(
        ErrorCode.Conflict,
        'Idempotency-Key: already used for a different request in this organization',
      );
    }
    if (claim.reply) return claim.reply;
    const age = Date.now() - claim.created_at.getTime();
    if (claim.intent) {
      if (age >= FINISH_AFTER_MS) return finishIntent(deps, scope);
    } else if (age >= STALE_MS) {
      await deps.keys.releaseStale(scope, claim.token, new Date(Date.now() - STALE_MS));
      return undefined;
    }
    if (Date.now() >= deadline) throw inProgress();
    await sleep(POLL_MS);
  }
}

/** Finishes the create a claim recorded: the same group, the same event, the same reply. */
async function finishIntent(deps: GroupDeps, scope: string): Promise<CreateGroupReply | undefined> {
  const event = await deps.keys.intentOf(scope);
  if (!event) return undefined; // released meanwhile (its create was refused)
  const outcome = await deps.flow.finish(event);
  if (outcome === 'conversation_taken') throw conversationTaken(event.conversion_id);
  if (outcome !== 'applied') throw new Error(`a recorded create ended as ${outcome}`);
  return createdReply(event);
}

function inProgress(): AppError {
  return new AppError(
    ErrorCode.Conflict,
    'Idempotency-Key: a request with this key is still being answered; retry in a moment',
  );
}

export function requestHash(draft: GroupDraft): string {
  const canonical = JSON.stringify([
    draft.organization_id,
    draft.group_name,
    draft.members,
    draft.conversion_id,
    draft.group_avatar,
    draft.admin_uid,
    draft.description,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
