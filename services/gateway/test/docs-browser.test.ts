import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AppKeys, startSignatureService } from '@im/signature-service';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, silentLog, startGatewayHarness, user } from './helpers.js';

// The API docs page as a person sees it: real headless Chromium (Debian's `chromium`, installed
// by .ci/run). Without it, the test is skipped on a developer machine and fails in CI.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const KEY = 'docs-master-key';

describe.skipIf(!haveChromium && !process.env.CI)('the /docs page in Chromium', () => {
  let h: GatewayHarness;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startGatewayHarness();
    await startSignatureService({
      nc: h.nc,
      log: silentLog,
      appKeys: AppKeys.parse(JSON.stringify({ '1': KEY })),
    });
    base = await h.gateway.listen({ host: '127.0.0.1', port: 0 });
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
    await h?.close();
  });

  it('lists every documented route', async () => {
    const spec = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, object> };
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented).toContain('GET /signature/login/{app_id}/{client_id}');
    expect(documented.length).toBeGreaterThanOrEqual(6);

    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    const shown = await page
      .locator('.opblock')
      .evaluateAll((blocks) =>
        blocks.map(
          (b) =>
            `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
        ),
      );
    expect(shown.sort()).toEqual(documented.sort());
    await page.close();
  });

  it('runs a login signature through "Try it out", with a token given to "Authorize"', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    // As a person would: the page's Authorize button, the bearerAuth field, Authorize, Close.
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    const dialog = page.locator('.dialog-ux');
    await dialog.getByLabel('auth-bearer-value').fill(h.auth.token(user('c565', 1)));
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const block = page.locator('.opblock', {
      has: page.locator('.opblock-summary-path[data-path="/signature/login/{app_id}/{client_id}"]'),
    });
    await block.locator('.opblock-summary').click();
    await block.getByRole('button', { name: 'Try it out' }).click();
    await block.locator('input[placeholder="app_id"]').fill('1');
    await block.locator('input[placeholder="client_id"]').fill('c565');
    await block.getByRole('button', { name: 'Execute' }).click();
    const status = block.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    expect((await status.first().textContent())?.trim()).toBe('200');
    const text = await block
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent();
    const body = JSON.parse(text ?? '{}') as { timestamp: string; nonce: string; signature: string };
    expect(body.signature).toBe(
      createHmac('sha1', KEY).update(`1:c565::${body.timestamp}:${body.nonce}`).digest('hex'),
    );
    await page.close();
  });
});
