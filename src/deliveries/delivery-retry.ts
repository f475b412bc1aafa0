import type { DeliveryRetryPolicy } from '../config/app-config';

/** Delay before the next attempt after `attemptsMade` attempts: `baseDelayMs · 2^(attemptsMade − 1)`, at most `maxDelayMs`. */
export function retryDelayMs(policy: DeliveryRetryPolicy, attemptsMade: number): number {
  // 2^n overflows to Infinity long before it matters; min() keeps the cap exact.
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), policy.maxDelayMs);
}

/**
 * The delay before the next attempt: the backoff, or longer when the destination asked for it
 * (`Retry-After`), but never past the policy's longest delay.
 */
export function nextAttemptDelayMs(policy: DeliveryRetryPolicy, attemptsMade: number, retryAfterMs?: number): number {
  return Math.max(retryDelayMs(policy, attemptsMade), Math.min(retryAfterMs ?? 0, policy.maxDelayMs));
}

/** A retryable failure is retried while the attempts made are fewer than `maxAttempts` (the first one included). */
export function mayRetry(policy: DeliveryRetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < policy.maxAttempts;
}
