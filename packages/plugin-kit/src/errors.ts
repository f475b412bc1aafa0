/**
 * How a plugin says what should happen after a failed attempt: the error's type decides, never its message.
 */

/** Extra detail for either error: the HTTP status that caused it and the underlying error. */
export interface DeliveryErrorOptions {
  status?: number;
  cause?: unknown;
}

/** For a retryable error: when the destination asked to be called again (`Retry-After`), as a delay or a time. */
export interface RetryableErrorOptions extends DeliveryErrorOptions {
  retryAfterMs?: number;
  /** The same as `retryAfterMs`, as a point in time (e.g. a rate limit's reset time); a past time means now. */
  retryAt?: Date;
}

// A plugin loaded from ITINERA_PLUGIN_PATHS may bundle its own copy of the kit, where `instanceof` fails;
// a registry-wide symbol still recognises its errors.
const PERMANENT = Symbol.for('itinera.plugin-kit.PermanentError');

/** The attempt failed but may succeed later (timeout, 5xx, 429): the delivery is retried with backoff. */
export class RetryableError extends Error {
  readonly status?: number;
  /** The next attempt waits at least this long (within the retry policy's longest delay). */
  readonly retryAfterMs?: number;

  constructor(message: string, options: RetryableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RetryableError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs ?? (options.retryAt ? Math.max(0, options.retryAt.getTime() - Date.now()) : undefined);
  }
}

/** Retrying cannot help (bad request, unknown recipient, invalid payload): the delivery fails at once. */
export class PermanentError extends Error {
  readonly status?: number;
  readonly [PERMANENT] = true;

  constructor(message: string, options: DeliveryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PermanentError';
    this.status = options.status;
  }
}

/** True for a `PermanentError`; anything else a plugin throws counts as retryable. */
export function isPermanentError(error: unknown): error is PermanentError {
  return error instanceof PermanentError || (typeof error === 'object' && error !== null && PERMANENT in error);
}
