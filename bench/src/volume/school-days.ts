import { dayIn } from '@im/broadcast-service';

const DAY_MS = 86_400_000;

/**
 * The instants the seeded pushes are recorded at: 09:00 in `timeZone` on each of the `count`
 * weekdays before today there, oldest first. Today stays free, so the pushes the write routes
 * measure (by the real clock) are not refused as a second push of the day.
 */
export function schoolDays(count: number, timeZone: string, now = new Date()): Date[] {
  const today = dayIn(now, timeZone);
  const [year, month, day] = today.split('-').map(Number) as [number, number, number];
  const days: Date[] = [];
  for (let back = 1; days.length < count; back++) {
    const date = new Date(Date.UTC(year, month - 1, day - back));
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    days.push(localNine(date, timeZone));
  }
  return days.reverse();
}

/** 09:00 of that calendar date in `timeZone`, found by its offset at noon UTC of the same date. */
function localNine(date: Date, timeZone: string): Date {
  const noon = new Date(date.getTime() + DAY_MS / 2);
  const offsetMs = offsetAt(noon, timeZone);
  const instant = new Date(date.getTime() + 9 * 3_600_000 - offsetMs);
  const wanted = date.toISOString().slice(0, 10);
  if (dayIn(instant, timeZone) !== wanted) throw new Error(`school day ${wanted}: no 09:00 in ${timeZone}`);
  return instant;
}

/** How far `timeZone` is ahead of UTC at `instant`, ms. */
function offsetAt(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return local - Math.floor(instant.getTime() / 60_000) * 60_000;
}
