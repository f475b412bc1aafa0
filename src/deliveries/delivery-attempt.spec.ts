import { PermanentError, RetryableError, type ActionDefinition, type PluginLogger } from '@itinera/plugin-kit';
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

describe('performAttempt with text PostgreSQL cannot store', () => {
  it('replaces NUL characters and unpaired surrogates in responses and errors with U+FFFD', async () => {
    const delivered = await performAttempt(actionDoing(async () => ({ status: 200, response: { 'k\u0000': 'a\u0000b', lone: '\uD800x', pair: '😀' } })), input, { deadlineMs: 1000 });
    const failed = await performAttempt(actionDoing(async () => { throw new RetryableError('HTTP 500: \u0000\uDC00'); }), input, { deadlineMs: 1000 });
    expect(delivered).toEqual({ result: 'delivered', status: 200, response: { 'k\uFFFD': 'a\uFFFDb', lone: '\uFFFDx', pair: '😀' } });
    expect(failed).toEqual({ result: 'retryable', error: 'HTTP 500: \uFFFD\uFFFD', status: null });
  });
});
