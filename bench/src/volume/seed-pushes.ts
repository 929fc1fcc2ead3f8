import { Streams } from '@im/contracts';
import type { JetStreamHandles } from '@im/events';
import { CLASS_MESSAGES_DURABLE } from '@im/workers';
import type { Api } from './api.js';
import { waitBacklog } from './backlog.js';
import type { VolumePlan } from './plan.js';
import { runPool } from './pool.js';
import type { ClassRoster } from './school.js';
import { schoolDays } from './school-days.js';
import type { SeedingBroadcast } from './seeding-broadcast.js';
import { every, rate } from './ticker.js';

/** The workers' fan-out consumer: its backlog is the pushes not yet written out as deliveries. */
export const CLASS_MESSAGES = { stream: Streams.classEvents.name, durable: CLASS_MESSAGES_DURABLE };

/**
 * The school year's pushes: one school day per round, the seeding broadcast's clock set to it,
 * every seeded class pushed through the gateway (POST /im/org/<class_id>/message, as a teacher's
 * app does), then the next day. The stack's workers fan each push out as they always do; a round
 * starts only while their backlog is under four days of pushes, and the end waits for all of it.
 */
export async function seedPushes(
  api: Api,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  broadcast: SeedingBroadcast,
  jsm: JetStreamHandles['jsm'],
  tell: (message: string) => void,
): Promise<void> {
  const days = schoolDays(plan.days, broadcast.timeZone);
  const seeded = rosters.filter((r) => r.seeded);
  const total = seeded.length * days.length;
  const started = performance.now();
  let done = 0;
  let backlog = 0;
  const ticker = every(5_000, () =>
    tell(
      `pushes ${rate(done, total, started)}, day ${Math.floor(done / seeded.length)}/${days.length}, fan-out backlog ${backlog}`,
    ),
  );
  const watch = { tell: (n: number) => (backlog = n) };
  try {
    for (const [d, day] of days.entries()) {
      broadcast.at(day);
      await runPool(seeded.length, plan.seedConcurrency, async (i) => {
        const { classId } = seeded[i]!;
        const message = `School day ${d + 1}: notice for class ${classId}`;
        // A push retried after a 5xx may find the first attempt recorded: 409, done all the same.
        await api.call(
          'POST',
          `/im/org/${classId}/message`,
          { message },
          { expected: [201, 409], retryServerErrors: true },
        );
        done++;
      });
      await waitBacklog(jsm, CLASS_MESSAGES, { atMost: 4 * seeded.length, ...watch });
    }
    await waitBacklog(jsm, CLASS_MESSAGES, watch);
  } finally {
    ticker.stop();
  }
}
