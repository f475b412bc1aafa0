import { applyTimer } from '../apply-timer';
import { refreshConditions } from '../refresh-conditions';
import type { JourneyDefinition, JourneyDraft, JourneyStep } from '../definition';
import { validateDraftDefinition } from '../draft-validation';
import type { EngineResult } from '../engine-result';
import { activityTypes, endStep, facts, ids, journey, journeyIdentity, seed, sendStep, track } from '../seed-events.fixture';
import { startInstance } from '../start-instance';
import type { TimeSettings } from '../time-settings';
import type { WaitUntilConfig } from './wait-until';

const waitStep = (waitUntil: Partial<WaitUntilConfig>): JourneyStep => ({
  key: 'wait_for_morning',
  name: 'Wait for morning',
  type: 'WAIT_UNTIL',
  waitUntil: { days: [], timeZoneTrait: 'traits.timezone', ...waitUntil },
  next: 'trial_nudge',
});

/** Trial re-engagement (seed): Trial_Started, wait, then nudge. */
const trialJourney = (waitUntil: Partial<WaitUntilConfig>, extra: Partial<JourneyDefinition> = {}) =>
  journey('Trial_Started', [waitStep(waitUntil), sendStep('trial_nudge', 'done'), endStep], extra);

function enter(definition: JourneyDefinition, now: string, traits: Record<string, unknown>, workspaceTime?: TimeSettings): EngineResult {
  return startInstance(definition, journeyIdentity, ids, track(seed.trialStarted747, now), null, { ...facts(now, traits), workspaceTime });
}

function fire(definition: JourneyDefinition, entered: EngineResult, now: string): EngineResult | null {
  const [timer] = entered.timers;
  return applyTimer(definition, entered.state, timer, facts(now, entered.state.context.traits));
}

const activity = (result: EngineResult, type: string) => result.activities.find((a) => a.type === type);

