import { Analytics } from '@segment/analytics-node';
import { startTestApp, TestApp } from '../harness/test-app';

// Sample events from the seed documents (000: forwarding and application abandonment).
const orderConfirmation = {
  userId: '99',
  event: 'Order_Confirmation',
  properties: { productId: '001', productName: 'T-Shirt', productPrice: '$55.34', cart_ID: '123456', scenario: '01 Ordered Product' },
};

describe('ingestion API', () => {
  let itinera: TestApp;

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  const eventsOf = async (userId: string) =>
    (await itinera.db.query('SELECT * FROM events WHERE user_id = $1 ORDER BY seq', [userId])).rows;

  describe('with @segment/analytics-node pointed at the server', () => {
    it('stores track, identify, page and batched calls, and merges traits into the profile', async () => {
      // One batch: separate batches travel concurrently, so their order is the client's to guarantee, not ours.
      const analytics = new Analytics({ writeKey: itinera.workspace.writeKey, host: itinera.url, maxEventsInBatch: 20, flushInterval: 10_000 });
      const failures: unknown[] = [];
      analytics.on('error', (error) => failures.push(error));

      analytics.identify({ userId: 'segment-88', traits: { first_name: 'Ada', plan: 'trial' } });
      analytics.track({ userId: 'segment-88', event: 'Application_Started', properties: { Application_id: '1234', Tier: 'Premium' } });
      analytics.page({ userId: 'segment-88', name: 'Pricing', properties: { path: '/pricing' } });
      analytics.identify({ userId: 'segment-88', traits: { plan: 'paid' } });
      analytics.track({ anonymousId: 'anon-7', event: 'Cart_Viewed', properties: { cart_ID: '123' } });
      await analytics.closeAndFlush({ timeout: 10_000 });

      expect(failures).toEqual([]);
      const stored = await eventsOf('segment-88');
      expect(stored.map((e) => [e.type, e.event])).toEqual([
        ['identify', null],
        ['track', 'Application_Started'],
        ['page', 'Page Viewed'],
        ['identify', null],
      ]);
      expect(stored[1].properties).toEqual({ Application_id: '1234', Tier: 'Premium' });
      expect(stored[2].properties).toMatchObject({ name: 'Pricing', path: '/pricing' });
      expect(stored[1].context.library.name).toBe('@segment/analytics-node');

      const { profile } = await itinera.graphql.query(`{ profile(userId: "segment-88") { userId traits } }`);
      expect(profile).toEqual({ userId: 'segment-88', traits: { first_name: 'Ada', plan: 'paid' } });
      expect((await eventsOf('anon-7')).map((e) => [e.event, e.anonymous_id])).toEqual([['Cart_Viewed', 'anon-7']]);
    });
  });

  describe('authentication', () => {
    it('accepts the write key as HTTP Basic user, as a Bearer token, and as a writeKey body field', async () => {
      const { ingestion, writeKey } = { ingestion: itinera.ingestion, writeKey: itinera.workspace.writeKey };
      const basic = await ingestion.post('/v1/track', { ...orderConfirmation, userId: 'auth-1' });
      const bearer = await ingestion.post('/v1/track', { ...orderConfirmation, userId: 'auth-2' }, { authorization: `Bearer ${writeKey}` });
      const field = await ingestion.post('/v1/track', { ...orderConfirmation, userId: 'auth-3', writeKey }, {});
      expect([basic.status, bearer.status, field.status]).toEqual([200, 200, 200]);
      expect(basic.body).toEqual({ success: true });
    });

    it('answers 401 for a missing key and for a wrong key, storing nothing', async () => {
      const missing = await itinera.ingestion.post('/v1/track', { ...orderConfirmation, userId: 'auth-x' }, {});
      const wrong = await itinera.ingestion.post('/v1/track', { ...orderConfirmation, userId: 'auth-x' }, { authorization: 'Bearer itn_wk_nope' });
      expect(missing.status).toBe(401);
      expect(missing.body.errors[0].message).toMatch(/write key is required/);
      expect(wrong.status).toBe(401);
      expect(wrong.body.errors[0].message).toMatch(/unknown write key/);
      expect(await eventsOf('auth-x')).toHaveLength(0);
    });
  });

  describe('bad input', () => {
    it('refuses a message with neither userId nor anonymousId', async () => {
      const result = await itinera.ingestion.track({ event: 'Order_Confirmation' });
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ path: 'userId', message: 'userId or anonymousId is required' }]);
    });

    it('refuses a track call without an event', async () => {
      const result = await itinera.ingestion.track({ userId: 'bad-1', properties: {} });
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ path: 'event', message: 'event is required for track calls' }]);
    });

    it('refuses a timestamp past the year 9999, which PostgreSQL cannot store, and stores nothing of the batch', async () => {
      const result = await itinera.ingestion.batch([
        { type: 'track', userId: 'bad-year', event: 'Application_Started' },
        { type: 'track', userId: 'bad-year', event: 'Application_Started', timestamp: '+010000-01-01T00:00:00.000Z' },
      ]);
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ index: 1, path: 'timestamp', message: 'timestamp must be a date between the years 1 and 9999' }]);
      expect(await eventsOf('bad-year')).toHaveLength(0);
    });

    it('refuses properties that are not an object, listing every problem of the message', async () => {
      const result = await itinera.ingestion.track({ userId: 'bad-2', event: '', properties: ['not', 'an', 'object'], timestamp: 'yesterday' });
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'event', message: 'event must not be empty' },
          { path: 'properties', message: 'properties must be a JSON object' },
          { path: 'timestamp', message: 'timestamp must be an ISO-8601 date string, such as 2024-05-01T10:00:00Z' },
        ]),
      );
      expect(result.body.errors).toHaveLength(3);
      expect(await eventsOf('bad-2')).toHaveLength(0);
    });

    it('answers 400 for malformed JSON', async () => {
      const result = await itinera.ingestion.post('/v1/track', '{"userId": "bad-3", "event": ');
      expect(result.status).toBe(400);
      expect(result.body.errors[0].message).toMatch(/malformed JSON/);
    });

    it('answers 413 for a message over 32 KB and for a request over 500 KB', async () => {
      const bigMessage = await itinera.ingestion.track({ userId: 'big-1', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } });
      expect(bigMessage.status).toBe(413);
      expect(bigMessage.body.errors[0].message).toMatch(/larger than 32 KB/);

      const manyMessages = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: 'big-2', event: 'Big', properties: { i, blob: 'y'.repeat(30 * 1024) } }));
      const bigRequest = await itinera.ingestion.batch(manyMessages);
      expect(bigRequest.status).toBe(413);
      expect(bigRequest.body.errors[0].message).toMatch(/larger than 500 KB/);
      expect(await eventsOf('big-1')).toHaveLength(0);
      expect(await eventsOf('big-2')).toHaveLength(0);
    });

    it('stores none of a batch that has one bad message, and names its index', async () => {
      const result = await itinera.ingestion.batch([
        { type: 'track', userId: 'batch-1', event: 'Cart_Viewed', properties: { cart_ID: '123' } },
        { type: 'identify', userId: 'batch-1', traits: { email: 'a@example.com' } },
        { type: 'track', userId: 'batch-1', properties: { cart_ID: '123' } },
        { type: 'track', userId: 'batch-1', event: 'Checkout_Completed' },
      ]);
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ index: 2, path: 'event', message: 'event is required for track calls' }]);
      expect(await eventsOf('batch-1')).toHaveLength(0);
      expect(await itinera.graphql.query(`{ profile(userId: "batch-1") { traits } }`)).toEqual({ profile: null });
    });
  });

  describe('deduplication and order', () => {
    it('stores a messageId once, also when it is sent again or twice in one batch', async () => {
      const message = { ...orderConfirmation, userId: 'dup-1', messageId: 'msg-dup-1' };
      expect((await itinera.ingestion.track(message)).status).toBe(200);
      expect((await itinera.ingestion.track(message)).status).toBe(200);
      const batch = await itinera.ingestion.batch([
        { ...message, type: 'track' },
        { ...message, type: 'track', messageId: 'msg-dup-2' },
        { ...message, type: 'track', messageId: 'msg-dup-2' },
      ]);
      expect(batch.status).toBe(200);
      expect((await eventsOf('dup-1')).map((e) => e.message_id)).toEqual(['msg-dup-1', 'msg-dup-2']);
    });

    it('keeps the timestamp as sent, sets receivedAt, and stores a batch in its order', async () => {
      const sentAt = '2024-05-01T10:00:00.000Z';
      await itinera.ingestion.batch(
        ['Product_Viewed', 'Product_Added', 'Cart_Viewed', 'Checkout_Started'].map((event) => ({ type: 'track', userId: 'order-1', event, timestamp: sentAt })),
      );
      const stored = await eventsOf('order-1');
      expect(stored.map((e) => e.event)).toEqual(['Product_Viewed', 'Product_Added', 'Cart_Viewed', 'Checkout_Started']);
      expect(stored[0].timestamp.toISOString()).toBe(sentAt);
      expect(Date.now() - stored[0].received_at.getTime()).toBeLessThan(60_000);
    });
  });
});
