import { PermanentError, RetryableError, secretValues, type ActionDefinition, type PluginLogger } from '@itinera/plugin-kit';
import { performAttempt } from './delivery-attempt';

const logger: PluginLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const input = {
  payload: { data: { Application_id: '1234' } },
  settings: {},
  idempotencyKey: 'instance-88-1234:application_nudge:1',
  stepKey: 'application_nudge',
  journeyId: 'journey-application-nudge',
  instanceId: 'instance-88-1234',
  userId: '88',
  logger,
};
const actionDoing = (perform: ActionDefinition['perform']): ActionDefinition => ({ title: 'Send', fields: {}, perform });

describe('performAttempt', () => {
  it('reports the status and response of a resolved perform', async () => {
    const outcome = await performAttempt(actionDoing(async () => ({ status: 202, response: { queued: true } })), input, { deadlineMs: 1000 });
    expect(outcome).toEqual({ result: 'delivered', status: 202, response: { queued: true } });
  });

  it('classifies by the type of the error: PermanentError is permanent, anything else retryable', async () => {
    const permanent = await performAttempt(actionDoing(async () => { throw new PermanentError('unknown recipient', { status: 404 }); }), input, { deadlineMs: 1000 });
    const retryable = await performAttempt(actionDoing(async () => { throw new RetryableError('busy', { status: 503 }); }), input, { deadlineMs: 1000 });
    const plain = await performAttempt(actionDoing(() => { throw new TypeError('x is undefined'); }), input, { deadlineMs: 1000 });
    expect(permanent).toEqual({ result: 'permanent', error: 'unknown recipient', status: 404 });
    expect(retryable).toEqual({ result: 'retryable', error: 'busy', status: 503 });
    expect(plain).toEqual({ result: 'retryable', error: 'x is undefined', status: null });
  });

  it('gives up on a plugin that ignores its signal at the deadline, as retryable', async () => {
    const outcome = await performAttempt(actionDoing(() => new Promise(() => undefined)), input, { deadlineMs: 50 });
    expect(outcome).toEqual({ result: 'retryable', error: 'the destination did not finish within 50 ms', status: null });
  });

  it('aborts the signal handed to perform when the caller aborts', async () => {
    const shutdown = new AbortController();
    let seen: AbortSignal | undefined;
    const pending = performAttempt(
      actionDoing(({ signal }) => {
        seen = signal;
        return new Promise(() => undefined);
      }),
      input,
      { deadlineMs: 10_000, signal: shutdown.signal },
    );
    shutdown.abort(new RetryableError('the worker shut down during the attempt'));
    expect(await pending).toMatchObject({ result: 'retryable', error: 'the worker shut down during the attempt' });
    expect(seen?.aborted).toBe(true);
  });

  it('keeps a huge response as a bounded excerpt', async () => {
    const outcome = await performAttempt(actionDoing(async () => ({ status: 200, response: 'x'.repeat(100_000) })), input, { deadlineMs: 1000 });
    expect(outcome.result === 'delivered' && typeof outcome.response === 'string' && outcome.response.length).toBeLessThan(5000);
  });
});

describe('performAttempt and secret settings', () => {
  const settings = { apiKey: 'sk_live_0123456789', headers: { Authorization: 'Bearer tok_abcdefgh12345' } };
  const secrets = secretValues({ apiKey: { type: 'string', secret: true }, headers: { type: 'object', secret: true } }, settings);

  it('redacts them from the stored error, the stored response and what the plugin logs', async () => {
    const lines: unknown[] = [];
    const capture: PluginLogger = { info: (...line) => lines.push(line), warn: (...line) => lines.push(line), error: (...line) => lines.push(line) };
    const leaky = (outcome: 'throw' | 'resolve') =>
      actionDoing(async ({ settings: given, logger }) => {
        const { apiKey, headers } = given as typeof settings;
        logger.info(`calling with ${apiKey}`, { auth: headers.Authorization, nested: [{ key: apiKey }] });
        if (outcome === 'throw') throw new PermanentError(`rejected key ${apiKey}`, { status: 401 });
        return { status: 200, response: { echoed: `tok_abcdefgh12345 and ${apiKey}` } };
      });
    const failed = await performAttempt(leaky('throw'), { ...input, settings, logger: capture, secrets }, { deadlineMs: 1000 });
    const delivered = await performAttempt(leaky('resolve'), { ...input, settings, logger: capture, secrets }, { deadlineMs: 1000 });
    expect(failed).toEqual({ result: 'permanent', error: 'rejected key [redacted]', status: 401 });
    expect(delivered).toEqual({ result: 'delivered', status: 200, response: { echoed: '[redacted] and [redacted]' } });
    expect(lines[0]).toEqual(['calling with [redacted]', { auth: '[redacted]', nested: [{ key: '[redacted]' }] }]);
    expect(JSON.stringify(lines)).not.toMatch(/sk_live|tok_abc/);
  });

  it('hands perform a request client and passes on the delay a RetryableError carries', async () => {
    const retryAt = new Date(Date.now() + 30_000);
    const outcome = await performAttempt(
      actionDoing(async ({ request }) => {
        expect(typeof request).toBe('function');
        throw new RetryableError('rate limited', { status: 429, retryAt });
      }),
      input,
      { deadlineMs: 1000 },
    );
    expect(outcome).toMatchObject({ result: 'retryable', status: 429 });
    expect(outcome.result === 'retryable' && outcome.retryAfterMs).toBeGreaterThan(29_000);
  });
});

describe('performAttempt with text PostgreSQL cannot store', () => {
  it('replaces NUL characters and unpaired surrogates in responses and errors with U+FFFD', async () => {
    const delivered = await performAttempt(actionDoing(async () => ({ status: 200, response: { 'k\u0000': 'a\u0000b', lone: '\uD800x', pair: '😀' } })), input, { deadlineMs: 1000 });
    const failed = await performAttempt(actionDoing(async () => { throw new RetryableError('HTTP 500: \u0000\uDC00'); }), input, { deadlineMs: 1000 });
    expect(delivered).toEqual({ result: 'delivered', status: 200, response: { 'k\uFFFD': 'a\uFFFDb', lone: '\uFFFDx', pair: '😀' } });
    expect(failed).toEqual({ result: 'retryable', error: 'HTTP 500: \uFFFD\uFFFD', status: null });
  });
});