describe('WAIT_UNTIL a time of day', () => {
  const berlinNine = trialJourney({ timeOfDay: '09:00' });

  it('waits until 09:00 in the profile’s time zone, then sends', () => {
    // 2026-06-10 05:00Z is 07:00 in Berlin: two hours to wait.
    const entered = enter(berlinNine, '2026-06-10T05:00:00.000Z', { timezone: 'Europe/Berlin', email: 'ada@example.com' });
    expect(entered.state.currentStep).toBe('wait_for_morning');
    expect(entered.timers).toEqual([{ kind: 'WAIT_UNTIL_REACHED', stepKey: 'wait_for_morning', stepSeq: 1, dueAt: '2026-06-10T07:00:00.000Z' }]);
    expect(activity(entered, 'STEP_ENTERED')?.detail).toMatchObject({ dueAt: '2026-06-10T07:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(entered.deliveries).toEqual([]);

    const fired = fire(berlinNine, entered, '2026-06-10T07:00:01.000Z')!;
    expect(activity(fired, 'WAIT_UNTIL_REACHED')?.detail).toEqual({ dueAt: '2026-06-10T07:00:00.000Z' });
    expect(fired.deliveries.map((d) => d.stepKey)).toEqual(['trial_nudge']);
    expect(fired.state.status).toBe('COMPLETED');
  });

  it('the same instant waits for different instants in different zones', () => {
    const now = '2026-06-10T05:00:00.000Z';
    expect(enter(berlinNine, now, { timezone: 'Asia/Tokyo' }).timers[0].dueAt).toBe('2026-06-11T00:00:00.000Z'); // 14:00 in Tokyo: tomorrow
    expect(enter(berlinNine, now, { timezone: 'America/New_York' }).timers[0].dueAt).toBe('2026-06-10T13:00:00.000Z'); // 01:00 in New York
  });

  it('only on the allowed days of the week', () => {
    const weekdays = trialJourney({ timeOfDay: '09:00', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] });
    // Saturday 2026-06-13, 10:00 in Berlin: Monday 09:00.
    expect(enter(weekdays, '2026-06-13T08:00:00.000Z', { timezone: 'Europe/Berlin' }).timers[0].dueAt).toBe('2026-06-15T07:00:00.000Z');
  });

  it('moves a 02:30 that does not exist (spring forward) to 03:30, and takes the first of two 01:30s (fall back)', () => {
    const newYork = { timezone: 'America/New_York' };
    expect(enter(trialJourney({ timeOfDay: '02:30' }), '2026-03-08T05:00:00.000Z', newYork).timers[0].dueAt).toBe('2026-03-08T07:30:00.000Z');
    expect(enter(trialJourney({ timeOfDay: '01:30' }), '2026-11-01T04:00:00.000Z', newYork).timers[0].dueAt).toBe('2026-11-01T05:30:00.000Z');
  });

  it('a daily loop (wait until 09:00, send, back) is publishable and waits for the next morning after each send', () => {
    const loop = journey('Trial_Started', [waitStep({ timeOfDay: '09:00' }), sendStep('trial_nudge', 'wait_for_morning')]);
    const { problems } = validateDraftDefinition(loop, { limits: { maxCountedSteps: 20, maxStepNameLength: 170, maxStepKeyLength: 255 } });
    expect(problems).toEqual([]);
    const entered = enter(loop, '2026-06-10T05:00:00.000Z', { timezone: 'Europe/Berlin' });
    // The timer fires exactly on time: the loop back must not count 09:00 today again.
    const fired = fire(loop, entered, '2026-06-10T07:00:00.000Z')!;
    expect(fired.deliveries).toHaveLength(1);
    expect(fired.state.currentStep).toBe('wait_for_morning');
    expect(fired.timers.map((timer) => timer.dueAt)).toEqual(['2026-06-11T07:00:00.000Z']);
  });

  it('reads the zone from a configured trait path', () => {
    const custom = trialJourney({ timeOfDay: '09:00', timeZoneTrait: 'traits.preferences.tz' });
    expect(enter(custom, '2026-06-10T05:00:00.000Z', { preferences: { tz: 'Asia/Kolkata' } }).timers[0].dueAt).toBe('2026-06-11T03:30:00.000Z');
  });

  describe('a missing or invalid time zone uses the fallback and says so on the timeline', () => {
    const now = '2026-06-10T05:00:00.000Z';

    it('an invalid zone falls back to the journey’s zone', () => {
      const entered = enter(trialJourney({ timeOfDay: '09:00' }, { timeZone: 'America/New_York' }), now, { timezone: 'Mars/Olympus_Mons' });
      expect(entered.timers[0].dueAt).toBe('2026-06-10T13:00:00.000Z');
      expect(activity(entered, 'TIME_ZONE_FALLBACK')?.detail).toEqual({
        trait: 'traits.timezone',
        problem: 'INVALID',
        value: 'Mars/Olympus_Mons',
        timeZone: 'America/New_York',
        source: 'JOURNEY',
      });
    });

    it('a missing zone falls back to the workspace’s default when the journey has none', () => {
      const entered = enter(berlinNine, now, {}, { timeZone: 'Asia/Tokyo' });
      expect(entered.timers[0].dueAt).toBe('2026-06-11T00:00:00.000Z');
      expect(activity(entered, 'TIME_ZONE_FALLBACK')?.detail).toEqual({ trait: 'traits.timezone', problem: 'MISSING', timeZone: 'Asia/Tokyo', source: 'WORKSPACE' });
    });

    it('the journey’s zone wins over the workspace’s', () => {
      const entered = enter(trialJourney({ timeOfDay: '09:00' }, { timeZone: 'Europe/Berlin' }), now, {}, { timeZone: 'Asia/Tokyo' });
      expect(entered.timers[0].dueAt).toBe('2026-06-10T07:00:00.000Z');
    });

    it('with no zone anywhere, UTC', () => {
      const entered = enter(berlinNine, now, { timezone: 42 });
      expect(entered.timers[0].dueAt).toBe('2026-06-10T09:00:00.000Z');
      expect(activity(entered, 'TIME_ZONE_FALLBACK')?.detail).toMatchObject({ problem: 'INVALID', value: 42, timeZone: 'UTC', source: 'DEFAULT' });
    });

    it('a valid zone records no fallback', () => {
      expect(activityTypes(enter(berlinNine, now, { timezone: 'Europe/Berlin' }))).not.toContain('TIME_ZONE_FALLBACK');
    });
  });
});

describe('WAIT_UNTIL a timestamp', () => {
  const trialEnds = (offset?: string) => trialJourney({ timestampPath: 'traits.trial_ends_at', offset });
  const now = '2026-06-10T05:00:00.000Z';

  it('waits until the trait’s instant, shifted by the offset before or after', () => {
    const traits = { trial_ends_at: '2026-06-20T12:00:00Z' };
    expect(enter(trialEnds(), now, traits).timers[0].dueAt).toBe('2026-06-20T12:00:00.000Z');
    expect(enter(trialEnds('-P1D'), now, traits).timers[0].dueAt).toBe('2026-06-19T12:00:00.000Z');
    expect(enter(trialEnds('PT2H'), now, traits).timers[0].dueAt).toBe('2026-06-20T14:00:00.000Z');
  });

  it('reads the entry event too', () => {
    const renewal = trialJourney({ timestampPath: 'entry.properties.renews_at', offset: '-PT1H' });
    const result = startInstance(renewal, journeyIdentity, ids, track({ ...seed.trialStarted747, properties: { renews_at: '2026-06-11T00:00:00+02:00' } }, now), null, facts(now));
    expect(result.timers[0].dueAt).toBe('2026-06-10T21:00:00.000Z');
  });

  it('continues at once when the time is already past', () => {
    const result = enter(trialEnds('-P30D'), now, { trial_ends_at: '2026-06-20T12:00:00Z', email: 'ada@example.com' });
    expect(result.timers).toEqual([]);
    expect(activity(result, 'WAIT_UNTIL_REACHED')?.detail).toEqual({ dueAt: '2026-05-21T12:00:00.000Z', timestampPath: 'traits.trial_ends_at', immediately: true });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['trial_nudge']);
  });

  it('continues at once, saying why, when the timestamp is missing or unreadable', () => {
    const missing = enter(trialEnds(), now, {});
    expect(activity(missing, 'WAIT_UNTIL_REACHED')?.detail).toEqual({ reason: 'TIMESTAMP_MISSING', timestampPath: 'traits.trial_ends_at', immediately: true });
    const unreadable = enter(trialEnds(), now, { trial_ends_at: 'next tuesday' });
    expect(activity(unreadable, 'WAIT_UNTIL_REACHED')?.detail).toMatchObject({ reason: 'TIMESTAMP_INVALID', value: 'next tuesday' });
  });

  it('moves the wait when the trait changes while waiting (a trial extended), making the earlier timer stale', () => {
    const definition = trialEnds('-P1D');
    const entered = enter(definition, now, { trial_ends_at: '2026-06-20T12:00:00Z' });
    const extended = refreshConditions(definition, entered.state, facts('2026-06-11T00:00:00.000Z', { trial_ends_at: '2026-06-27T12:00:00Z' }))!;
    expect(activity(extended, 'WAIT_UNTIL_UPDATED')?.detail).toEqual({
      dueAt: '2026-06-26T12:00:00.000Z',
      previousDueAt: '2026-06-19T12:00:00.000Z',
      timestampPath: 'traits.trial_ends_at',
    });
    expect(extended.timers).toEqual([{ kind: 'WAIT_UNTIL_REACHED', stepKey: 'wait_for_morning', stepSeq: entered.state.stepSeq + 1, dueAt: '2026-06-26T12:00:00.000Z' }]);
    expect(applyTimer(definition, extended.state, entered.timers[0], facts('2026-06-19T12:00:00.000Z'))).toBeNull();
    expect(applyTimer(definition, extended.state, extended.timers[0], facts('2026-06-26T12:00:00.000Z'))?.deliveries).toHaveLength(1);
  });

  it('an unchanged trait changes nothing; one moved into the past continues at once', () => {
    const definition = trialEnds();
    const entered = enter(definition, now, { trial_ends_at: '2026-06-20T12:00:00Z' });
    expect(refreshConditions(definition, entered.state, facts('2026-06-11T00:00:00.000Z', { trial_ends_at: '2026-06-20T12:00:00.000Z', plan: 'pro' }))).toBeNull();
    const ended = refreshConditions(definition, entered.state, facts('2026-06-11T00:00:00.000Z', { trial_ends_at: '2026-06-10T12:00:00Z' }))!;
    expect(activity(ended, 'WAIT_UNTIL_REACHED')?.detail).toMatchObject({ dueAt: '2026-06-10T12:00:00.000Z', previousDueAt: '2026-06-20T12:00:00.000Z', immediately: true });
    expect(ended.state.status).toBe('COMPLETED');
  });

  it('a time of day is not moved by trait changes', () => {
    const definition = trialJourney({ timeOfDay: '09:00' });
    const entered = enter(definition, now, { timezone: 'Europe/Berlin' });
    expect(refreshConditions(definition, entered.state, facts(now, { timezone: 'Asia/Tokyo' }))).toBeNull();
  });

  it('a timer of an earlier visit changes nothing', () => {
    const entered = enter(trialEnds(), now, { trial_ends_at: '2026-06-20T12:00:00Z' });
    const stale = { ...entered.timers[0], stepSeq: entered.timers[0].stepSeq - 1 };
    expect(applyTimer(trialEnds(), entered.state, stale, facts('2026-06-20T12:00:00.000Z'))).toBeNull();
  });
});

