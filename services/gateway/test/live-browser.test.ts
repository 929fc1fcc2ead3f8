import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { user } from './helpers.js';
import { type LiveHarness, startLiveHarness } from './live/live-harness.js';

// A browser's way to the live stream (docs/live.md): real headless Chromium, as the docs page
// test drives it. A page of the gateway's own origin takes a ticket with its token, opens an
// EventSource with `?ticket=` (an EventSource cannot send Authorization), and sees a push arrive.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium && !process.env.CI)('the live stream in Chromium', () => {
  let live: LiveHarness;
  let browser: Browser;

  beforeAll(async () => {
    live = await startLiveHarness();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('takes a ticket, opens an EventSource with it, and receives a push', async () => {
    const student = 'web-1';
    await live.createClass(401, [student]);
    const page = await browser.newPage();
    // The docs page: same origin as the API, and its policy lets scripts connect back to it.
    await page.goto(`${live.base}/docs`);
    const opened = await page.evaluate(
      async ({ clientId, token }) => {
        const base = `/im/user/${encodeURIComponent(clientId)}/notifications`;
        const res = await fetch(`${base}/tickets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        const { ticket } = (await res.json()) as { ticket: string };
        const source = new EventSource(`${base}/stream?ticket=${encodeURIComponent(ticket)}`);
        const w = globalThis as unknown as { received: Promise<{ id: string; data: string }> };
        w.received = new Promise((resolve) => {
          source.addEventListener('notification', (event) => {
            const message = event as unknown as { lastEventId: string; data: string };
            resolve({ id: message.lastEventId, data: message.data });
            source.close();
          });
        });
        return new Promise<string>((resolve) => {
          source.onopen = () => resolve('open');
          source.onerror = () => resolve(`error, readyState ${source.readyState}`);
        });
      },
      { clientId: student, token: live.h.auth.token(user(student)) },
    );
    expect(opened).toBe('open');

    const pushId = await live.push(401, 'seen in a browser');
    const received = await page.evaluate(
      () => (globalThis as unknown as { received: Promise<{ id: string; data: string }> }).received,
    );
    expect(received.id).toBe('1');
    expect(JSON.parse(received.data)).toMatchObject({
      push_history_record_id: pushId,
      class_id: 401,
      message: 'seen in a browser',
      read_at: null,
    });
    await page.close();
  });
});
