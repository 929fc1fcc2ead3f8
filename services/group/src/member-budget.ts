import { ConfigError } from '@im/config';
import { DEFAULT_MAX_PAYLOAD, listByteBudget } from '@im/contracts';

/**
 * The most a member id is counted for in a JSON list: 64 characters of up to 4 UTF-8 bytes each,
 * its two quotes and the comma after it. Ids whose JSON needs escapes (control characters, 6
 * bytes each) can take more; the per-request check (`assertFits`) catches those lists.
 */
export const MEMBER_ID_JSON_BYTES = 64 * 4 + 2 + 1;

/**
 * The bytes a member list may take in a message, from the server's `max_payload`. The created and
 * deleted events carry a group's whole member list, so a full group must fit: a GROUP_MAX_MEMBERS
 * that cannot is refused at start, naming the variable, instead of failing on the bus later.
 */
export function memberListBudget(maxMembers: number, maxPayload = DEFAULT_MAX_PAYLOAD): number {
  const budget = listByteBudget(maxPayload);
  const worst = maxMembers * MEMBER_ID_JSON_BYTES;
  if (worst > budget) {
    const fits = Math.floor(budget / MEMBER_ID_JSON_BYTES);
    throw new ConfigError(
      `GROUP_MAX_MEMBERS: ${maxMembers} members of up to ${MEMBER_ID_JSON_BYTES} bytes each take ${worst} bytes, ` +
        `more than the ${budget} bytes a message can carry with NATS max_payload ${maxPayload}; ` +
        `set at most ${fits}, or raise max_payload`,
    );
  }
  return budget;
}
