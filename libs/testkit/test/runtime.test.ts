import { afterAll, describe, expect, it } from 'vitest';
import { isReadyLogLine, STACK_SERVICES, type Stack, startStack } from '../src/index.js';

// The project builds and tests on Node.js 24 and supports 22 and newer: `npm test`, `npm start`
// and CI put such a Node first on PATH (scripts/use-node.sh) even where the machine's is older.
const OLDEST_SUPPORTED_MAJOR = 22;
const majorOf = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

let stack: Stack | undefined;
afterAll(() => stack?.stop());

describe('the Node.js everything runs on', () => {
  it('runs the tests on Node.js 22 or newer', () => {
    expect(majorOf(process.version)).toBeGreaterThanOrEqual(OLDEST_SUPPORTED_MAJOR);
  });

  it('runs every service of the stack on the Node.js of the run that started it', async () => {
    const nodeOf: Record<string, unknown> = {};
    stack = await startStack({
      mode: 'source',
      logLevel: 'warn',
      env: { SIGNATURE_APP_KEYS: JSON.stringify({ '1': 'runtime-key' }) },
      // Each service names its Node.js in its ready line (announceReady in @im/bus).
      onLine: (service, line) => {
        if (isReadyLogLine(line)) nodeOf[service] = (JSON.parse(line) as { node?: unknown }).node;
      },
    });
    const everyService = Object.fromEntries(STACK_SERVICES.map(({ name }) => [name, process.version]));
    expect(nodeOf).toEqual(everyService);
  });
});
