import type { Problem } from '../common/errors';

export const RATE_LIMIT_PERIODS = ['SECOND', 'MINUTE'] as const;
export type RateLimitPeriod = (typeof RATE_LIMIT_PERIODS)[number];

/** At most `max` deliveries to the destination per second (or minute), by all workers together. */
export interface RateLimit {
  max: number;
  per: RateLimitPeriod;
}

export const MAX_RATE = 100_000;
const PERIOD_MS: Record<RateLimitPeriod, number> = { SECOND: 1_000, MINUTE: 60_000 };

/** The gap kept between two attempts' starts: N per period, evenly spaced, so no span of a period holds more than N. */
export function spacingMs(limit: RateLimit): number {
  return PERIOD_MS[limit.per] / limit.max;
}

export function rateLimitProblems(limit: RateLimit | null | undefined): Problem[] {
  if (limit == null) return [];
  const problems: Problem[] = [];
  if (!Number.isInteger(limit.max) || limit.max < 1 || limit.max > MAX_RATE) {
    problems.push({ path: 'rateLimit.max', message: `rateLimit.max must be a whole number from 1 to ${MAX_RATE}, not ${JSON.stringify(limit.max)}` });
  }
  if (!RATE_LIMIT_PERIODS.includes(limit.per)) problems.push({ path: 'rateLimit.per', message: `rateLimit.per must be SECOND or MINUTE, not ${JSON.stringify(limit.per)}` });
  return problems;
}
