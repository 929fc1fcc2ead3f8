import { bearer } from '@im/testkit';
import type { ClusterSystem } from './cluster-system.js';
import { ORG } from './load.js';

export interface OpenStream {
  /** Whether the gateway ended the stream within `timeoutMs` (read to its end, or cut). */
  ended(timeoutMs: number): Promise<boolean>;
}

/** A student's live stream on gateway `index`, open once its first bytes (the preamble) arrived. */
export async function openStream(system: ClusterSystem, index: number, student: string): Promise<OpenStream> {
  const res = await fetch(`${system.gatewayUrls[index]}/im/user/${student}/notifications/stream`, {
    headers: bearer(system.token({ sub: student, orgs: [ORG], role: 'user' })),
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream on gateway ${index}: ${res.status}`);
  const reader = res.body.getReader();
  await reader.read();
  const end = (async () => {
    try {
      while (!(await reader.read()).done) {
        // pings and events until the gateway closes
      }
    } catch {
      // a cut connection ends it too
    }
    return true;
  })();
  return {
    ended: (timeoutMs) =>
      Promise.race([end, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))]),
  };
}
