import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsHandle, STACK_SETUP, startNats, startStack } from '../src/index.js';

/**
 * The stack's setup: commands run to their end before the first service, standing in for other
 * systems' sides. The default one provisions DIRECTORY (the directory's stream, which no service
 * creates) with `im-ensure-streams` and the stack's JETSTREAM_REPLICAS.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'echo-service');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

async function nats(): Promise<NatsHandle> {
  const handle = await startNats();
  cleanups.push(() => handle.stop());
  return handle;
}

describe('startStack setup', () => {
  it('provisions DIRECTORY before the services start, with the configured replicas', async () => {
    const server = await nats();
    const lines: string[] = [];
    const stack = await startStack({
      natsUrl: server.url,
      mongoUrl: 'mongodb://127.0.0.1:2/unused',
      services: [{ name: 'gateway', dir: FIXTURE }],
      setup: STACK_SETUP,
      env: { FIXTURE_NAME: 'gateway', JETSTREAM_REPLICAS: '1' },
      onLine: (service, line) => lines.push(`${service}: ${line}`),
    });
    cleanups.push(() => stack.stop());
    expect(lines[0]).toBe('directory: DIRECTORY: created (subjects directory.>, 1 replica)');

    const nc = await connect({ servers: server.url });
    cleanups.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('DIRECTORY');
    expect(info.config).toMatchObject({ subjects: ['directory.>'], num_replicas: 1 });
    // Only the directory's: the services' own streams are theirs to create.
    expect(await jsm.streams.names().next()).toEqual(['DIRECTORY']);
  });

  it('rejects with the step output when a setup step fails, and starts no service', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testkit-setup-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'fail.ts'), `console.error('no JetStream here'); process.exit(3);`);
    const journal = join(dir, 'journal.txt');
    const failure = startStack({
      natsUrl: 'nats://127.0.0.1:1',
      mongoUrl: 'mongodb://127.0.0.1:2/unused',
      services: [{ name: 'alpha', dir: FIXTURE }],
      setup: [{ name: 'other-system', dir, script: 'fail' }],
      env: { FIXTURE_JOURNAL: journal },
    });
    await expect(failure).rejects.toThrow(/other-system exited \(code 3\)[\s\S]*no JetStream here/);
    expect(existsSync(journal)).toBe(false);
  });
});
