import type { EntryRules, Goal, Trigger } from './definition';
import { durationToMs } from './duration';
import { checkEventMatch, PROPERTY_PATH } from './filter-validation';
import { quote, type Report } from './problem';

/** Who may enter and when: the journey-level parts of a draft, apart from its steps. */
export function checkTrigger(trigger: Trigger | undefined, audienceIds: Set<string> | undefined, report: Report): void {
  if (!trigger) {
    report('trigger', 'journey needs a trigger');
    return;
  }
  if (trigger.type === 'EVENT') {
    if (!trigger.event) report('trigger.event', 'an EVENT trigger needs an event to match');
    else checkEventMatch(trigger.event, 'trigger.event', 'the trigger', report);
    if (trigger.audienceId !== undefined) {
      report('trigger.audienceId', 'audienceId is for AUDIENCE triggers; use audienceFilterId to admit only members of an audience');
    }
    if (trigger.useHistoricalData) report('trigger.useHistoricalData', 'useHistoricalData applies to AUDIENCE triggers only');
  } else if (trigger.type === 'AUDIENCE') {
    if (!trigger.audienceId) report('trigger.audienceId', 'an AUDIENCE trigger needs an audienceId');
    else if (audienceIds && !audienceIds.has(trigger.audienceId)) {
      report('trigger.audienceId', `unknown audience ${quote(trigger.audienceId)}`);
    }
    if (trigger.event) report('trigger.event', 'an AUDIENCE trigger admits users as they enter the audience; it takes no event');
  } else {
    report('trigger.type', `unknown trigger type ${quote(trigger.type)}; use EVENT or AUDIENCE`);
  }
  if (trigger.audienceFilterId !== undefined && audienceIds && !audienceIds.has(trigger.audienceFilterId)) {
    report('trigger.audienceFilterId', `unknown audience ${quote(trigger.audienceFilterId)}`);
  }
}

/** Bounds of entry limits: counting a window's entries reads at most `max` index entries per admission. */
export const MAX_ENTRY_LIMIT = 10_000_000;
const MAX_ENTRY_WINDOW_MS = 366 * 24 * 3600_000;

export function checkEntry(entry: EntryRules | undefined, report: Report): void {
  if (!entry) return;
  if (entry.mode !== 'REENTER_EVERY_TIME' && entry.mode !== 'ONCE') {
    report('entry.mode', `unknown entry mode ${quote(entry.mode)}; use REENTER_EVERY_TIME or ONCE`);
  }
  checkEntryLimits(entry, report);
  const id = entry.uniqueIdentifier;
  if (id === undefined) return;
  if (typeof id !== 'string' || id === '') report('entry.uniqueIdentifier', 'uniqueIdentifier is empty; leave it out for one instance per user');
  else if (!PROPERTY_PATH.test(id)) report('entry.uniqueIdentifier', `uniqueIdentifier ${quote(id)} is not a valid path`);
  else if (!id.startsWith('properties.')) {
    report('entry.uniqueIdentifier', `uniqueIdentifier ${quote(id)} must be a path into the entry event's properties, e.g. properties.Application_id`);
  }
  if (entry.mode === 'ONCE') {
    report('entry.uniqueIdentifier', 'uniqueIdentifier only applies when users re-enter (mode REENTER_EVERY_TIME)');
  }
}

export function checkGoal(goal: Goal, report: Report): void {
  if (!goal.match) report('goal.match', 'the goal needs an event to match');
  else checkEventMatch(goal.match, 'goal.match', 'the goal', report);
  const target = goal.targetPercent;
  if (target !== undefined && !(typeof target === 'number' && target >= 0 && target <= 100)) {
    report('goal.targetPercent', `targetPercent must be between 0 and 100, not ${JSON.stringify(target)}`);
  }
}

/** The re-entry cool-down and the journey-wide entry limit. */
function checkEntryLimits(entry: EntryRules, report: Report): void {
  if (entry.cooldown !== undefined) {
    const ms = durationToMs(entry.cooldown);
    if (ms === null) report('entry.cooldown', `cooldown ${quote(String(entry.cooldown))} is not an ISO-8601 duration such as PT5M`);
    else if (ms > MAX_ENTRY_WINDOW_MS) report('entry.cooldown', `cooldown ${quote(entry.cooldown)} is longer than a year`);
    if (entry.mode === 'ONCE') report('entry.cooldown', 'cooldown only applies when users re-enter (mode REENTER_EVERY_TIME)');
  }
  const limit = entry.limit;
  if (limit === undefined) return;
  if (!Number.isInteger(limit.max) || limit.max < 1 || limit.max > MAX_ENTRY_LIMIT) {
    report('entry.limit.max', `limit.max must be a whole number from 1 to ${MAX_ENTRY_LIMIT}, not ${JSON.stringify(limit.max)}`);
  }
  if (limit.within !== undefined) {
    const ms = durationToMs(limit.within);
    if (ms === null) report('entry.limit.within', `limit.within ${quote(String(limit.within))} is not an ISO-8601 duration such as P1D; leave it out for a limit in total`);
    else if (ms > MAX_ENTRY_WINDOW_MS) report('entry.limit.within', `limit.within ${quote(limit.within)} is longer than a year; leave it out for a limit in total`);
  }
}

export function checkTransactional(transactional: unknown, report: Report): void {
  if (transactional !== undefined && typeof transactional !== 'boolean') report('transactional', 'transactional must be true or false');
}
