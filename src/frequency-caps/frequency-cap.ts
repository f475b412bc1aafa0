import { durationToMs } from '../engine/duration';
import { quote, type Problem } from '../engine/problem';

/** At most `max` sends to one user within any span of `within`: to one destination, or to all of them. */
export interface FrequencyCap {
  max: number;
  /** ISO-8601 duration of the rolling window (`P1D`: any 24 hours, not the calendar day). */
  within: string;
  /** Absent: the cap counts the sends to every destination together. */
  destinationId?: string;
}

export const MAX_CAPS_PER_WORKSPACE = 20;
export const MAX_CAP_SENDS = 10_000;
/** Caps read the delivery records, which retention keeps 30 days by default. */
export const MAX_CAP_WINDOW_MS = 30 * 24 * 3600_000;

/** Every problem of a workspace's caps, with its path (`caps[1].within`). */
export function checkFrequencyCaps(caps: readonly FrequencyCap[], destinationIds: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  if (caps.length > MAX_CAPS_PER_WORKSPACE) problems.push({ path: 'caps', message: `at most ${MAX_CAPS_PER_WORKSPACE} caps per workspace, not ${caps.length}` });
  const seen = new Map<string, number>();
  caps.forEach((cap, i) => {
    const at = `caps[${i}]`;
    if (!Number.isInteger(cap.max) || cap.max < 1 || cap.max > MAX_CAP_SENDS) {
      problems.push({ path: `${at}.max`, message: `max must be a whole number from 1 to ${MAX_CAP_SENDS}, not ${JSON.stringify(cap.max)}` });
    }
    const ms = durationToMs(cap.within);
    if (ms === null) problems.push({ path: `${at}.within`, message: `within ${quote(cap.within)} is not an ISO-8601 duration such as P1D` });
    else if (ms > MAX_CAP_WINDOW_MS) problems.push({ path: `${at}.within`, message: `within ${quote(cap.within)} is longer than 30 days (P30D), what delivery records are kept for` });
    if (cap.destinationId != null && !destinationIds.has(cap.destinationId)) {
      problems.push({ path: `${at}.destinationId`, message: `unknown destination ${quote(cap.destinationId)}` });
    }
    const key = `${cap.destinationId ?? ''}|${ms ?? cap.within}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push({ path: at, message: `caps[${earlier}] already caps the same destinations over the same window` });
    else seen.set(key, i);
  });
  return problems;
}

/** A send already counted: its destination and how long ago it was queued (0 for one queued in this transaction). */
export interface CountedSend {
  destinationId: string;
  ageMs: number;
}

/**
 * Which of one user's sends, in the order their steps ran, each cap refuses (null: it goes). A send that
 * goes counts toward the following ones; a refused one counts toward nothing; a transactional one neither
 * is refused nor counts. `recent` is the user's counted sends; it is extended with those that go.
 */
export function decideSends(
  caps: readonly FrequencyCap[],
  recent: CountedSend[],
  sends: readonly { destinationId: string; transactional: boolean }[],
): (FrequencyCap | null)[] {
  const windows = caps.map((cap) => ({ cap, ms: durationToMs(cap.within) ?? 0 }));
  return sends.map((send) => {
    if (send.transactional) return null;
    const reached = windows.find(
      ({ cap, ms }) =>
        (cap.destinationId === undefined || cap.destinationId === send.destinationId) &&
        recent.filter((counted) => counted.ageMs < ms && (cap.destinationId === undefined || counted.destinationId === cap.destinationId)).length >= cap.max,
    );
    if (reached) return reached.cap;
    recent.push({ destinationId: send.destinationId, ageMs: 0 });
    return null;
  });
}

/** The longest window of the caps, in ms: how far back sends are read. */
export function longestWindowMs(caps: readonly FrequencyCap[]): number {
  return Math.max(0, ...caps.map((cap) => durationToMs(cap.within) ?? 0));
}
