/**
 * ISO-8601 timestamps, as the reference API documents them, and nothing else: `Date.parse` also takes
 * "1" or "March 7" and guesses (in the server's time zone), so it never sees client input.
 * Accepted: a calendar date (`2024-05-01`), optionally with a time (`T` or a space, as RFC 3339 allows),
 * seconds, any fraction (kept to the millisecond) and an offset (`Z`, `+02:00`, `+0200`, `+02`).
 * A time without an offset is read as UTC, whatever the server's zone.
 */
const ISO_8601 =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

export type TimestampReading = { iso: string; millis: number } | { problem: string };

/** Years PostgreSQL reads back from `toISOString` (which writes later ones as `+010000-…`). */
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

export function readIsoTimestamp(value: string, field: string): TimestampReading {
  const match = ISO_8601.exec(value);
  if (!match) return { problem: `${field} must be an ISO-8601 date string, such as 2024-05-01T10:00:00Z` };
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  const [oh, om] = [Number(offsetHours), Number(offsetMinutes)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) {
    return { problem: `${field} is not a real date and time: ${JSON.stringify(value)}` };
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads the years 0-99 as 1900-1999.
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetMillis = sign ? (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000 : 0;
  return inStorableRange(date.getTime() - offsetMillis, field);
}

/** The instant as stored (`toISOString`), or a problem when PostgreSQL could not read it back. */
export function inStorableRange(millis: number, field: string): TimestampReading {
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    return { problem: `${field} must be a date between the years ${FIRST_YEAR} and ${LAST_YEAR}` };
  }
  return { iso: date.toISOString(), millis };
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}
