import { startStack } from '@im/testkit';
import { startBaseline } from '../baseline.js';
import { findListenerPid } from '../listener-pid.js';
import { measure, runErrors, type WatchedProcess } from '../measure.js';
import type { Check, Run, Suite, SuiteResult } from '../suite.js';
import { type LoginCase, verifyLoginSignature } from '../verify.js';

const APP_KEYS = { '1': 'bench-key' };
const LOGIN: LoginCase = { appId: '1', clientId: 'u1', key: 'bench-key' };
/** One caller drives 50 connections at tens of thousands of requests a second: far over the default limits. */
const UNLIMITED = { RATE_LIMIT_MAX: '1000000000', SIGNATURE_RATE_LIMIT_MAX: '1000000000' };
const NOTE =
  'the gateway verifies a bearer token (user u1 signing for itself; verified once, then cached) and counts a rate limit on every request; the in-process baseline does neither';
const PATH = `/signature/login/${LOGIN.appId}/${LOGIN.clientId}`;

/** What the NATS architecture is allowed to cost (agreed targets, at 50 connections). */
const GOALS = { minRatio: 0.4, maxP99Ms: 20, maxRssMb: 150 };

/**
 * The cheapest request of the system through the whole path (HTTP → gateway → NATS → signature
 * service and back), against the same route answered in one process. The ratio is the price of
 * the architecture on the lightest possible handler: every other route pays at least this.
 */
export const signatureLogin: Suite = {
  name: 'signature login',
  async run({ load, progress }): Promise<SuiteResult> {
    progress('starting the stack (dist)');
    const stack = await startStack({
      mode: 'dist',
      // As in production: warnings and errors only (the ready line is written at any level).
      env: { SIGNATURE_APP_KEYS: JSON.stringify(APP_KEYS), LOG_LEVEL: 'warn', ...UNLIMITED },
    });
    let gateway: Run;
    try {
      const auth = {
        authorization: `Bearer ${stack.token({ sub: LOGIN.clientId, orgs: [], role: 'user' })}`,
      };
      await verifyLoginSignature(stack.gatewayUrl, LOGIN, auth);
      const servers: WatchedProcess[] = Object.values(stack.processes).map(({ name, pid }) => ({
        name,
        pid,
      }));
      const natsPid = findListenerPid(Number(new URL(stack.natsUrl).port));
      if (natsPid !== undefined) servers.push({ name: 'nats-server', pid: natsPid });
      else progress(`nats-server at ${stack.natsUrl}: process not found, not measured`);
      progress(`driving the gateway ${stack.gatewayUrl}${PATH}`);
      gateway = await measure('gateway', `${stack.gatewayUrl}${PATH}`, servers, load, auth);
    } finally {
      // Stopped before the baseline starts: the baseline gets the machine to itself too.
      await stack.stop();
    }

    progress('starting the in-process baseline');
    const baseline = await startBaseline(APP_KEYS);
    let inProcess: Run;
    try {
      await verifyLoginSignature(baseline.url, LOGIN);
      progress(`driving the baseline ${baseline.url}${PATH}`);
      inProcess = await measure(
        'baseline',
        `${baseline.url}${PATH}`,
        [{ name: 'baseline', pid: baseline.process.pid }],
        load,
      );
    } finally {
      await baseline.stop();
    }

    const runs = [gateway, inProcess];
    return {
      suite: this.name,
      runs,
      checks: checks(gateway, inProcess),
      notes: [NOTE],
      errors: runs.flatMap(runErrors),
    };
  },
};

function checks(gateway: Run, baseline: Run): Check[] {
  const ratio = gateway.rps / baseline.rps;
  const list: Check[] = [
    {
      name: 'throughput gateway / baseline',
      value: `${ratio.toFixed(2)}×`,
      goal: `≥ ${GOALS.minRatio.toFixed(2)}×`,
      pass: ratio >= GOALS.minRatio,
    },
    {
      name: 'gateway p99 latency',
      value: `${gateway.p99Ms.toFixed(2)} ms`,
      goal: `< ${GOALS.maxP99Ms} ms`,
      pass: gateway.p99Ms < GOALS.maxP99Ms,
    },
  ];
  // VmHWM is the lifetime peak (start-up included); the kernel updates it lazily, so a sample can
  // exceed it by a page or two: the larger of the two counts.
  for (const p of [...gateway.processes, ...baseline.processes]) {
    if (p.loadGenerator) continue;
    const peakMb = Math.max(p.hwmMb, p.peakRssMb);
    list.push({
      name: `peak RSS ${p.name}`,
      value: `${peakMb.toFixed(1)} MB`,
      goal: `< ${GOALS.maxRssMb} MB`,
      pass: peakMb < GOALS.maxRssMb,
    });
  }
  return list;
}
