import { DEFAULT_DELIVERY_RETRY } from '../config/app-config';
import { mayRetry, nextAttemptDelayMs, retryDelayMs } from './delivery-retry';

describe('delivery retry policy', () => {
  const fast = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1000 };

  it('doubles the delay after each failed attempt, up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(fast, attempts))).toEqual([200, 400, 800, 1000, 1000]);
  });

  it('spreads the default 10 attempts over about an hour', () => {
    const total = Array.from({ length: DEFAULT_DELIVERY_RETRY.maxAttempts - 1 }, (_, i) => retryDelayMs(DEFAULT_DELIVERY_RETRY, i + 1)).reduce((a, b) => a + b);
    expect(total / 3_600_000).toBeGreaterThan(0.5);
    expect(total / 3_600_000).toBeLessThan(1.5);
  });

  it('never overflows for absurd attempt counts', () => {
    expect(retryDelayMs(fast, 5000)).toBe(1000);
  });

  it('retries while fewer than maxAttempts attempts were made', () => {
    expect(mayRetry(fast, 3)).toBe(true);
    expect(mayRetry(fast, 4)).toBe(false);
  });
});

describe('nextAttemptDelayMs', () => {
  const fast = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1000 };

  it('waits as long as Retry-After asks when that is longer than the backoff, within the longest delay', () => {
    expect(nextAttemptDelayMs(fast, 1)).toBe(200);
    expect(nextAttemptDelayMs(fast, 1, 700)).toBe(700);
    expect(nextAttemptDelayMs(fast, 3, 100)).toBe(800);
    expect(nextAttemptDelayMs(fast, 1, 3_600_000)).toBe(1000);
  });
});
