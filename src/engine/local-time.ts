/**
 * Wall-clock time in IANA time zones, from Node's own Intl data (no clock is read: every function takes
 * the instant it reasons about).
 *
 * The two rules every caller relies on, at daylight-saving transitions:
 * - a wall time that does not exist (02:30 on a spring-forward night) moves forward by the gap, to the
 *   first instant after it (03:30 local when the clocks jump from 02:00 to 03:00);
 * - a wall time that happens twice (01:30 on a fall-back night) is its first occurrence (the earlier
 *   instant, still on summer time).
 */

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM`, 00:00 to 23:59. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface WallTime {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
}

/** Zones come from profile traits: the cache is bounded, so odd spellings cannot grow it without end. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_ZONES = 1000;

/** Whether Intl knows the zone (`Europe/Berlin`, `UTC`); offsets like `+02:00` and abbreviations are refused. */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '' || !/^[A-Za-z]/.test(zone)) return false;
  try {
    formatterOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `zone` at instant `ms`. */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const part of formatterOf(zone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    // Some engines print midnight as 24 with hourCycle h23 unset; normalised here.
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: parts.weekday.toUpperCase().slice(0, 3) as Weekday,
  };
}

/** The zone's offset from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, zone: string): number {
  const wall = wallTimeAt(ms, zone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the clocks in `zone` show the given date and time, under the two rules above.
 * Offsets change at most once around any one wall time, so the offsets a day before and after bracket it.
 */
export function instantOf(date: { year: number; month: number; day: number }, hour: number, minute: number, zone: string): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const DAY = 86_400_000;
  const before = offsetAt(asUtc - DAY, zone);
  const after = offsetAt(asUtc + DAY, zone);
  const candidates = [asUtc - before, asUtc - after].sort((a, b) => a - b);
  // The first occurrence: the earliest candidate the zone really shows as this wall time.
  for (const candidate of candidates) if (offsetAt(candidate, zone) === asUtc - candidate) return candidate;
  // A gap: no candidate reads as this wall time. Moving forward by the gap is reading it with the offset before it.
  return asUtc - before;
}

/**
 * The first instant at or after `fromMs` at which the clocks in `zone` show `time` (`HH:MM`) on one of
 * `days` (all days when empty). A time skipped by a spring-forward counts on that day, moved forward.
 */
export function nextTimeOfDay(fromMs: number, time: string, days: readonly Weekday[], zone: string): number {
  const [hour, minute] = time.split(':').map(Number);
  const today = wallTimeAt(fromMs, zone);
  // Eight days cover every weekday once after today, and today itself when its time is still ahead.
  for (let ahead = 0; ahead <= 8; ahead += 1) {
    const date = addDays(today, ahead);
    if (days.length > 0 && !days.includes(weekdayOf(date))) continue;
    const at = instantOf(date, hour, minute, zone);
    if (at >= fromMs) return at;
  }
  throw new Error(`no ${time} on ${days.join(',')} in ${zone} within eight days`);
}

/** The quiet window `start`–`end` (`HH:MM`, may cross midnight like 21:00–08:00) that `ms` falls in: its end, or null outside it. */
export function quietWindowEnd(ms: number, window: { start: string; end: string }, zone: string): number | null {
  const wall = wallTimeAt(ms, zone);
  const minuteOfDay = wall.hour * 60 + wall.minute;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return null;
  const crossesMidnight = start > end;
  const inside = crossesMidnight ? minuteOfDay >= start || minuteOfDay < end : minuteOfDay >= start && minuteOfDay < end;
  if (!inside) return null;
  return nextTimeOfDay(ms, window.end, [], zone);
}

function minutesOf(time: string): number {
  const [hour, minute] = time.split(':').map(Number);
  return hour * 60 + minute;
}

function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function weekdayOf(date: { year: number; month: number; day: number }): Weekday {
  return WEEKDAYS[(new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7];
}

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}
