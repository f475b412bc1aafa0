import { durationToMs } from './duration';
import { PROPERTY_PATH } from './filter-validation';
import { compact, orUndefined, type Nullable } from './input-normalizing';
import { isTimeZone, quietWindowEnd, TIME_OF_DAY } from './local-time';
import { quote, type Report } from './problem';
import { readPath } from './property-filter';
import { recordActivity, type Transition } from './transition';

export type QuietHoursMode = 'DEFER' | 'SKIP';
export const QUIET_HOURS_MODES: readonly QuietHoursMode[] = ['DEFER', 'SKIP'];

/** Where a profile's IANA time zone is read from, unless a step or the quiet hours name another trait. */
export const DEFAULT_TIME_ZONE_TRAIT = 'traits.timezone';
/** The zone of last resort: neither the profile, the journey nor the workspace names a valid one. */
export const LAST_RESORT_TIME_ZONE = 'UTC';

/** No send goes out between `start` and `end` (`HH:MM` in the profile's zone; `21:00`–`08:00` crosses midnight). */
export interface QuietHours {
  start: string;
  end: string;
  /** DEFER delivers at the window's end; SKIP drops the send and moves on. */
  mode: QuietHoursMode;
  timeZoneTrait: string;
}

export interface QuietHoursInputShape {
  start: string;
  end: string;
  mode?: Nullable<QuietHoursMode>;
  timeZoneTrait?: Nullable<string>;
}

/** A journey's or a workspace's time settings; a journey's own override its workspace's, one by one. */
export interface TimeSettings {
  /** The IANA zone used for a profile that has none (or an invalid one). */
  timeZone?: string;
  quietHours?: QuietHours;
}

/** The reason a send is skipped or deferred (activity detail `reason`, stats); other limits add theirs. */
export const QUIET_HOURS_REASON = 'QUIET_HOURS';

export function normalizeQuietHours(input: Nullable<QuietHoursInputShape>): QuietHours | undefined {
  if (!input) return undefined;
  return compact({
    start: input.start ?? '',
    end: input.end ?? '',
    mode: input.mode ?? 'DEFER',
    timeZoneTrait: orUndefined(input.timeZoneTrait) ?? DEFAULT_TIME_ZONE_TRAIT,
  }) as QuietHours;
}

/** Every problem of a journey's or workspace's time settings, with paths under `at` (`''` for the top level). */
export function checkTimeSettings(settings: TimeSettings, at: string, report: Report): void {
  const under = (field: string) => (at ? `${at}.${field}` : field);
  if (settings.timeZone !== undefined) checkTimeZone(settings.timeZone, under('timeZone'), 'timeZone', report);
  const quiet = settings.quietHours;
  if (!quiet) return;
  const path = under('quietHours');
  checkTimeOfDay(quiet.start, `${path}.start`, 'start', 'the quiet hours', report);
  checkTimeOfDay(quiet.end, `${path}.end`, 'end', 'the quiet hours', report);
  if (TIME_OF_DAY.test(quiet.start ?? '') && quiet.start === quiet.end) report(`${path}.end`, `quiet hours from ${quiet.start} to ${quiet.end} are empty; give an end other than the start`);
  if (!QUIET_HOURS_MODES.includes(quiet.mode)) report(`${path}.mode`, `unknown quiet hours mode ${quote(quiet.mode)}; use DEFER or SKIP`);
  checkTimeZoneTrait(quiet.timeZoneTrait, `${path}.timeZoneTrait`, 'the quiet hours', report);
}

export function checkTimeZone(zone: unknown, path: string, field: string, report: Report): void {
  if (!isTimeZone(zone)) report(path, `${field} ${quote(zone)} is not an IANA time zone name such as Europe/Berlin or America/New_York`);
}

export function checkTimeOfDay(time: unknown, path: string, field: string, owner: string, report: Report): void {
  if (typeof time !== 'string' || time === '') report(path, `${owner} needs a ${field} as HH:MM, e.g. 09:00`);
  else if (!TIME_OF_DAY.test(time)) report(path, `${field} ${quote(time)} of ${owner} is not a time of day as HH:MM from 00:00 to 23:59`);
}

export function checkTimeZoneTrait(path: unknown, at: string, owner: string, report: Report): void {
  if (typeof path !== 'string' || !PROPERTY_PATH.test(path) || !path.startsWith('traits.')) {
    report(at, `time zone trait of ${owner} must be a path into the profile's traits such as traits.timezone, not ${quote(path)}`);
  }
}

/** A signed ISO-8601 duration (`PT2H` after, `-P1D` before), in ms; null when the text is not one. */
export function signedDurationToMs(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const negative = text.startsWith('-');
  const ms = durationToMs(negative ? text.slice(1) : text);
  return ms === null ? null : negative ? -ms : ms;
}

/** The settings in force for one engine call, and where its fallback zone comes from (for the timeline). */
export interface EffectiveTimeSettings extends TimeSettings {
  timeZoneFrom?: 'JOURNEY' | 'WORKSPACE';
}

/** The settings in force for a journey: its own, else its workspace's, field by field. */
export function effectiveTimeSettings(journey: TimeSettings | undefined, workspace: TimeSettings | undefined): EffectiveTimeSettings {
  const timeZoneFrom = journey?.timeZone !== undefined ? 'JOURNEY' : workspace?.timeZone !== undefined ? 'WORKSPACE' : undefined;
  return compact({
    timeZone: journey?.timeZone ?? workspace?.timeZone,
    timeZoneFrom,
    quietHours: journey?.quietHours ?? workspace?.quietHours,
  });
}

/**
 * The profile's time zone, read from `traitPath` in the journey context. A missing or invalid one falls
 * back to the journey's (or workspace's) zone, else UTC, and says so on the timeline: a profile's time is never guessed silently.
 */
export function profileTimeZone(t: Transition, stepKey: string, traitPath: string): string {
  const value = readPath(t.state.context, traitPath);
  if (isTimeZone(value)) return value;
  const { timeZone: configured, timeZoneFrom } = t.timeSettings;
  // Stored settings were validated, but a zone Intl stops knowing must still not stop the journey.
  const usable = configured !== undefined && isTimeZone(configured);
  const used = usable ? configured : LAST_RESORT_TIME_ZONE;
  recordActivity(t, 'TIME_ZONE_FALLBACK', stepKey, {
    trait: traitPath,
    problem: value === undefined || value === null ? 'MISSING' : 'INVALID',
    ...(value === undefined ? {} : { value }),
    timeZone: used,
    source: usable ? timeZoneFrom : 'DEFAULT',
  });
  return used;
}

/** Whether a send coming due now falls in the quiet hours in force: their mode and the window's end; null when it may go. */
export function quietHoursDecision(t: Transition, stepKey: string): { mode: QuietHoursMode; until: string; timeZone: string } | null {
  const quiet = t.timeSettings.quietHours;
  if (!quiet) return null;
  const timeZone = profileTimeZone(t, stepKey, quiet.timeZoneTrait);
  const end = quietWindowEnd(Date.parse(t.facts.now), quiet, timeZone);
  return end === null ? null : { mode: quiet.mode, until: new Date(end).toISOString(), timeZone };
}
