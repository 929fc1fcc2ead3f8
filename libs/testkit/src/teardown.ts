/** Stop steps, registered as things start: the last started is the first stopped. */
export type Teardown = (() => Promise<void>)[];

/**
 * Runs and removes every step, last registered first. Best effort: a step that fails does not
 * leave the ones before it running; the first failure is thrown once all have run.
 */
export async function runTeardown(steps: Teardown): Promise<void> {
  let failure: unknown;
  for (let step = steps.pop(); step; step = steps.pop()) await step().catch((error) => (failure ??= error));
  if (failure) throw failure;
}
