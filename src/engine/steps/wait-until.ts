import { PROPERTY_PATH } from '../filter-validation';
import { compact, list, orUndefined, type Nullable } from '../input-normalizing';
import { nextTimeOfDay, WEEKDAYS, type Weekday } from '../local-time';
import { quote } from '../problem';
import type { JourneyContext } from '../instance-state';
import { readPath } from '../property-filter';
import { checkTimeOfDay, checkTimeZoneTrait, DEFAULT_TIME_ZONE_TRAIT, profileTimeZone, signedDurationToMs } from '../time-settings';
import { recordActivity, scheduleTimerAt, type Transition } from '../transition';
import type { StepModule, StepOutcome } from './step-module';

/**
 * Either a time of day (`timeOfDay`, on `days`, in the profile's zone) or an instant read from the journey
 * context (`timestampPath`, shifted by `offset`); exactly one of the two.
 */
export interface WaitUntilConfig {
  /** `HH:MM` in the profile's time zone. */
  timeOfDay?: string;
  /** The days of the week `timeOfDay` may fall on; every day when empty. */
  days: Weekday[];
  /** Where the profile's IANA zone is read from (`traits.timezone`). */
  timeZoneTrait: string;
  /** A path into the journey context holding an ISO-8601 instant: `traits.trial_ends_at`, `entry.properties.renews_at`. */
  timestampPath?: string;
  /** A signed ISO-8601 duration added to the timestamp: `-P1D` a day before, `PT2H` two hours after. */
  offset?: string;
}

/** Waits until a wall-clock time in the profile's time zone, or until an instant the profile or the journey holds. */
export interface WaitUntilStep {
  key: string;
  name: string;
  type: 'WAIT_UNTIL';
  waitUntil: WaitUntilConfig;
  next?: string;
}

export interface WaitUntilInputShape {
  timeOfDay?: Nullable<string>;
  days?: Nullable<readonly Weekday[]>;
  timeZoneTrait?: Nullable<string>;
  timestampPath?: Nullable<string>;
  offset?: Nullable<string>;
}

const CONTEXT_ROOTS = ['traits.', 'entry.', 'events.', 'instance.'];

