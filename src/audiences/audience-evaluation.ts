import {
  evaluateCondition,
  nextPerformedChangeAt,
  performedClausesOf,
  type JourneyContext,
  type PerformedEventTimes,
} from '../engine';
import type { Condition } from '../engine/definition';

export interface AudienceVerdict {
  member: boolean;
  /**
   * The earliest instant at which the verdict may change with no new event or trait (a counted event
   * leaving a window, or an event stamped in the future coming due); null when only new data can change it.
   */
  recheckAt: Date | null;
}

/** Audience filters read traits only (validation keeps their paths to `traits.`), so the rest of a journey context is empty. */
const NO_JOURNEY = {} as JourneyContext;

/** Whether a profile with `traits` and these event times belongs to the audience at `now`, and until when that is sure to stay so. */
export function evaluateAudience(condition: Condition, traits: Record<string, unknown>, times: PerformedEventTimes, now: Date): AudienceVerdict {
  const clauses = performedClausesOf(condition);
  const at = now.getTime();
  const member = evaluateCondition(condition, NO_JOURNEY, { now: now.toISOString(), traits, performedTimes: times });
  const recheckAt = nextPerformedChangeAt(clauses, times, at);
  return { member, recheckAt: recheckAt === null ? null : new Date(recheckAt) };
}

/** Holds for a profile with no traits and no events: such an audience can admit a profile on its first contact. */
export function holdsWhenEmpty(condition: Condition): boolean {
  return evaluateAudience(condition, {}, {}, new Date()).member;
}
