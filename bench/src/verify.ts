import { createHmac } from 'node:crypto';

export interface LoginCase {
  appId: string;
  clientId: string;
  /** The app's master key, as given to the server under test. */
  key: string;
}

/**
 * Fetches one login signature and checks it the way LeanCloud would: HMAC-SHA1, keyed by the
 * master key, over `app_id:client_id::timestamp:nonce`, lowercase hex. Recomputed here with
 * node:crypto and not with the service's own functions, so a bug there cannot agree with itself.
 * Fast wrong answers are not a result: any difference throws.
 */
export async function verifyLoginSignature(
  baseUrl: string,
  login: LoginCase,
  headers: Record<string, string> = {},
): Promise<void> {
  const url = `${baseUrl}/signature/login/${encodeURIComponent(login.appId)}/${encodeURIComponent(login.clientId)}`;
  const response = await fetch(url, { headers });
  const text = await response.text();
  const fail = (why: string): never => {
    throw new Error(`GET ${url}: ${why} (status ${response.status}, body ${text.slice(0, 300)})`);
  };
  if (response.status !== 200) fail('expected status 200');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return fail('body is not JSON');
  }
  const { timestamp, nonce, signature, app_id, client_id } = body;
  if (app_id !== login.appId || client_id !== login.clientId)
    fail('app_id/client_id do not echo the request');
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9]{8}$/.test(nonce))
    fail('nonce is not 8 characters [A-Za-z0-9]');
  // The default SIGNATURE_TIMESTAMP_FORMAT: whole Unix seconds, as digits.
  if (typeof timestamp !== 'string' || !/^\d{10}$/.test(timestamp)) {
    fail('timestamp is not whole Unix seconds');
  }
  if (Math.abs(Number(timestamp) - Date.now() / 1000) > 60)
    fail('timestamp is more than a minute off this clock');
  if (typeof signature !== 'string' || !/^[0-9a-f]{40}$/.test(signature))
    fail('signature is not 40 lowercase hex');
  const expected = createHmac('sha1', login.key)
    .update(`${login.appId}:${login.clientId}::${timestamp}:${nonce}`)
    .digest('hex');
  if (signature !== expected) {
    fail(`signature differs from HMAC-SHA1(key, "${login.appId}:${login.clientId}::${timestamp}:${nonce}")`);
  }
}
