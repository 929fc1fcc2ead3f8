import { describe, expect, it } from 'vitest';
import { dayIn, isTimeZone } from '../src/day.js';

/**
 * Vectors worked out by hand from the zones' offsets (Shanghai is UTC+8 all year; New York is
 * UTC-5, UTC-4 from 2024-03-10 02:00 local), not from the code under test.
 */
describe('dayIn', () => {
  const cases: [string, string, string][] = [
    ['2024-01-01T00:00:00.000Z', 'Asia/Shanghai', '2024-01-01'],
    ['2024-01-01T15:59:59.999Z', 'Asia/Shanghai', '2024-01-01'],
    // Still 1 January in UTC, already 2 January in Shanghai: the case the old system counted.
    ['2024-01-01T16:00:00.000Z', 'Asia/Shanghai', '2024-01-02'],
    ['2023-12-31T16:30:00.000Z', 'Asia/Shanghai', '2024-01-01'],
    ['2024-02-28T16:00:00.000Z', 'Asia/Shanghai', '2024-02-29'],
    ['2023-02-28T16:00:00.000Z', 'Asia/Shanghai', '2023-03-01'],
    ['2024-12-31T15:59:59.000Z', 'Asia/Shanghai', '2024-12-31'],
    ['2024-12-31T16:00:00.000Z', 'Asia/Shanghai', '2025-01-01'],
    ['2024-01-01T16:00:00.000Z', 'UTC', '2024-01-01'],
    ['2024-03-10T04:59:59.000Z', 'America/New_York', '2024-03-09'],
    ['2024-03-10T05:00:00.000Z', 'America/New_York', '2024-03-10'],
    ['2024-11-03T03:59:59.000Z', 'America/New_York', '2024-11-02'],
    ['2024-11-03T04:00:00.000Z', 'America/New_York', '2024-11-03'],
  ];
  it.each(cases)('%s in %s is %s', (instant, zone, day) => {
    expect(dayIn(new Date(instant), zone)).toBe(day);
  });

  it('writes two-digit months and days', () => {
    expect(dayIn(new Date('2024-03-04T00:00:00Z'), 'UTC')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('isTimeZone', () => {
  it('knows IANA zones and refuses made-up ones', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
