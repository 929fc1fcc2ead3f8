import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type CreateGroupReply, ErrorCode } from '@im/contracts';
import type { GroupDeps } from './deps.js';

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
/** A claim without a reply after this long belongs to a request that died before recording anything. */
const STALE_MS = 30_000;

/**
 * `Idempotency-Key` for creates, scoped per organization. The first request claims the key (an
 * insert guarded by the key's uniqueness) and creates; the creation stores its reply with the key,
 * whether the request or the relay finishes it. A repeat returns that reply; a repeat with another
 * body is a 409 (1016) rather than a silent replay of an answer to a different question.
 */
export async function createOnce(
  deps: GroupDeps,
  draft: GroupDraft,
  key: string,
  create: (scope: string) => Promise<CreateGroupReply>,
): Promise<CreateGroupReply> {
  const scope = `${draft.organization_id}:${key}`;
  const hash = requestHash(draft);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await deps.keys.claim(scope, hash)) return create(scope);
    const reply = await awaitFirst(deps, scope, hash);
    if (reply) return reply;
    // The claim was stale and is now released: claim it ourselves.
  }
  throw inProgress();
}

/** The reply of the request that owns the key, or undefined once its stale claim is released. */
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
    if (claim.created_at.getTime() < Date.now() - STALE_MS) {
      await deps.keys.releaseStale(scope, new Date(Date.now() - STALE_MS));
      return undefined;
    }
    if (Date.now() >= deadline) throw inProgress();
    await sleep(POLL_MS);
  }
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
