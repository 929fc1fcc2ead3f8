import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import type { Api } from '../volume/api.js';

/** The organization every bench class belongs to. */
export const ORGANIZATION_ID = 1;

/** Client ids of a class's students: `live-<class>-<i>`, distinct across classes. */
export function studentsOf(classId: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `live-${classId}-${i}`);
}

/**
 * Classes through the admin route (a directory event each, as the directory would publish, like
 * the fanout suite), then waits until the broadcast service's projection holds each one as
 * published: a push before that is a 404.
 */
export async function createClasses(
  api: Api,
  db: Db,
  classes: readonly { classId: number; students: readonly string[] }[],
  timeoutMs = 60_000,
): Promise<void> {
  const published = await Promise.all(
    classes.map(async ({ classId, students }) => {
      const answer = await api.call(
        'PUT',
        `/im/admin/classes/${classId}`,
        {
          organization_id: ORGANIZATION_ID,
          name: `live class ${classId}`,
          active: true,
          student_uids: students,
        },
        { expected: [202], retryServerErrors: true },
      );
      return { classId, eventId: answer.json.event_id };
    }),
  );
  const projected = db.collection('directory_classes');
  const deadline = Date.now() + timeoutMs;
  for (const { classId, eventId } of published) {
    while ((await projected.findOne({ class_id: classId }))?.event_id !== eventId) {
      if (Date.now() > deadline) throw new Error(`class ${classId} was not projected within ${timeoutMs} ms`);
      await sleep(20);
    }
  }
}

/** After the clock has stopped: a figure counts only if every student really has its delivery. */
export async function deliveriesMissing(
  db: Db,
  pushId: number,
  students: number,
): Promise<string | undefined> {
  const written = await db.collection('deliveries').countDocuments({ push_id: pushId });
  return written === students ? undefined : `push ${pushId}: ${written} deliveries for ${students} students`;
}