describe('WAIT_UNTIL validation lists every problem', () => {
  const limits = { maxCountedSteps: 20, maxStepNameLength: 170, maxStepKeyLength: 255 };
  const draftWith = (waitUntil: unknown, extra: Partial<JourneyDraft> = {}): JourneyDraft => ({
    trigger: { type: 'EVENT', event: { event: 'Trial_Started', filters: [] }, useHistoricalData: false },
    entry: { mode: 'REENTER_EVERY_TIME' },
    exit: [],
    steps: [{ key: 'wait_for_morning', name: 'Wait for morning', type: 'WAIT_UNTIL', waitUntil, next: 'done' } as never, { key: 'done', name: 'Done', type: 'END' }],
    ...extra,
  });
  const problemsOf = (waitUntil: unknown, extra?: Partial<JourneyDraft>) => validateDraftDefinition(draftWith(waitUntil, extra), { limits }).problems;

  it('accepts a time of day on weekdays, and a timestamp with an offset', () => {
    expect(problemsOf({ timeOfDay: '09:00', days: ['MON', 'FRI'], timeZoneTrait: 'traits.timezone' })).toEqual([]);
    expect(problemsOf({ timestampPath: 'traits.trial_ends_at', offset: '-P1D', days: [], timeZoneTrait: 'traits.timezone' })).toEqual([]);
  });

  it('reports neither or both modes, bad times, days, trait paths and offsets together', () => {
    expect(problemsOf({ days: [], timeZoneTrait: 'traits.timezone' })).toEqual([
      { path: 'steps[0].waitUntil', message: 'step "wait_for_morning" needs exactly one of timeOfDay (e.g. 09:00) or timestampPath (e.g. traits.trial_ends_at)' },
    ]);
    expect(problemsOf({ timeOfDay: '24:00', days: ['MON', 'Funday', 'MON'], timeZoneTrait: 'timezone', offset: 'soon' })).toEqual([
      { path: 'steps[0].waitUntil.timeOfDay', message: 'timeOfDay "24:00" of step "wait_for_morning" is not a time of day as HH:MM from 00:00 to 23:59' },
      { path: 'steps[0].waitUntil.days[1]', message: 'day "Funday" of step "wait_for_morning" is not one of MON, TUE, WED, THU, FRI, SAT, SUN' },
      { path: 'steps[0].waitUntil.days', message: 'step "wait_for_morning" lists a day twice' },
      { path: 'steps[0].waitUntil.timeZoneTrait', message: 'time zone trait of step "wait_for_morning" must be a path into the profile\'s traits such as traits.timezone, not "timezone"' },
      { path: 'steps[0].waitUntil.offset', message: 'offset applies to timestampPath only; step "wait_for_morning" waits for a time of day' },
      { path: 'steps[0].waitUntil.offset', message: 'offset "soon" of step "wait_for_morning" is not an ISO-8601 duration such as PT2H (after) or -P1D (before)' },
    ]);
    expect(problemsOf({ timeOfDay: '9:00', timestampPath: 'properties.x', days: ['SUN'], timeZoneTrait: 'traits.timezone' })).toEqual([
      { path: 'steps[0].waitUntil', message: 'step "wait_for_morning" needs exactly one of timeOfDay (e.g. 09:00) or timestampPath (e.g. traits.trial_ends_at)' },
      { path: 'steps[0].waitUntil.timeOfDay', message: 'timeOfDay "9:00" of step "wait_for_morning" is not a time of day as HH:MM from 00:00 to 23:59' },
      { path: 'steps[0].waitUntil.days', message: 'days apply to timeOfDay only; step "wait_for_morning" waits for a timestamp' },
      { path: 'steps[0].waitUntil.timestampPath', message: 'timestampPath "properties.x" of step "wait_for_morning" must be a path into the journey context starting with traits., entry., events., instance.' },
    ]);
  });

  it('checks the journey’s time zone and quiet hours with the rest', () => {
    expect(
      problemsOf({ timeOfDay: '09:00', days: [], timeZoneTrait: 'traits.timezone' }, {
        timeZone: 'CEST',
        quietHours: { start: '21:00', end: '8am', mode: 'LATER' as never, timeZoneTrait: 'traits.timezone' },
      }),
    ).toEqual([
      { path: 'timeZone', message: 'timeZone "CEST" is not an IANA time zone name such as Europe/Berlin or America/New_York' },
      { path: 'quietHours.end', message: 'end "8am" of the quiet hours is not a time of day as HH:MM from 00:00 to 23:59' },
      { path: 'quietHours.mode', message: 'unknown quiet hours mode "LATER"; use DEFER or SKIP' },
    ]);
  });
});
