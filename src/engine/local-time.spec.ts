import { instantOf, isTimeZone, nextTimeOfDay, offsetAt, quietWindowEnd, wallTimeAt } from './local-time';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('isTimeZone', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC', 'Australia/Lord_Howe'])('accepts the IANA name %s', (zone) =>
    expect(isTimeZone(zone)).toBe(true),
  );
  it.each(['', 'Mars/Olympus_Mons', 'CEST', '+02:00', 'Europe/Berlin ', 42, null, undefined])('refuses %j', (zone) =>
    expect(isTimeZone(zone)).toBe(false),
  );
});

describe('wallTimeAt and offsetAt', () => {
  it('reads the wall clock and weekday in the zone', () => {
    expect(wallTimeAt(at('2026-07-01T22:30:00Z'), 'Asia/Tokyo')).toEqual({ year: 2026, month: 7, day: 2, hour: 7, minute: 30, second: 0, weekday: 'THU' });
    expect(wallTimeAt(at('2026-01-01T00:00:00Z'), 'America/Los_Angeles')).toMatchObject({ year: 2025, month: 12, day: 31, hour: 16, weekday: 'WED' });
  });

  it('knows half-hour and summer offsets', () => {
    expect(offsetAt(at('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(offsetAt(at('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetAt(at('2026-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(offsetAt(at('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
  });
});

describe('instantOf: wall time to instant', () => {
  it('converts an ordinary wall time', () => {
    expect(iso(instantOf({ year: 2026, month: 6, day: 10 }, 9, 0, 'Europe/Berlin'))).toBe('2026-06-10T07:00:00.000Z');
  });

  // New York springs forward on 2026-03-08 at 02:00 (EST) to 03:00 (EDT): 02:30 does not exist.
  it('moves a wall time that does not exist (02:30 on a spring-forward night) forward by the gap, to 03:30', () => {
    const moved = instantOf({ year: 2026, month: 3, day: 8 }, 2, 30, 'America/New_York');
    expect(iso(moved)).toBe('2026-03-08T07:30:00.000Z');
    expect(wallTimeAt(moved, 'America/New_York')).toMatchObject({ hour: 3, minute: 30 });
  });

  // New York falls back on 2026-11-01 at 02:00 (EDT) to 01:00 (EST): 01:30 happens twice.
  it('takes the first occurrence of a wall time that happens twice (01:30 on a fall-back night)', () => {
    expect(iso(instantOf({ year: 2026, month: 11, day: 1 }, 1, 30, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('applies the same rules in the other hemisphere and with 30-minute shifts', () => {
    // Sydney falls back on 2026-04-05 03:00 AEDT -> 02:00 AEST: 02:30 twice, the first still on +11.
    expect(iso(instantOf({ year: 2026, month: 4, day: 5 }, 2, 30, 'Australia/Sydney'))).toBe('2026-04-04T15:30:00.000Z');
    // Lord Howe moves its clocks by half an hour: 02:15 on 2026-10-04 does not exist, it becomes 02:45.
    const moved = instantOf({ year: 2026, month: 10, day: 4 }, 2, 15, 'Australia/Lord_Howe');
    expect(wallTimeAt(moved, 'Australia/Lord_Howe')).toMatchObject({ hour: 2, minute: 45 });
  });
});

describe('nextTimeOfDay', () => {
  const berlin = 'Europe/Berlin';

  it('is today when the time is still ahead, tomorrow when it has passed', () => {
    expect(iso(nextTimeOfDay(at('2026-06-10T05:00:00Z'), '09:00', [], berlin))).toBe('2026-06-10T07:00:00.000Z');
    expect(iso(nextTimeOfDay(at('2026-06-10T08:00:00Z'), '09:00', [], berlin))).toBe('2026-06-11T07:00:00.000Z');
  });

  it('is now when the clock shows exactly that minute', () => {
    expect(iso(nextTimeOfDay(at('2026-06-10T07:00:00Z'), '09:00', [], berlin))).toBe('2026-06-10T07:00:00.000Z');
  });

  it('uses the local date, not the UTC date', () => {
    // 23:30 UTC on Wednesday is 08:30 Thursday in Tokyo: 09:00 is half an hour later, on Thursday.
    expect(iso(nextTimeOfDay(at('2026-06-10T23:30:00Z'), '09:00', ['THU'], 'Asia/Tokyo'))).toBe('2026-06-11T00:00:00.000Z');
  });

  it('skips to the next allowed day of the week', () => {
    // 2026-06-12 is a Friday; with weekdays only, Friday 10:00 -> Monday 09:00.
    const from = at('2026-06-12T08:00:00Z');
    expect(iso(nextTimeOfDay(from, '09:00', ['MON', 'TUE', 'WED', 'THU', 'FRI'], berlin))).toBe('2026-06-15T07:00:00.000Z');
    expect(iso(nextTimeOfDay(from, '09:00', ['FRI'], berlin))).toBe('2026-06-19T07:00:00.000Z');
    expect(iso(nextTimeOfDay(from, '11:00', ['FRI'], berlin))).toBe('2026-06-12T09:00:00.000Z');
  });

  it('lands on the moved-forward instant when the time does not exist that day', () => {
    expect(iso(nextTimeOfDay(at('2026-03-08T05:00:00Z'), '02:30', [], 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('waits for the first 01:30 on a fall-back night, and for the next day after the second one', () => {
    expect(iso(nextTimeOfDay(at('2026-11-01T04:00:00Z'), '01:30', [], 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    // Between the two 01:30s (06:00Z is 01:00 EST, the repeated hour): the next first 01:30 is the next day's.
    expect(iso(nextTimeOfDay(at('2026-11-01T06:00:00Z'), '01:30', [], 'America/New_York'))).toBe('2026-11-02T06:30:00.000Z');
  });

  it('keeps the local time across a transition (09:00 stays 09:00, the UTC instant moves)', () => {
    expect(iso(nextTimeOfDay(at('2026-03-28T12:00:00Z'), '09:00', [], berlin))).toBe('2026-03-29T07:00:00.000Z');
    expect(iso(nextTimeOfDay(at('2026-03-27T12:00:00Z'), '09:00', ['SAT'], berlin))).toBe('2026-03-28T08:00:00.000Z');
  });
});

describe('quietWindowEnd', () => {
  const night = { start: '21:00', end: '08:00' };
  const zone = 'Europe/Paris';

  it('is the window end when inside a window that crosses midnight, before and after midnight', () => {
    expect(iso(quietWindowEnd(at('2026-06-10T20:30:00Z'), night, zone))).toBe('2026-06-11T06:00:00.000Z'); // 22:30 local
    expect(iso(quietWindowEnd(at('2026-06-11T01:00:00Z'), night, zone))).toBe('2026-06-11T06:00:00.000Z'); // 03:00 local
    expect(iso(quietWindowEnd(at('2026-06-10T19:00:00Z'), night, zone))).toBe('2026-06-11T06:00:00.000Z'); // 21:00 sharp
  });

  it('is null outside the window, and at its end', () => {
    expect(quietWindowEnd(at('2026-06-10T12:00:00Z'), night, zone)).toBeNull();
    expect(quietWindowEnd(at('2026-06-11T06:00:00Z'), night, zone)).toBeNull(); // 08:00 sharp
    expect(quietWindowEnd(at('2026-06-10T18:59:00Z'), night, zone)).toBeNull(); // 20:59
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(iso(quietWindowEnd(at('2026-06-10T10:30:00Z'), lunch, zone))).toBe('2026-06-10T12:00:00.000Z');
    expect(quietWindowEnd(at('2026-06-10T09:30:00Z'), lunch, zone)).toBeNull();
  });

  it('reads the profile’s zone: the same instant is quiet in one zone and not in another', () => {
    const instant = at('2026-06-10T23:00:00Z');
    expect(quietWindowEnd(instant, night, 'America/Los_Angeles')).toBeNull(); // 16:00
    expect(quietWindowEnd(instant, night, 'Asia/Tokyo')).toBeNull(); // 08:00 the next morning: just over
    expect(iso(quietWindowEnd(instant, night, 'Europe/Paris'))).toBe('2026-06-11T06:00:00.000Z'); // 01:00
  });

  it('ends a window on a spring-forward night at the right instant (the night is an hour shorter)', () => {
    // Paris springs forward on 2026-03-29; 23:00 local on the 28th is 22:00Z, 08:00 on the 29th is 06:00Z.
    expect(iso(quietWindowEnd(at('2026-03-28T22:00:00Z'), night, zone))).toBe('2026-03-29T06:00:00.000Z');
  });

  it('an empty window (start equals end) is never quiet', () => {
    expect(quietWindowEnd(at('2026-06-10T20:30:00Z'), { start: '08:00', end: '08:00' }, zone)).toBeNull();
  });
});