export const waitUntilStep: StepModule<WaitUntilStep, WaitUntilConfig, WaitUntilInputShape> = {
  type: 'WAIT_UNTIL',
  configKey: 'waitUntil',
  takesNext: true,
  // Like WAIT_FOR_CONDITION it may move on at once (a timestamp already past); a loop through it is still
  // bounded by the engine's step limit, and a time of day always waits (see `targetOf`).
  pauses: true,

  normalize: (wait) =>
    compact({
      timeOfDay: orUndefined(wait.timeOfDay),
      days: list(wait.days).slice(),
      timeZoneTrait: orUndefined(wait.timeZoneTrait) ?? DEFAULT_TIME_ZONE_TRAIT,
      timestampPath: orUndefined(wait.timestampPath),
      offset: orUndefined(wait.offset),
    }) as WaitUntilConfig,

  validate(wait, { path, label }, _ctx, report) {
    const at = `${path}.waitUntil`;
    const byTime = wait.timeOfDay !== undefined;
    const byTimestamp = wait.timestampPath !== undefined;
    if (byTime === byTimestamp) {
      report(at, `${label} needs exactly one of timeOfDay (e.g. 09:00) or timestampPath (e.g. traits.trial_ends_at)`);
    }
    if (byTime) checkTimeOfDay(wait.timeOfDay, `${at}.timeOfDay`, 'timeOfDay', label, report);
    list(wait.days).forEach((day, j) => {
      if (!WEEKDAYS.includes(day)) report(`${at}.days[${j}]`, `day ${quote(day)} of ${label} is not one of ${WEEKDAYS.join(', ')}`);
    });
    if (new Set(list(wait.days)).size !== list(wait.days).length) report(`${at}.days`, `${label} lists a day twice`);
    if (byTimestamp && list(wait.days).length > 0) report(`${at}.days`, `days apply to timeOfDay only; ${label} waits for a timestamp`);
    checkTimeZoneTrait(wait.timeZoneTrait, `${at}.timeZoneTrait`, label, report);
    if (byTimestamp) {
      const source = wait.timestampPath;
      if (typeof source !== 'string' || !PROPERTY_PATH.test(source) || !CONTEXT_ROOTS.some((root) => source.startsWith(root))) {
        report(`${at}.timestampPath`, `timestampPath ${quote(source)} of ${label} must be a path into the journey context starting with ${CONTEXT_ROOTS.join(', ')}`);
      }
    }
    if (wait.offset !== undefined) {
      if (!byTimestamp) report(`${at}.offset`, `offset applies to timestampPath only; ${label} waits for a time of day`);
      if (signedDurationToMs(wait.offset) === null) {
        report(`${at}.offset`, `offset ${quote(wait.offset)} of ${label} is not an ISO-8601 duration such as PT2H (after) or -P1D (before)`);
      }
    }
  },

  enter(t, step, entered) {
    const target = targetOf(t, step);
    entered.detail = { ...entered.detail, ...target.detail };
    if (target.dueAt === null || target.dueAt <= Date.parse(t.facts.now)) return reached(t, step, { ...target.detail, immediately: true });
    scheduleTimerAt(t, 'WAIT_UNTIL_REACHED', step.key, new Date(target.dueAt).toISOString());
    return { kind: 'stop' };
  },

  onTimer(t, step, timer) {
    if (timer.kind !== 'WAIT_UNTIL_REACHED') return null;
    return reached(t, step, { dueAt: t.state.waitingUntil });
  },

  /**
   * A timestamp trait that changes while the instance waits (a trial extended) moves the wait: a new
   * `stepSeq` makes the earlier timer stale, as an update event does for a hold. A time of day stays as scheduled.
   */
  onRefresh(t, step) {
    if (step.waitUntil.timestampPath === undefined || !step.waitUntil.timestampPath.startsWith('traits.')) return null;
    const target = timestampTarget({ ...t.state.context, traits: t.facts.traits }, step.waitUntil);
    const previousDueAt = t.state.waitingUntil;
    if (target.dueAt !== null && previousDueAt !== null && target.dueAt === Date.parse(previousDueAt)) return null;
    t.state.context.traits = structuredClone(t.facts.traits);
    if (target.dueAt === null || target.dueAt <= Date.parse(t.facts.now)) return reached(t, step, { ...target.detail, previousDueAt, immediately: true });
    t.state.stepSeq += 1;
    const dueAt = scheduleTimerAt(t, 'WAIT_UNTIL_REACHED', step.key, new Date(target.dueAt).toISOString());
    recordActivity(t, 'WAIT_UNTIL_UPDATED', step.key, { ...target.detail, dueAt, previousDueAt });
    return { kind: 'stop' };
  },
};

function reached(t: Transition, step: WaitUntilStep, detail: Record<string, unknown>): StepOutcome {
  recordActivity(t, 'WAIT_UNTIL_REACHED', step.key, detail);
  return { kind: 'next', next: step.next };
}

/** The instant to wait for, or null when the timestamp is missing or unreadable (the wait then continues at once, saying why). */
function targetOf(t: Transition, step: WaitUntilStep): { dueAt: number | null; detail: Record<string, unknown> } {
  const wait = step.waitUntil;
  const now = Date.parse(t.facts.now);
  if (wait.timeOfDay !== undefined) {
    const timeZone = profileTimeZone(t, step.key, wait.timeZoneTrait);
    // Strictly after now: a loop back to this step in the same call ("every weekday at 09:00") waits for the next one.
    const dueAt = nextTimeOfDay(now + 1, wait.timeOfDay, wait.days, timeZone);
    return { dueAt, detail: { dueAt: new Date(dueAt).toISOString(), timeZone } };
  }
  return timestampTarget(t.state.context, wait);
}

function timestampTarget(context: JourneyContext, wait: WaitUntilConfig): { dueAt: number | null; detail: Record<string, unknown> } {
  const value = readPath(context, wait.timestampPath!);
  const instant = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) {
    const problem = value === undefined || value === null ? 'TIMESTAMP_MISSING' : 'TIMESTAMP_INVALID';
    return { dueAt: null, detail: { reason: problem, timestampPath: wait.timestampPath, ...(value == null ? {} : { value }) } };
  }
  const dueAt = instant + (wait.offset ? signedDurationToMs(wait.offset)! : 0);
  return { dueAt, detail: { dueAt: new Date(dueAt).toISOString(), timestampPath: wait.timestampPath } };
}
