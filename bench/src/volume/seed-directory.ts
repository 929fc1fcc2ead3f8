import { DIRECTORY_CLASSES_DURABLE } from '@im/broadcast-service';
import { Streams } from '@im/contracts';
import type { JetStreamHandles } from '@im/events';
import { DIRECTORY_USERS_DURABLE } from '@im/group-service';
import type { Api } from './api.js';
import { waitBacklog } from './backlog.js';
import type { VolumePlan } from './plan.js';
import { runPool } from './pool.js';
import { type ClassRoster, userRole } from './school.js';
import { every, rate } from './ticker.js';

type Jsm = JetStreamHandles['jsm'];
type Tell = (message: string) => void;

/**
 * Directory users through the admin route (one `directory.user.upserted` event each, as the
 * directory would publish), then waits until the group service's projection has applied them all.
 */
export async function seedUsers(api: Api, plan: VolumePlan, jsm: Jsm, tell: Tell): Promise<void> {
  const started = performance.now();
  let done = 0;
  const ticker = every(5_000, () => tell(`directory users ${rate(done, plan.users, started)}`));
  try {
    await runPool(plan.users, plan.seedConcurrency, async (i) => {
      const uid = i + 1;
      await api.call(
        'PUT',
        `/im/admin/orgs/${plan.organizationId}/users/${uid}`,
        { name: `User ${uid}`, role: userRole(uid) },
        { expected: [202], retryServerErrors: true },
      );
      done++;
    });
    ticker.stop();
    tell(`directory users: ${rate(done, plan.users, started)} published; waiting for the projection`);
    await waitBacklog(
      jsm,
      { stream: Streams.directory.name, durable: DIRECTORY_USERS_DURABLE },
      { tell: throttled(tell, (n) => `directory users: projection backlog ${n.toLocaleString('en-US')}`) },
    );
  } finally {
    ticker.stop();
  }
}

/** Classes through the admin route, then waits until the broadcast service's projection has them. */
export async function seedClasses(
  api: Api,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  jsm: Jsm,
  tell: Tell,
): Promise<void> {
  await runPool(rosters.length, plan.seedConcurrency, async (i) => {
    const roster = rosters[i]!;
    await api.call(
      'PUT',
      `/im/admin/classes/${roster.classId}`,
      {
        organization_id: plan.organizationId,
        name: `Class ${roster.classId}`,
        active: true,
        student_uids: roster.studentUids,
      },
      { expected: [202], retryServerErrors: true },
    );
  });
  await waitBacklog(
    jsm,
    { stream: Streams.directory.name, durable: DIRECTORY_CLASSES_DURABLE },
    { tell: throttled(tell, (n) => `classes: projection backlog ${n}`) },
  );
}

/** At most one line every 5 s out of a poll that may run ten times a second. */
export function throttled(tell: Tell, say: (n: number) => string): (n: number) => void {
  let last = 0;
  return (n) => {
    if (performance.now() - last < 5_000) return;
    last = performance.now();
    tell(say(n));
  };
}
