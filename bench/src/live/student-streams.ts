import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPool } from '../volume/pool.js';
import { type ArrivedEvent, type EventStream, openEventStream } from './event-stream.js';

/**
 * How a stream proves who opens it: the student's token in the Authorization header, or a ticket
 * (POST …/notifications/tickets with that token, then `?ticket=`), as a browser's EventSource
 * must, since it cannot set headers.
 */
export type StreamAuth = 'token' | 'ticket';

export interface OpenStreamsOptions {
  auth: StreamAuth;
  /** Streams being opened at once: the rest wait (a listen backlog is finite). */
  concurrency: number;
  /** A token of the student's own (role `user`, `sub` = the client id). */
  tokenOf(studentUid: string): string;
  tell(message: string): void;
}

/**
 * One live notification stream per student, all on one gateway, read by this process. Every
 * `notification` event is recorded by push id and student with the time it arrived; anything
 * that does not fit the contract (a stream ended, a payload without a push id, the same push
 * twice to one student) is kept as a problem for the report.
 */
export class StudentStreams {
  readonly #agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  readonly #streams: EventStream[] = [];
  readonly #arrivals = new Map<number, Map<string, number>>();
  readonly problems: string[] = [];
  /** From the first request to the last stream's 200, ms. */
  openMs = Number.NaN;

  get count(): number {
    return this.#streams.length;
  }

  /** Comments (`: ping`) read so far, over every stream. */
  get comments(): number {
    return this.#streams.reduce((sum, stream) => sum + stream.comments, 0);
  }

  /** Streams the server ended while the bench held them open. */
  get ended(): number {
    return this.#streams.filter((stream) => stream.ended !== undefined).length;
  }

  async open(gatewayUrl: string, students: readonly string[], options: OpenStreamsOptions): Promise<void> {
    const started = performance.now();
    await runPool(students.length, options.concurrency, async (i) => {
      const uid = students[i]!;
      const stream = await openEventStream(await streamUrl(gatewayUrl, uid, options), {
        agent: this.#agent,
        headers: options.auth === 'token' ? { authorization: `Bearer ${options.tokenOf(uid)}` } : {},
        onEvent: (event) => this.#record(uid, event),
        onEnd: (reason) => this.#problem(`stream of ${uid} ended: ${reason}`),
      }).catch((error: Error) => {
        throw new Error(`stream of ${uid}: ${error.message}`);
      });
      this.#streams.push(stream);
      if (this.#streams.length % 500 === 0)
        options.tell(`${this.#streams.length}/${students.length} streams open`);
    });
    this.openMs = performance.now() - started;
  }

  /** When each student that got push `pushId` got it (the bench's clock). */
  arrivals(pushId: number): ReadonlyMap<string, number> {
    return this.#arrivals.get(pushId) ?? new Map();
  }

  /** Waits until every one of `students` has push `pushId`, or the deadline passes; the arrivals. */
  async waitFor(pushId: number, students: number, timeoutMs: number): Promise<ReadonlyMap<string, number>> {
    const deadline = performance.now() + timeoutMs;
    while (this.arrivals(pushId).size < students && performance.now() < deadline) await sleep(20);
    return this.arrivals(pushId);
  }

  close(): void {
    for (const stream of this.#streams) stream.close();
    this.#agent.destroy();
  }

  #record(uid: string, event: ArrivedEvent): void {
    if (event.type !== 'notification') return;
    const problem = this.#store(uid, event);
    if (problem) this.#problem(`stream of ${uid}: ${problem}`);
  }

  /** Keeps the arrival of a notification event; what is wrong with it, if anything. */
  #store(uid: string, event: ArrivedEvent): string | undefined {
    let pushId: unknown;
    try {
      pushId = (JSON.parse(event.data) as { push_history_record_id?: unknown }).push_history_record_id;
    } catch {
      return `data is not JSON: ${event.data.slice(0, 100)}`;
    }
    if (typeof pushId !== 'number') return `no push_history_record_id in ${event.data.slice(0, 100)}`;
    let byStudent = this.#arrivals.get(pushId);
    if (!byStudent) {
      byStudent = new Map();
      this.#arrivals.set(pushId, byStudent);
    }
    if (byStudent.has(uid)) return `push ${pushId} twice`;
    byStudent.set(uid, event.at);
    // The cursor a reconnect resumes from: a stream without one could not resume.
    return /^[1-9]\d*$/.test(event.id ?? '') ? undefined : `id ${event.id} is not a seq`;
  }

  /** The first few, then a count: 2,000 streams failing alike say it once. */
  #problem(problem: string): void {
    if (this.problems.length < 20) this.problems.push(problem);
    else if (this.problems.length === 20) this.problems.push('… more problems left out');
  }
}

async function streamUrl(gatewayUrl: string, uid: string, options: OpenStreamsOptions): Promise<string> {
  const base = `${gatewayUrl}/im/user/${encodeURIComponent(uid)}/notifications`;
  if (options.auth === 'token') return `${base}/stream`;
  const response = await fetch(`${base}/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.tokenOf(uid)}` },
  });
  const body = await response.text();
  if (response.status !== 201)
    throw new Error(`POST tickets: status ${response.status}: ${body.slice(0, 300)}`);
  const { ticket } = JSON.parse(body) as { ticket: string };
  return `${base}/stream?ticket=${encodeURIComponent(ticket)}`;
}
