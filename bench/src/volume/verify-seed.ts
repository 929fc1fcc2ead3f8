import { Streams } from '@im/contracts';
import type { JetStreamHandles } from '@im/events';
import type { Api } from './api.js';
import { backlogOf, messagesIn } from './backlog.js';
import { pushesOf, type VolumePlan } from './plan.js';
import type { ClassRoster } from './school.js';
import { CLASS_MESSAGES } from './seed-pushes.js';

/**
 * Whether the seeded pushes all went through, asked of JetStream and of the API (never of the
 * documents, whose shapes are the services'): as many class-message events as pushes, all acked
 * by the workers (who ack once a fan-out is written), no dead letter; and for each class, its
 * pushes page counting every school day, the latest push delivered to the whole roster.
 */
export async function verifySeed(
  api: Api,
  plan: VolumePlan,
  rosters: readonly ClassRoster[],
  jsm: JetStreamHandles['jsm'],
): Promise<string[]> {
  const problems: string[] = [];
  const deadLetters = await messagesIn(jsm, Streams.deadLetters.name);
  if (deadLetters > 0) problems.push(`${deadLetters} dead letters (a consumer gave up)`);
  if (plan.days === 0) return problems;
  const events = await messagesIn(jsm, Streams.classEvents.name);
  if (events !== pushesOf(plan)) problems.push(`${events} class-message events for ${pushesOf(plan)} pushes`);
  const backlog = await backlogOf(jsm, CLASS_MESSAGES);
  if (backlog !== 0) problems.push(`fan-out backlog ${backlog} at the end`);
  for (const roster of rosters.filter((r) => r.seeded)) {
    const { json } = await api.call('GET', `/im/class/${roster.classId}/pushes?per_page=1`, undefined, {
      expected: [200],
    });
    const latest = (json.data as { delivered_count?: number }[] | undefined)?.[0];
    if (json.total_count !== plan.days || latest?.delivered_count !== roster.studentUids.length) {
      problems.push(
        `class ${roster.classId}: ${String(json.total_count)} pushes for ${plan.days} days, the latest delivered to ${String(latest?.delivered_count)} of ${roster.studentUids.length}`,
      );
    }
  }
  return problems;
}
