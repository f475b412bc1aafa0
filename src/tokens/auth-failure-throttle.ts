import { Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 100_000;

/**
 * Slows down guessing: an address that presented more than `authFailuresPerMinute` wrong API tokens or
 * write keys in a minute gets 429 with Retry-After until its minute is over, before any database lookup.
 * Counted per process, by the socket's remote address.
 */
@Injectable()
export class AuthFailureThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  recordFailure(address: string | undefined, now = Date.now()): void {
    if (!address || this.config.authFailuresPerMinute <= 0) return;
    const entry = this.failures.get(address);
    if (!entry || entry.since + WINDOW_MS <= now) {
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.dropExpired(now);
      this.failures.set(address, { count: 1, since: now });
    } else {
      entry.count++;
    }
  }

  /** Seconds until `address` may try again, or 0 when it is not throttled. */
  retryAfterSeconds(address: string | undefined, now = Date.now()): number {
    const entry = address ? this.failures.get(address) : undefined;
    if (!entry || this.config.authFailuresPerMinute <= 0 || entry.count < this.config.authFailuresPerMinute) return 0;
    const remaining = entry.since + WINDOW_MS - now;
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  /**
   * Express middleware for /graphql and /v1: answers 429 to a throttled address, and counts every 401 of
   * the ingestion API (wrong write key) as a failure. GraphQL counts its own failures (it answers 200).
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const ingestion = req.path.startsWith('/v1/');
    if (!ingestion && req.path !== '/graphql') return next();
    const address = req.socket.remoteAddress;
    const retryAfter = this.retryAfterSeconds(address);
    if (retryAfter > 0) {
      res.status(429).set('Retry-After', String(retryAfter)).json({ errors: [{ path: '', message: 'too many requests with a wrong token or write key; retry later' }] });
      return;
    }
    if (ingestion) res.once('finish', () => res.statusCode === 401 && this.recordFailure(address));
    next();
  };

  private dropExpired(now: number): void {
    for (const [address, entry] of this.failures) if (entry.since + WINDOW_MS <= now) this.failures.delete(address);
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.clear();
  }
}
