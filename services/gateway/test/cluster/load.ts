import { bearer, sleep } from '@im/testkit';
import type { ClusterSystem } from './cluster-system.js';

/** What the load asks for: the writes whose effects the audit checks, and signatures. */
export type OperationKind = 'push' | 'group_create' | 'members_add' | 'members_remove' | 'signature';

/** One request and what came of it: an HTTP status, or the client error that stood for one. */
export interface Outcome {
  kind: OperationKind;
  gateway: number;
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset, client timeout). */
  status: number;
  error?: string;
  /** A failure's `msg` (cut short), to tell one failure from another in the figures. */
  detail?: string;
  /** What the audit needs: the class pushed, the group created, the members added. */
  classId?: number;
  pushId?: number;
  groupId?: number;
  members?: string[];
}

export const ORG = 1;
export const APP_ID = '1';
const CLIENT_TIMEOUT_MS = 15_000;

export interface LoadOptions {
  /** Loops running at once, each one request at a time. */
  concurrency: number;
  /** Pause between one loop's requests: the load is bounded, not a flood. */
  pauseMs: number;
  /** At most one push per this many ms, so the fresh classes last through every fault. */
  pushEveryMs: number;
}

/**
 * A bounded load on the cluster's gateways, as a load balancer would spread it: each request goes
 * to the next gateway that is up. Every outcome is kept for the audit and the per-fault figures.
 */
export class ClusterLoad {
  readonly outcomes: Outcome[] = [];
  #stopped = false;
  #running: Promise<void> | undefined;
  #next = 0;
  #serial = 0;
  #pushEveryMs = 0;
  #lastPushAt = 0;
  readonly #createdGroups: number[] = [];
  readonly #removable: { groupId: number; member: string }[] = [];

  constructor(
    private readonly system: ClusterSystem,
    private readonly freshClasses: { classId: number; students: string[] }[],
  ) {}

  start({ concurrency, pauseMs, pushEveryMs }: LoadOptions): void {
    this.#pushEveryMs = pushEveryMs;
    this.#running = Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!this.#stopped) {
          await this.#one();
          await sleep(pauseMs);
        }
      }),
    ).then(() => {});
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  /** The kinds in turn, so each fault meets every kind of request. */
  async #one(): Promise<void> {
    const kinds: OperationKind[] = ['push', 'group_create', 'members_add', 'members_remove', 'signature'];
    // One rotation shared by every loop, so each kind gets its share whatever the interleaving.
    const kind = kinds[this.#serial++ % kinds.length] as OperationKind;
    if (kind === 'push') {
      const fresh =
        Date.now() - this.#lastPushAt >= this.#pushEveryMs ? this.freshClasses.shift() : undefined;
      if (fresh) this.#lastPushAt = Date.now();
      if (fresh) return this.#request(kind, `/im/org/${fresh.classId}/message`, { classId: fresh.classId });
      return this.#request('signature', `/signature/login/${APP_ID}/load-user`);
    }
    if (kind === 'group_create') {
      const n = this.#serial;
      return this.#request(kind, '/im/group', {
        members: [`gc-${n}-a`, `gc-${n}-b`],
        body: { group_name: `load ${n}`, member_client_ids: `gc-${n}-a:gc-${n}-b`, organization_id: ORG },
        idempotencyKey: `load-create-${n}`,
      });
    }
    if (kind === 'members_add' && this.#createdGroups.length > 0) {
      const groupId = this.#createdGroups[this.#serial % this.#createdGroups.length] as number;
      const n = this.#serial;
      return this.#request(kind, `/im/group/${groupId}/member`, {
        groupId,
        members: [`ma-${n}-a`, `ma-${n}-b`],
        body: { member_client_ids: `ma-${n}-a:ma-${n}-b` },
      });
    }
    const removable = kind === 'members_remove' ? this.#removable.shift() : undefined;
    if (removable) {
      return this.#request(kind, `/im/group/${removable.groupId}/member`, {
        method: 'DELETE',
        groupId: removable.groupId,
        members: [removable.member],
        body: { member_client_ids: removable.member },
      });
    }
    return this.#request('signature', `/signature/login/${APP_ID}/load-user`);
  }

  async #request(
    kind: OperationKind,
    path: string,
    extra: {
      method?: 'DELETE';
      classId?: number;
      groupId?: number;
      members?: string[];
      body?: unknown;
      idempotencyKey?: string;
    } = {},
  ): Promise<void> {
    const gateway = this.#pickGateway();
    const startedAt = Date.now();
    const outcome: Outcome = { kind, gateway, startedAt, endedAt: startedAt, status: 0 };
    if (extra.classId !== undefined) outcome.classId = extra.classId;
    if (extra.groupId !== undefined) outcome.groupId = extra.groupId;
    if (extra.members) outcome.members = extra.members;
    const caller =
      kind === 'signature'
        ? this.system.token({ sub: 'load-user', orgs: [ORG], role: 'user' })
        : this.system.token({ sub: 'load-admin', orgs: [ORG], role: 'org_admin' });
    try {
      const res = await fetch(`${this.system.gatewayUrls[gateway]}${path}`, {
        method: extra.method ?? (kind === 'signature' ? 'GET' : 'POST'),
        headers: {
          ...bearer(caller),
          ...(kind === 'signature' ? {} : { 'content-type': 'application/json' }),
          ...(extra.idempotencyKey ? { 'idempotency-key': extra.idempotencyKey } : {}),
        },
        ...(kind === 'signature' ? {} : { body: JSON.stringify(extra.body ?? {}) }),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      outcome.status = res.status;
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.status >= 500) outcome.detail = String(body.msg ?? '').slice(0, 160);
      if (res.ok && kind === 'push') outcome.pushId = Number(body.push_history_record_id);
      // The second member added is removed later, once: each removal names a member of its own.
      if (res.ok && kind === 'members_add' && extra.groupId !== undefined && extra.members?.[1]) {
        this.#removable.push({ groupId: extra.groupId, member: extra.members[1] });
      }
      if (res.ok && kind === 'group_create') {
        outcome.groupId = Number(body.group_id);
        this.#createdGroups.push(outcome.groupId);
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      outcome.error = cause?.code ?? (error as Error).name;
    }
    outcome.endedAt = Date.now();
    this.outcomes.push(outcome);
  }

  #pickGateway(): number {
    const up = this.system.gatewaysUp();
    const choice = up[this.#next++ % up.length];
    return choice ?? 0;
  }
}
