import { Streams } from '@im/contracts';
import type { JetStreamHandles } from '@im/events';
import { messagesIn, waitBacklog } from './backlog.js';
import { Callers } from './callers.js';
import { type DriveResult, driveTargets } from './drive.js';
import { pushRoute, type Route, readRoutes, type StoreView, writeRoutes } from './routes.js';
import { CLASS_MESSAGES } from './seed-pushes.js';
import type { VolumeStack } from './stack.js';
import { type CpuFigures, measureCpu, settle, startCpu } from './stack-cpu.js';

export interface RouteFigures extends DriveResult {
  name: string;
  path: string;
  connections: number;
  /** Each process's CPU over the measured run: where the time of the route goes. */
  cpu: CpuFigures;
}

/** The measured pushes' fan-outs, which run while the pushes are being answered. */
export interface PushFanout {
  pushes: number;
  deliveries: number;
  /** From the first push sent to the workers' backlog back at zero. */
  ms: number;
  /** Fan-outs the workers gave up on meanwhile (parked as dead letters): not delivered. */
  deadLetters: number;
}

export interface StoreFigures {
  store: string;
  idle: CpuFigures;
  reads: RouteFigures[];
  writes: RouteFigures[];
  /** Absent when the push run was left out (a kept store pushed to today already). */
  fanout?: PushFanout;
}

/**
 * Everything measured on one store, on a stack started for it: the idle stack's CPU first (no
 * request at all), then each read route (warm-up, measured run), then the writes, the pushes
 * last (unless left out). After each run the stack is left to calm down, so no run pays
 * for the one before.
 */
export async function measureStore(
  store: string,
  running: VolumeStack,
  view: StoreView,
  jsm: JetStreamHandles['jsm'],
  tell: (message: string) => void,
  /**
   * `pushes: false` leaves the push run out; `writes: false` every write run (reads only);
   * `reads` names the read routes to run (default: all).
   */
  {
    pushes = true,
    writes: withWrites = true,
    reads: only,
  }: { pushes?: boolean; writes?: boolean; reads?: readonly string[] } = {},
): Promise<StoreFigures> {
  const { plan } = view;
  const baseUrl = running.stack.gatewayUrl;
  const callers = new Callers(running.stack.token, plan.organizationId, plan.seed);
  const readRuns = readRoutes(view, callers);
  const unknown = (only ?? []).filter((name) => !readRuns.some((route) => route.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `no read route named ${unknown.map((name) => JSON.stringify(name)).join(', ')}; the routes: ${readRuns.map((route) => route.name).join(', ')}`,
    );
  }
  tell(`${store}: waiting for the stack to calm down, then ${plan.idleS} s of idle CPU`);
  await settle(running.processes, 25);
  const idle = await measureCpu(running.processes, plan.idleS);
  const quietPct = 1.5 * idle.totalPctOfCore + 5;

  /** A run and the processes' CPU while it lasts. */
  const during = async <T>(work: Promise<T>): Promise<[T, CpuFigures]> => {
    const cpu = startCpu(running.processes);
    const result = await work;
    return [result, cpu.stop()];
  };

  const run = async (route: Route, connections: number, amount?: number, onAnswer?: Answer) => {
    tell(`${store}: ${route.name} (${connections} callers)`);
    const options = { connections, durationS: plan.durationS, ...(amount ? { amount } : {}) };
    if (!amount) await driveTargets(baseUrl, route.next, { connections, durationS: plan.warmupS }, onAnswer);
    const [result, cpu] = await during(driveTargets(baseUrl, route.next, options, onAnswer));
    await settle(running.processes, quietPct);
    return { name: route.name, path: route.path, connections, ...result, cpu };
  };

  const reads: RouteFigures[] = [];
  for (const route of readRuns) {
    if (!only || only.includes(route.name)) reads.push(await run(route, plan.readConnections));
  }
  if (!withWrites) return { store, idle, reads, writes: [] };
  const [create, addMembers] = writeRoutes(view, callers);
  const writes = [
    await run(create!, plan.writeConnections, undefined, keepGroupIds(view.groupIds)),
    await run(addMembers!, plan.writeConnections),
  ];
  if (!pushes) {
    tell(`${store}: no push run (the store's classes were pushed to today already)`);
    return { store, idle, reads, writes };
  }

  const push = pushRoute(view, callers);
  tell(`${store}: push to each of ${view.rosters.length} classes (${plan.writeConnections} callers)`);
  const deadBefore = await messagesIn(jsm, Streams.deadLetters.name);
  const started = performance.now();
  const [pushed, cpu] = await during(
    driveTargets(baseUrl, push.next, {
      connections: plan.writeConnections,
      durationS: plan.durationS,
      amount: view.rosters.length,
    }),
  );
  await waitBacklog(jsm, CLASS_MESSAGES, { timeoutMs: 1_800_000 });
  const fanout = {
    pushes: view.rosters.length,
    deliveries: view.rosters.reduce((sum, r) => sum + r.studentUids.length, 0),
    ms: performance.now() - started,
    deadLetters: (await messagesIn(jsm, Streams.deadLetters.name)) - deadBefore,
  };
  writes.push({ name: push.name, path: push.path, connections: plan.writeConnections, ...pushed, cpu });
  return { store, idle, reads, writes, fanout };
}

type Answer = (status: number, body: string) => void;

/** The groups a create run makes join the store's groups: members are then added to them too. */
function keepGroupIds(groupIds: number[]): Answer {
  return (status, body) => {
    if (status !== 201) return;
    const id = (JSON.parse(body) as { group_id?: unknown }).group_id;
    if (typeof id === 'number') groupIds.push(id);
  };
}
