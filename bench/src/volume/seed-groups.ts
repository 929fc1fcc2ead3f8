import type { Api } from './api.js';
import type { VolumePlan } from './plan.js';
import { runPool } from './pool.js';
import { Groups } from './school.js';
import { every, rate } from './ticker.js';

/**
 * The organization's groups through `POST /im/group`, each with all its members (its admin among
 * them): the group service writes the group, its member records and its event as it always does.
 * Answers the group ids the service gave, in plan order. Each create carries an Idempotency-Key,
 * so a 5xx can be retried without making a second group.
 */
export async function seedGroups(
  api: Api,
  plan: VolumePlan,
  tell: (message: string) => void,
): Promise<number[]> {
  const groups = new Groups(plan);
  const ids: number[] = new Array(groups.count);
  const started = performance.now();
  let done = 0;
  const ticker = every(5_000, () => tell(`groups ${rate(done, groups.count, started)}`));
  try {
    await runPool(groups.count, plan.seedConcurrency, async (i) => {
      const spec = groups.spec(i);
      const answer = await api.call(
        'POST',
        '/im/group',
        {
          group_name: spec.name,
          member_client_ids: spec.memberUids.join(':'),
          organization_id: plan.organizationId,
          admin_uid: spec.memberUids[0],
        },
        // The key makes a retry safe: a create that went through answers its first 201 again.
        {
          expected: [201],
          headers: { 'idempotency-key': `seed-group-${i + 1}` },
          retryServerErrors: true,
          // The same key while an earlier attempt (one the gateway gave up on) is still running.
          retryStatuses: [409],
        },
      );
      ids[i] = answer.json.group_id as number;
      done++;
    });
  } finally {
    ticker.stop();
  }
  return ids;
}
