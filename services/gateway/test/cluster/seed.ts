import { bearer, sleep } from '@im/testkit';
import type { ClusterSystem } from './cluster-system.js';
import { ORG } from './load.js';

/**
 * `count` fresh classes of `size` fresh students each, through the directory's admin route, and
 * waits until the broadcast service knows every one (its pushes page answers 200, 404 before).
 * Fresh students: an inbox then holds only its class's push, which the audit counts.
 */
export async function seedClasses(
  system: ClusterSystem,
  count: number,
  size: number,
): Promise<Map<number, string[]>> {
  const service = bearer(system.token({ sub: 'svc-cluster', role: 'service' }));
  const admin = bearer(system.token({ sub: 'load-admin', orgs: [ORG], role: 'org_admin' }));
  const rosters = new Map<number, string[]>();
  for (let k = 1; k <= count; k++) {
    const classId = 5_000 + k;
    const students = Array.from({ length: size }, (_, j) => `st-${k}-${j}`);
    rosters.set(classId, students);
    const url = `${system.gatewayUrls[k % system.gatewayUrls.length]}/im/admin/classes/${classId}`;
    const res = await fetch(url, {
      method: 'PUT',
      headers: { ...service, 'content-type': 'application/json' },
      body: JSON.stringify({
        organization_id: ORG,
        name: `class ${k}`,
        active: true,
        student_uids: students,
      }),
    });
    if (res.status !== 202) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
  }
  for (const classId of rosters.keys()) {
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${system.gatewayUrls[0]}/im/class/${classId}/pushes`, { headers: admin });
      await res.arrayBuffer();
      if (res.status === 200) break;
      if (tries > 120)
        throw new Error(`class ${classId} never reached the broadcast service (${res.status})`);
      await sleep(250);
    }
  }
  return rosters;
}
