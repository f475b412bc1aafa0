import path from 'node:path';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { startTestApp, type TestApp } from '../harness/test-app';
import { destinationId, scheduleSend, settledDelivery } from './send-step';

/** Holds `batch-echo/`, whose action has performBatch. */
const BATCHING_PLUGINS = path.resolve(__dirname, '..', 'fixtures', 'plugins', 'batching');

describe('deliveries to an action with performBatch', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { pluginPaths: [BATCHING_PLUGINS], deliveryRetry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 } } });
    receiver = await startRecordingServer();
    // One result per item: the message "refuse" is refused for good, "busy" is to be retried.
    receiver.replyWith((req) => {
      const { items } = req.json as { items: { message: string }[] };
      const results = items.map(({ message }) =>
        message === 'refuse' ? { ok: false, permanent: true, error: `no such list for ${message}` } : message === 'busy' ? { ok: false, error: 'try later' } : { ok: true, id: message },
      );
      return { status: 200, body: { results } };
    });
  });
  afterAll(async () => {
    await receiver.close();
    await itinera.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  const batchSizes = () => receiver.requests.map((r) => (r.json as { items: unknown[] }).items.length);

  it('groups deliveries of one destination up to its batch size, and records each item’s outcome on its own delivery', async () => {
    const destination = await destinationId(itinera, { name: 'Batches of 3', plugin: 'batch-echo', settings: { url: receiver.url, batchSize: 3, batchMaxWaitMs: 1500 } });
    const messages = ['one', 'refuse', 'two', 'busy', 'three', 'four'];
    const sends = await Promise.all(messages.map((message, i) => scheduleSend(itinera, { destinationId: destination, action: 'send', stepKey: `batch_${i}`, mapping: { message } })));
    const settled = await Promise.all(sends.map((send) => settledDelivery(itinera, send.idempotencyKey)));

    expect(Object.fromEntries(messages.map((message, i) => [message, settled[i].status]))).toEqual({
      one: 'DELIVERED',
      refuse: 'FAILED',
      two: 'DELIVERED',
      busy: 'FAILED',
      three: 'DELIVERED',
      four: 'DELIVERED',
    });
    expect(settled[1]).toMatchObject({ attempts: 1, last_error: 'no such list for refuse' });
    expect(settled[3]).toMatchObject({ attempts: 2, last_error: 'try later' });
    // Never more than 3 per request, and grouped: 6 first attempts in fewer than 6 requests (+1 for the retry of "busy").
    expect(Math.max(...batchSizes())).toBeLessThanOrEqual(3);
    expect(batchSizes().reduce((a, b) => a + b, 0)).toBe(7);
    expect(receiver.requests.length).toBeLessThan(7);
  });

  it('uses the size a destination chose: with batchSize 1, one request per delivery', async () => {
    const destination = await destinationId(itinera, { name: 'One by one', plugin: 'batch-echo', settings: { url: receiver.url, batchSize: 1 } });
    const sends = await Promise.all(['a', 'b', 'c'].map((message, i) => scheduleSend(itinera, { destinationId: destination, action: 'send', stepKey: `single_${i}`, mapping: { message } })));
    for (const send of sends) expect(await settledDelivery(itinera, send.idempotencyKey)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    expect(batchSizes()).toEqual([1, 1, 1]);
  });
});
