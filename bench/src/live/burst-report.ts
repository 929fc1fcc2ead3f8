import { fmt } from '../report.js';
import type { Check } from '../suite.js';
import { renderTable } from '../table.js';
import { type ProcessCpu, renderCpuLine } from './cpu-window.js';
import type { RawInsertFigures } from './raw-insert.js';
import type { Spread } from './stats.js';

/** The targets for the morning burst: every push answered 201, p99 within 1 s. */
export const BURST_GOALS = { maxP99Ms: 1_000 };

export interface BurstFigures {
  classes: number;
  students: number;
  /** Answers by status (0: no answer at all). */
  statuses: Record<string, number>;
  /** The answer of each kind of failure, once. */
  failures: string[];
  /** Send → answer of every push, ms. */
  pushLatency: Spread;
  /** Deliveries the 201s asked for (201s × students). */
  deliveries: number;
  /** The first 201 → the workers' line after the last delivery of the last push, ms. */
  firstAnswerToLastDeliveryMs: number;
  /** The burst's first request sent → that same line, ms. */
  firstSentToLastDeliveryMs: number;
  /** Streams open during the burst (a sample of each class), and what they got. */
  streams: number;
  /** Each sampled student's event, from its own push's 201, ms; `count` is how many arrived. */
  eventLatency: Spread;
  /** The first 201 → the last event at a sampled student, ms. */
  firstAnswerToLastEventMs: number;
  raw: RawInsertFigures;
  /** Each process's CPU from the first request sent to the last delivery. */
  cpu: ProcessCpu[];
}

export function renderBurst(f: BurstFigures): string[] {
  const statuses = Object.entries(f.statuses)
    .map(([status, n]) => `${fmt(n)} × ${status === '0' ? 'no answer' : status}`)
    .join(', ');
  const pushes = renderTable(
    ['pushes at once', 'answers', 'p50 ms', 'p99 ms', 'max ms'],
    [
      [
        fmt(f.classes),
        statuses,
        fmt(f.pushLatency.p50, 1),
        fmt(f.pushLatency.p99, 1),
        fmt(f.pushLatency.max, 1),
      ],
    ],
    ['right', 'left', 'right', 'right', 'right'],
  );
  const deliveriesPerS = f.deliveries / (f.firstAnswerToLastDeliveryMs / 1_000);
  const rawPerS = f.raw.documents / (f.raw.plainMs / 1_000);
  const indexedPerS = f.raw.documents / (f.raw.indexedMs / 1_000);
  const landing = renderTable(
    ['what', 'documents', 'ms', 'documents/s'],
    [
      [
        'first 201 → last delivery written',
        fmt(f.deliveries),
        fmt(f.firstAnswerToLastDeliveryMs),
        fmt(deliveriesPerS),
      ],
      ['first push sent → last delivery written', fmt(f.deliveries), fmt(f.firstSentToLastDeliveryMs), ''],
      [`raw insertMany (median of ${f.raw.runs})`, fmt(f.raw.documents), fmt(f.raw.plainMs, 1), fmt(rawPerS)],
      ['insertMany, deliveries indexes', fmt(f.raw.documents), fmt(f.raw.indexedMs, 1), fmt(indexedPerS)],
    ],
    ['left', 'right', 'right', 'right'],
  );
  const sections = [pushes, landing];
  if (f.streams > 0) {
    const e = f.eventLatency;
    sections.push(
      renderTable(
        ['live events at sampled students', 'streams', 'events', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ["own push's 201 → event", fmt(f.streams), fmt(e.count), fmt(e.p50), fmt(e.p99), fmt(e.max)],
          ['first 201 → last event', '', '', '', '', fmt(f.firstAnswerToLastEventMs)],
        ],
        ['left', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  sections.push(renderCpuLine('from the first push sent to the last delivery', f.cpu));
  return sections;
}

export function burstChecks(f: BurstFigures): Check[] {
  const created = f.statuses['201'] ?? 0;
  return [
    {
      name: `pushes answered 201 of ${fmt(f.classes)} at once`,
      value: `${fmt(created)}/${fmt(f.classes)}`,
      goal: `${fmt(f.classes)}/${fmt(f.classes)}`,
      pass: created === f.classes,
    },
    {
      name: 'push p99 latency',
      value: `${fmt(f.pushLatency.p99, 1)} ms`,
      goal: `≤ ${fmt(BURST_GOALS.maxP99Ms)} ms`,
      pass: f.pushLatency.p99 <= BURST_GOALS.maxP99Ms,
    },
  ];
}
