import type { ActionDefinition, AuthenticationDefinition, PerformInput, PerformResult, PluginLogger } from './destination';
import { isPermanentError, RetryableError } from './errors';
import { createRequestClient } from './request';
import { redactDeep, redactingLogger, redactSecrets } from './secrets';

/**
 * One delivery attempt as Itinera makes it, shared by the delivery worker, sendTestEvent and the kit's
 * test helper (`runDelivery`), so a plugin's tests exercise what production runs.
 */

/** What one call to `perform` came to; the type of what it threw decides between retryable and permanent. */
export type AttemptOutcome =
  | { result: 'delivered'; status: number | null; response: unknown }
  | { result: 'retryable' | 'permanent'; error: string; status: number | null; retryAfterMs?: number };

/** What `perform` gets, but the signal and the request client, which each attempt makes its own. */
export type AttemptInput = Omit<PerformInput, 'signal' | 'request'> & {
  /** The destination's secret values (`secretValues`), kept out of the stored error, response and logs. */
  secrets?: readonly string[];
};

export interface AttemptLimits {
  /** The longest any attempt may take, whatever the plugin's own timeout. */
  deadlineMs: number;
  /** Aborts the attempt early (worker shutdown). */
  signal?: AbortSignal;
}

/** No attempt runs longer, whatever the plugin's own timeout (the built-in plugins allow at most 60 s). */
export const PERFORM_DEADLINE_MS = 60_000;

/** Stored errors and responses are for people to read; a plugin must not be able to bloat the row. */
const MAX_ERROR_LENGTH = 2000;
const MAX_RESPONSE_JSON_LENGTH = 4096;

/**
 * Calls `action.perform` once and never throws: the type of what it threw decides between retryable and
 * permanent. The destination's secrets are redacted from the error, the response and the plugin's logs.
 * A plugin that ignores its signal is abandoned at the deadline: its promise may still settle later, but
 * the attempt is over and counted as retryable.
 */
export async function performAttempt(action: ActionDefinition, input: AttemptInput, limits: AttemptLimits): Promise<AttemptOutcome> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new RetryableError(`the destination did not finish within ${limits.deadlineMs} ms`)), limits.deadlineMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, deadline.signal]) : deadline.signal;
  const { secrets = [], ...given } = input;
  const performInput: PerformInput = { ...given, logger: redactingLogger(given.logger, secrets), signal, request: createRequestClient({ signal, secrets }) };
  try {
    const result = await Promise.race([Promise.resolve().then(() => action.perform(performInput)), rejectOnAbort(signal)]);
    return { result: 'delivered', status: numberOrNull(result?.status), response: redactDeep(boundedResponse(result?.response), secrets) };
  } catch (error) {
    const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
    return {
      result: isPermanentError(error) ? 'permanent' : 'retryable',
      error: message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message || 'failed without a message',
      status: numberOrNull((error as { status?: unknown } | null)?.status),
      ...retryAfterOf(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function retryAfterOf(error: unknown): { retryAfterMs?: number } {
  const retryAfterMs = numberOrNull((error as { retryAfterMs?: unknown } | null)?.retryAfterMs);
  return retryAfterMs !== null && retryAfterMs >= 0 && !isPermanentError(error) ? { retryAfterMs } : {};
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The response as JSON when it is small and serialisable, else an excerpt of its text. */
export function boundedResponse(value: unknown): unknown {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return String(value).slice(0, MAX_RESPONSE_JSON_LENGTH);
  }
  if (text === undefined) return null;
  return text.length <= MAX_RESPONSE_JSON_LENGTH ? value : `${text.slice(0, MAX_RESPONSE_JSON_LENGTH)}…`;
}

/** What a test of a destination's credentials came to. `tested` is false when its plugin cannot test them. */
export type AuthenticationOutcome = { tested: true; ok: true; error: null } | { tested: boolean; ok: false; error: string };

/**
 * Runs a plugin's `testAuthentication` once with `settings` (defaults applied), within `limits` like a
 * delivery attempt, and never throws; the settings' secrets are redacted from the error and the logs.
 */
export async function runAuthenticationTest(
  authentication: AuthenticationDefinition | undefined,
  settings: Record<string, unknown>,
  context: { secrets: readonly string[]; logger: PluginLogger },
  limits: AttemptLimits,
): Promise<AuthenticationOutcome> {
  if (!authentication) return { tested: false, ok: false, error: 'this plugin has no authentication test' };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new RetryableError(`the destination did not answer within ${limits.deadlineMs} ms`)), limits.deadlineMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, deadline.signal]) : deadline.signal;
  const { secrets } = context;
  try {
    const input = { settings, signal, logger: redactingLogger(context.logger, secrets), request: createRequestClient({ signal, secrets }) };
    const accepted = await Promise.race([Promise.resolve().then(() => authentication.testAuthentication(input)), rejectOnAbort(signal)]);
    if (accepted === false) return { tested: true, ok: false, error: 'the destination refused the credentials' };
    return { tested: true, ok: true, error: null };
  } catch (error) {
    const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
    return { tested: true, ok: false, error: message.slice(0, MAX_ERROR_LENGTH) || 'failed without a message' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One call to `action.performBatch` for several deliveries of one destination (same settings), made like
 * `performAttempt`, and one outcome per item in order: an item's `Error` is classified by its type, a
 * throw (or a wrong number of results) gives every item the same outcome.
 */
export async function performBatchAttempt(
  action: ActionDefinition,
  inputs: AttemptInput[],
  limits: AttemptLimits,
): Promise<AttemptOutcome[]> {
  const [first] = inputs;
  let results: unknown[] = [];
  // The batch call is one attempt (deadline, request client, redaction, classification of a throw) ...
  const batch: ActionDefinition = {
    ...action,
    perform: async ({ settings, logger, signal, request }) => {
      const items = inputs.map(({ payload, idempotencyKey, stepKey, journeyId, instanceId, userId, eventName }) => ({ payload, idempotencyKey, stepKey, journeyId, instanceId, userId, eventName }));
      const answered = await action.performBatch!({ items, payloads: items.map((item) => item.payload), settings, logger, signal, request });
      if (!Array.isArray(answered) || answered.length !== inputs.length) {
        throw new RetryableError(`performBatch returned ${Array.isArray(answered) ? answered.length : 'no'} results for ${inputs.length} payloads`);
      }
      results = answered;
    },
  };
  const outcome = await performAttempt(batch, first, limits);
  if (outcome.result !== 'delivered') return inputs.map(() => outcome);
  // ... and each item's result is classified as if its own perform had returned or thrown it.
  return Promise.all(
    results.map((result) =>
      performAttempt({ ...action, perform: async () => { if (result instanceof Error) throw result; return result as PerformResult | void; } }, first, limits),
    ),
  );
}
