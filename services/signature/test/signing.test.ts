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

describe('nonce', () => {
  it('is 8 characters of [A-Za-z0-9] and varies', () => {
    const nonces = Array.from({ length: 2_000 }, () => createNonce());
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(new Set(nonces).size).toBe(nonces.length);
    // Over 16,000 characters every one of the 62 should appear.
    expect(new Set(nonces.join('')).size).toBe(62);
  });
});

describe('timestamps (SIGNATURE_TIMESTAMP_FORMAT)', () => {
  // 2015-12-15T08:09:46.392Z, the API document's login moment, in Unix milliseconds.
  const AT = 1_450_166_986_392;

  it('seconds (the default): integer Unix seconds', () => {
    expect(createTimestamp('seconds', AT)).toBe('1450166986');
    expect(createTimestamp('seconds', 1_450_166_986_999)).toBe('1450166986'); // truncated, never rounded up
    expect(createTimestamp(undefined, AT)).toBe('1450166986');
  });

  it('milliseconds: integer Unix milliseconds', () => {
    expect(createTimestamp('milliseconds', AT)).toBe('1450166986392');
  });

  it("fraction: the old document's seconds with six decimals, from the millisecond clock", () => {
    expect(createTimestamp('fraction', AT)).toBe('1450166986.392000');
    expect(createTimestamp('fraction', 1_450_167_470_055)).toBe('1450167470.055000');
    expect(createTimestamp('fraction', 1_450_167_470_000)).toBe('1450167470.000000');
  });

  it('reads the clock with Date.now()', () => {
    const before = Date.now();
    const ms = Number(createTimestamp('milliseconds'));
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(createTimestamp()).toMatch(/^\d{10}$/);
  });

  // Vectors from openssl, as above, over the strings with integer timestamps.
  it('signs the integer digits as they are', () => {
    expect(hmacSha1Hex(KEY, loginString('2', '3', createTimestamp('seconds', AT), 'cdXsciFc'))).toBe(
      '12c6ad0daf336bd5b6ca99179ed1770fc7a1378b',
    );
    expect(hmacSha1Hex(KEY, loginString('2', '3', createTimestamp('milliseconds', AT), 'cdXsciFc'))).toBe(
      '799484029a52d6acfce3c1a2fac802855b81678c',
    );
    expect(hmacSha1Hex(KEY, conversationString('1', '2', '3:4:5:6', '1450167224', 'b3uMtwWT'))).toBe(
      '70eb2aee8b36bcaacdeb45e09b3959b30b0bfbfc',
    );
    expect(
      hmacSha1Hex(KEY, memberActionString('1', '2', '3', '4:5:6', '1450167393', 'QDFIkEMB', 'invite')),
    ).toBe('0496d7536bf25fb2b72c54b641e5272e5e3ab4f9');
    expect(
      hmacSha1Hex(KEY, memberActionString('1', '2', '3', '4:5:6', '1450167470055', 'co0eRCXR', 'kick')),
    ).toBe('9fffd127081a5d8722d0e5713d782dbc6779cf9e');
    expect(hmacSha1Hex(KEY, memberActionString('1', '2', '3', '', '1450167393', 'QDFIkEMB', 'invite'))).toBe(
      '32d7d96abe6a0edd05363ca93b4b175a6dc56f10',
    );
  });
});
