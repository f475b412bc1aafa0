import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { createDestination, destinationId, scheduleSend, settledDelivery, updateDestination } from '../deliveries/send-step';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Issue 14, retry policy: a destination's `Retry-After` on 429 or 503 is honoured (within the policy's
 * longest delay), and a header that can never be sent is refused when the destination is saved, not
 * retried ten times over an hour.
 */
describe('delivery retry policy towards a destination', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 } } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  it.each([
    ['429 with Retry-After in seconds', 429, () => '2'],
    // An HTTP date has whole seconds: the first whole second at least 2 s away, so none is cut off.
    ['503 with Retry-After as an HTTP date', 503, () => new Date(Math.ceil((Date.now() + 2_000) / 1_000) * 1_000).toUTCString()],
  ])('waits as long as a %s asks before the next attempt', async (_, status, retryAfter) => {
    receiver.requests.length = 0;
    let answered = 0;
    receiver.replyWith(() => (answered++ === 0 ? { status, headers: { 'retry-after': retryAfter() } } : { status: 200, body: { ok: true } }));
    const send = await scheduleSend(itinera, { destinationId: await destinationId(itinera, { name: `busy ${status}`, plugin: 'webhook', settings: { url: receiver.url } }) });

    expect(await settledDelivery(itinera, send.idempotencyKey)).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    const [first, second] = receiver.requests;
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1_900);
  });

  it('refuses, when saved, a header whose value holds a line break or another control character, without echoing it', async () => {
    const input = (value: string) => ({ name: 'bad header', plugin: 'webhook', settings: { url: receiver.url, headers: { Authorization: value } } });
    for (const value of ['Bearer abc\r\nX-Injected: 1', 'Bearer abc\u0007']) {
      const error = await itinera.graphql.error(createDestination, { input: input(value) });
      expect(error.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        problems: [{ path: 'settings.headers', message: 'header Authorization has a value with a control character (such as a line break or NUL), which cannot be sent' }],
      });
      expect(JSON.stringify(error)).not.toContain('Bearer abc');
    }
    const saved = await destinationId(itinera, input('Bearer abc'));
    const error = await itinera.graphql.error(updateDestination, { id: saved, input: input('Bearer abc\n') });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
