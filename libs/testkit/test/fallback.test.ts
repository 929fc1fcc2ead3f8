import { describe, expect, it } from 'vitest';
import { NO_MONGO_MESSAGE, NO_NATS_MESSAGE } from '../src/errors.js';
import { type Probe, startMongo, startNats } from '../src/index.js';

/** A machine with nothing on it, recording what was looked for and in which order. */
function bareMachine(env: Record<string, string> = {}): Probe & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    env,
    findBinary: (name) => {
      asked.push(name);
      return undefined;
    },
    dockerAvailable: async () => {
      asked.push('docker');
      return false;
    },
  };
}

describe('nothing available', () => {
  it('startNats fails with one sentence naming what to install, after trying the binary then Docker', async () => {
    const probe = bareMachine();
    const error = await startNats({ probe }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`testkit: ${NO_NATS_MESSAGE}`);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/install nats-server/);
    expect(probe.asked).toEqual(['nats-server', 'docker']);
  });

  it('startMongo fails with one sentence, after trying mongod, ferretdb, Go (to build FerretDB), then Docker', async () => {
    const probe = bareMachine();
    const error = await startMongo({ probe }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`testkit: ${NO_MONGO_MESSAGE}`);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/install mongod/);
    expect(probe.asked).toEqual(['mongod', 'ferretdb', 'go', 'docker']);
  });
});

describe('NATS_URL from the environment', () => {
  it('is used as is, without looking for binaries; stop is a no-op and restart refuses', async () => {
    const probe = bareMachine({ NATS_URL: 'nats://nats.example:4222' });
    const nats = await startNats({ probe });
    expect(nats.url).toBe('nats://nats.example:4222');
    expect(probe.asked).toEqual([]);
    await nats.stop();
    await expect(nats.restart()).rejects.toThrow(/not supported with NATS_URL/);
  });
});
