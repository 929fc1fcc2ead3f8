import { fmt } from '../report.js';
import type { Check } from '../suite.js';
import { renderTable } from '../table.js';
import { type ProcessCpu, renderCpuLine } from './cpu-window.js';
import type { Spread } from './stats.js';
import type { StreamAuth } from './student-streams.js';

/** The target for one class on a 2-core machine: the last student has it within 1 s. */
export const LAST_STUDENT_GOAL_MS = 1_000;

export interface LiveFigures {
  students: number;
  auth: StreamAuth;
  /** From the first stream's request to the last stream's 200, ms. */
  openMs: number;
  /** The gateway's VmRSS: before any stream, once all are open, after the idle window. */
  gatewayRssKb: { before: number; open: number; idle: number };
  /** (open − before) ÷ streams: what one idle stream costs the gateway, RSS included its heap's slack. */
  bytesPerStream: number;
  idle: {
    seconds: number;
    /** The gateway's CPU, % of one core, with no stream open and with every stream open. */
    gatewayPctNoStreams: number;
    gatewayPctStreams: number;
    /** Comments (`: ping`) read over every stream during the window. */
    comments: number;
  };
  /** Send → 201 of the measured push, ms. */
  pushMs: number;
  /** 201 → the workers' line after the last delivery written, ms (the fanout suite's figure). */
  fanoutMs: number;
  /** 201 → each student's event, ms; `count` is how many arrived. */
  delivery: Spread;
  /** Each process's CPU from the push sent to the last event. */
  pushCpu: ProcessCpu[];
}

export function renderLive(f: LiveFigures): string[] {
  const mb = (kb: number) => fmt(kb / 1024, 1);
  const memory = renderTable(
    ['gateway', 'VmRSS MB', 'CPU % of 1 core'],
    [
      ['no stream open', mb(f.gatewayRssKb.before), fmt(f.idle.gatewayPctNoStreams, 2)],
      [`${fmt(f.students)} streams open`, mb(f.gatewayRssKb.open), ''],
      [
        `${fmt(f.students)} streams, idle ${fmt(f.idle.seconds)} s`,
        mb(f.gatewayRssKb.idle),
        fmt(f.idle.gatewayPctStreams, 2),
      ],
    ],
    ['left', 'right', 'right'],
  );
  const opening = `${fmt(f.students)} streams (${f.auth === 'token' ? 'Authorization header' : 'tickets'}) open in ${fmt(f.openMs)} ms (${fmt(f.students / (f.openMs / 1_000))}/s); ${fmt(f.bytesPerStream)} bytes of gateway RSS per idle stream; ${fmt(f.idle.comments)} pings read in the idle window`;
  const d = f.delivery;
  const latency = renderTable(
    ['one class push', 'students', 'p50 ms', 'p99 ms', 'max ms'],
    [
      ['201 → event at the student', fmt(d.count), fmt(d.p50, 1), fmt(d.p99, 1), fmt(d.max, 1)],
      ['201 → last delivery written (fan-out)', fmt(f.students), '', '', fmt(f.fanoutMs, 1)],
      ['push request sent → 201', '', '', '', fmt(f.pushMs, 1)],
    ],
    ['left', 'right', 'right', 'right', 'right'],
  );
  return [memory, opening, latency, renderCpuLine('from the push sent to the last event', f.pushCpu)];
}

export function liveChecks(f: LiveFigures): Check[] {
  return [
    {
      name: `last of ${fmt(f.students)} students: 201 → event`,
      value: `${fmt(f.delivery.max, 1)} ms`,
      goal: `≤ ${fmt(LAST_STUDENT_GOAL_MS)} ms (2 cores)`,
      pass: f.delivery.count === f.students && f.delivery.max <= LAST_STUDENT_GOAL_MS,
    },
  ];
}
