import type { SuiteResult } from '../suite.js';
import { type LiveStack, startLiveStack } from './live-stack.js';
import { StudentStreams } from './student-streams.js';

/** What a live suite measures on the stack: its result, without the errors the run collects. */
export type LiveMeasure = (
  running: LiveStack,
  streams: StudentStreams,
  errors: string[],
) => Promise<Omit<SuiteResult, 'errors'>>;

/**
 * The live suites' frame: a stack started as npm start runs it, the students' streams, and the
 * errors of both (a stream's problems, a service that crashed) added to the suite's own; the
 * streams closed and the stack stopped whatever happened.
 */
export async function runOnLiveStack(
  progress: (message: string) => void,
  measure: LiveMeasure,
): Promise<SuiteResult> {
  progress('starting the stack (dist)');
  const running = await startLiveStack();
  const streams = new StudentStreams();
  const errors: string[] = [];
  try {
    const result = await measure(running, streams, errors);
    errors.push(...streams.problems);
    return { ...result, errors };
  } finally {
    streams.close();
    errors.push(...running.crashes);
    await running.stop();
  }
}
