import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

/** Every line a logger writes, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    name: 'redact-test',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { log, lines };
}

describe('log redaction', () => {
  it('hides the Authorization header of a request, and cookies', () => {
    const { log, lines } = capture();
    log.info(
      { req: { headers: { authorization: 'Bearer eyJ.secret.sig', cookie: 'sid=1', host: 'h' } } },
      'in',
    );
    log.info({ headers: { authorization: 'Bearer eyJ.secret.sig' } }, 'out');
    expect(lines[0]?.req).toEqual({
      headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'h' },
    });
    expect(lines[1]?.headers).toEqual({ authorization: '[redacted]' });
  });

  it('hides anything named like a key, a secret or a token, at the top or one level down', () => {
    const { log, lines } = capture();
    log.info(
      { key: 'k', token: 't', config: { secret: 's', masterKey: 'm', privateKey: 'p', port: 1 } },
      'x',
    );
    expect(lines[0]).toMatchObject({
      key: '[redacted]',
      token: '[redacted]',
      config: { secret: '[redacted]', masterKey: '[redacted]', privateKey: '[redacted]', port: 1 },
    });
    expect(JSON.stringify(lines)).not.toMatch(/"(k|t|s|m|p)"/);
  });
});
