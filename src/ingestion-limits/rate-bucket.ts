/**
 * A token bucket refilled at `ratePerSecond`, holding at most one second's worth. `takeAll` may run into
 * debt, so a request bigger than the bucket (a batch of 500 under a limit of 100/s) still gets through
 * when the bucket is full, and the debt makes the next ones wait: the average stays at the rate.
 */
export class RateBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    now: number,
  ) {
    this.tokens = ratePerSecond;
    this.updatedAt = now;
  }

  /** Takes `count` at once if the bucket is not in debt; else returns the seconds to wait (at least 1). */
  takeAll(count: number, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens <= 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond)) };
    this.tokens -= count;
    return { ok: true };
  }

  /** Takes one if there is one. */
  takeOne(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Full again: nothing to remember about its owner. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.ratePerSecond;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}
