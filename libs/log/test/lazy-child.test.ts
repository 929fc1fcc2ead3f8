import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChild } from '../src/index.js';

describe('lazyChild', () => {
  it('logs with the bindings, and builds the child only when used', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const parent = pino({ level: 'info' }, sink);
    let children = 0;
    const child = parent.child.bind(parent);
    parent.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof parent.child;

    const unused = lazyChild(parent, { reqId: 'r1' });
    expect(unused).toBeTruthy();
    expect(children).toBe(0);

    const used = lazyChild(parent, { reqId: 'r2' });
    used.info({ n: 1 }, 'hello');
    used.warn('again');
    expect(children).toBe(1);
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { reqId: 'r2', n: 1, msg: 'hello' },
      { reqId: 'r2', msg: 'again' },
    ]);
    expect(used.isLevelEnabled('debug')).toBe(false);
  });
});
