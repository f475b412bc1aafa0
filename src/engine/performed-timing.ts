import { requireDurationMs } from './duration';
import type { Performed } from './definition';
import { performedClauseKey, performedHolds } from './condition';

/** Per `performedClauseKey`: epoch milliseconds of the user's matching events, ascending. */
export type PerformedEventTimes = Record<string, number[]>;

/** The clause's count at `at`, as the runtime counts: events stamped within `[at - within, at]` (or ever, up to `at`). */
export function performedCountAt(clause: Performed, times: PerformedEventTimes, at: number): number {
  const sorted = times[performedClauseKey(clause)] ?? [];
  const since = clause.within ? at - requireDurationMs(clause.within) : -Infinity;
  return upperBound(sorted, at) - lowerBound(sorted, since);
}

/**
 * The first instant after `at` at which one of the clauses starts or stops holding by time alone, or null
 * when only new events can change them. A count changes only when an event leaves a window (1 ms after
 * `t + within`) or an event stamped in the future comes due (at `t`); those instants are checked in order.
 * A clause flipping may leave the whole condition as it was: callers then look once for nothing, never too late.
 */
export function nextPerformedChangeAt(clauses: Performed[], times: PerformedEventTimes, at: number): number | null {
  const flips = clauses.map((clause) => nextFlipOf(clause, times, at)).filter((t): t is number => t !== null);
  return flips.length ? Math.min(...flips) : null;
}

function nextFlipOf(clause: Performed, times: PerformedEventTimes, at: number): number | null {
  const sorted = times[performedClauseKey(clause)] ?? [];
  const windowMs = clause.within ? requireDurationMs(clause.within) : null;
  const holdsNow = performedHolds(clause, performedCountAt(clause, times, at));
  const candidates = [...sorted.filter((t) => t > at), ...(windowMs === null ? [] : sorted.map((t) => t + windowMs + 1).filter((t) => t > at))].sort(
    (a, b) => a - b,
  );
  return candidates.find((instant) => performedHolds(clause, performedCountAt(clause, times, instant)) !== holdsNow) ?? null;
}

/** Index of the first element >= value. */
function lowerBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first element > value. */
function upperBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
