/**
 * The one error family of the testkit. The `testkit:` prefix tells a reader at once that a failure
 * comes from the test infrastructure (no server, a process that would not start), not from the code
 * under test.
 */
export class TestkitError extends Error {
  override readonly name: string = 'TestkitError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(`testkit: ${message}`, options);
  }
}

/** Why a child process did not become ready; callers retry on a fresh port only after an early exit. */
export type StartFailure = 'exited' | 'timeout';

export class ProcessStartError extends TestkitError {
  override readonly name: string = 'ProcessStartError';

  /** The one-line cause without the output (`signature exited (code 1) before it was ready`). */
  readonly summary: string;

  constructor(
    message: string,
    readonly reason: StartFailure,
    readonly output: string,
  ) {
    super(output ? `${message}; its last output:\n${output}` : `${message} (it printed nothing)`);
    this.summary = message;
  }
}

// One sentence each, naming what to install: this is all a developer on a bare machine reads.
export const NO_NATS_MESSAGE =
  'no NATS server available: install nats-server (e.g. `apt-get install nats-server`), set NATS_URL, or start a Docker engine';

export const NO_MONGO_MESSAGE =
  'no MongoDB-wire server available: install mongod, or Go (FerretDB is then built by scripts/install-ferretdb.sh), set MONGO_URL, or start a Docker engine';
