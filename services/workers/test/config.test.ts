import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('workers configuration', () => {
  it('defaults to a short ack wait and four fan-outs at once', () => {
    const config = readConfig({});
    expect(config.ackWaitMs).toBe(5_000);
    expect(config.concurrency).toBe(4);
  });

  it('reads WORKERS_CONCURRENCY and refuses a bad one, naming it', () => {
    expect(readConfig({ WORKERS_CONCURRENCY: '1' }).concurrency).toBe(1);
    expect(() => readConfig({ WORKERS_CONCURRENCY: '0' })).toThrow(/WORKERS_CONCURRENCY/);
  });

  it('answers up to MAX_IN_FLIGHT reads of deliveries at once, 512 unless told', () => {
    expect(readConfig({}).maxInFlight).toBe(512);
    expect(readConfig({ MAX_IN_FLIGHT: '8' }).maxInFlight).toBe(8);
    expect(() => readConfig({ MAX_IN_FLIGHT: '0' })).toThrow(/MAX_IN_FLIGHT/);
  });
});
