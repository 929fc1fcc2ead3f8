import { describe, expect, it } from 'vitest';
import {
  conversationString,
  createNonce,
  createTimestamp,
  hmacSha1Hex,
  loginString,
  memberActionString,
  normalizeMemberIds,
} from '../src/signing.js';

// Expected signatures were produced outside this code, with
//   printf '%s' '<signed string>' | openssl dgst -sha1 -hmac 'k3y-Fixed_Master'
// over the strings of the design brief; the timestamps and nonces are the API document's.
const KEY = 'k3y-Fixed_Master';

describe('signed strings and HMAC-SHA1 (vectors from openssl)', () => {
  it('login: app_id:client_id::timestamp:nonce', () => {
    const s = loginString('2', '3', '1450166986.392033', 'cdXsciFc');
    expect(s).toBe('2:3::1450166986.392033:cdXsciFc');
    expect(hmacSha1Hex(KEY, s)).toBe('f35755974be737dfe890d7446f9add2b30173721');
  });

  it('conversation: app_id:client_id:sorted_member_ids:timestamp:nonce', () => {
    const s = conversationString('1', '2', '3:4:5:6', '1450167224.627163', 'b3uMtwWT');
    expect(hmacSha1Hex(KEY, s)).toBe('8253ae8b84007d10e2f257968209c05455304592');
  });

  it('invite and kick: ...:conversation_id:sorted_member_ids:timestamp:nonce:action', () => {
    const invite = memberActionString('1', '2', '3', '4:5:6', '1450167393.275691', 'QDFIkEMB', 'invite');
    expect(hmacSha1Hex(KEY, invite)).toBe('1ca33a5881631d862596123b3ddaab1090a84e2a');
    const kick = memberActionString('1', '2', '3', '4:5:6', '1450167470.05577', 'co0eRCXR', 'kick');
    expect(hmacSha1Hex(KEY, kick)).toBe('898d656835b226f3d8e6527644783ce345d8e473');
  });

  it('invite with no members (joining) signs an empty member field', () => {
    const join = memberActionString('1', '2', '3', '', '1450167393.275691', 'QDFIkEMB', 'invite');
    expect(join).toBe('1:2:3::1450167393.275691:QDFIkEMB:invite');
    expect(hmacSha1Hex(KEY, join)).toBe('ca96d1f40c35057ed44abe57525dd7abaeb20401');
  });
});

describe('normalizeMemberIds', () => {
  it('drops duplicates and sorts ascending as strings', () => {
    expect(normalizeMemberIds('6:4:5:4:3')).toBe('3:4:5:6');
    expect(normalizeMemberIds('9:10:b:a')).toBe('10:9:a:b');
    expect(normalizeMemberIds('')).toBe('');
  });
});

describe('nonce and timestamp', () => {
  it('nonce is 8 characters of [A-Za-z0-9] and varies', () => {
    const nonces = Array.from({ length: 2_000 }, () => createNonce());
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(new Set(nonces).size).toBe(nonces.length);
    // Over 16,000 characters every one of the 62 should appear.
    expect(new Set(nonces.join('')).size).toBe(62);
  });

  it('timestamp is Unix seconds with six decimals', () => {
    expect(createTimestamp(1_450_166_986_392.033)).toBe('1450166986.392033');
    const now = Number(createTimestamp());
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(5);
    expect(createTimestamp()).toMatch(/^\d{10}\.\d{6}$/);
  });
});
