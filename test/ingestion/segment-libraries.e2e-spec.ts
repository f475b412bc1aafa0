import { Analytics } from '@segment/analytics-node';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, instancesOf, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * What Segment's own libraries send, beyond the server-side shape: every call type in one batch
 * (analytics-node, mobile), the browser library's short endpoints with text/plain bodies, CORS, the
 * settings the browser library loads first, and clock-skew correction with sentAt.
 * The real browser library runs in test/ingestion/browser-library.e2e-spec.ts.
 */
describe('Segment libraries', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let journeyId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    journeyId = (await publishJourney(itinera.graphql, loadExample('01-order-confirmation-forwarding.json', { destinationId: webhook }))).id;
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const eventsOf = async (userId: string) => (await itinera.db.query('SELECT * FROM events WHERE user_id = $1 ORDER BY seq', [userId])).rows;
  const traitsOf = async (userId: string) => (await itinera.db.query('SELECT traits FROM profiles WHERE user_id = $1', [userId])).rows[0]?.traits;
  const deliveriesTo = (userId: string) => receiver.requests.map((r) => r.json as any).filter((body) => body?.userId === userId);
  const order = (cart: string) => ({ event: 'Order_Confirmation', properties: { productId: '001', productName: 'T-Shirt', productPrice: '$55.34', cart_ID: cart } });

  describe('every call type in a batch (issue 12)', () => {
    it('applies every track sent by analytics-node between group, alias and screen calls', async () => {
      const analytics = new Analytics({ writeKey: itinera.workspace.writeKey, host: itinera.url, maxEventsInBatch: 50, flushInterval: 10_000 });
      const failures: unknown[] = [];
      analytics.on('error', (error) => failures.push(error));

      analytics.identify({ anonymousId: 'anon-lib-1', traits: { first_name: 'Ada', email: 'ada@example.com' } });
      analytics.track({ userId: 'lib-1', ...order('c1') });
      analytics.group({ userId: 'lib-1', groupId: 'acme', traits: { name: 'Acme Inc', employees: 40 } });
      analytics.track({ userId: 'lib-1', ...order('c2') });
      analytics.alias({ userId: 'lib-1', previousId: 'anon-lib-1' });
      analytics.track({ userId: 'lib-1', ...order('c3') });
      analytics.screen({ userId: 'lib-1', name: 'Order Details', properties: { cart_ID: 'c3' } });
      analytics.track({ userId: 'lib-1', ...order('c4') });
      await analytics.closeAndFlush({ timeout: 10_000 });

      expect(failures).toEqual([]);
      expect((await eventsOf('lib-1')).map((e) => [e.type, e.event])).toEqual([
        ['track', 'Order_Confirmation'],
        ['track', 'Order_Confirmation'],
        ['track', 'Order_Confirmation'],
        ['screen', 'Screen Viewed'],
        ['track', 'Order_Confirmation'],
      ]);
      expect((await eventsOf('lib-1'))[3].properties).toEqual({ name: 'Order Details', cart_ID: 'c3' });
      // Applied: one instance and one delivery per track, in order; the alias brought the anonymous traits.
      const delivered = await waitFor(() => (deliveriesTo('lib-1').length >= 4 ? deliveriesTo('lib-1') : undefined), { what: '4 deliveries to lib-1' });
      expect(delivered.map((d) => d.data.order.cart_ID).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
      expect(await instancesOf(itinera.db, journeyId, 'lib-1')).toHaveLength(4);
      expect(await traitsOf('lib-1')).toEqual({ first_name: 'Ada', email: 'ada@example.com' });
    });

    it('acknowledges a message type it does not know and stores the rest of the batch', async () => {
      const result = await itinera.ingestion.batch([
        { type: 'track', userId: 'lib-2', ...order('d1') },
        { type: 'experiment_viewed', userId: 'lib-2', experiment: 'blue-button' },
        { type: 'track', userId: 'lib-2', ...order('d2') },
      ]);
      expect(result.status).toBe(200);
      expect((await eventsOf('lib-2')).map((e) => e.properties.cart_ID)).toEqual(['d1', 'd2']);
    });

    it('still refuses the whole batch when a known message is malformed, naming it', async () => {
      const result = await itinera.ingestion.batch([
        { type: 'track', userId: 'lib-3', ...order('e1') },
        { type: 'group', userId: 'lib-3' },
        { type: 'alias', userId: 'lib-3' },
      ]);
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([
        { index: 1, path: 'groupId', message: 'groupId must be a string or a number' },
        { index: 2, path: 'previousId', message: 'previousId must be a string or a number' },
      ]);
      expect(await eventsOf('lib-3')).toHaveLength(0);
    });
  });

  describe('mobile libraries (analytics-kotlin, analytics-swift, React Native)', () => {
    it('stores a /v1/b batch in their shape, correcting the device clock by sentAt, once per messageId', async () => {
      // The device's clock is one hour fast: timestamps and sentAt are both ahead by that much.
      const skew = 60 * 60 * 1000;
      const deviceNow = Date.now() + skew;
      const at = (msBeforeSend: number) => new Date(deviceNow - msBeforeSend).toISOString();
      const context = {
        app: { name: 'Shop', version: '3.2.1', build: '321', namespace: 'com.example.shop' },
        device: { id: 'device-1', manufacturer: 'Google', model: 'Pixel 8', type: 'android' },
        os: { name: 'Android', version: '14' },
        library: { name: 'analytics-kotlin', version: '1.16.0' },
        locale: 'en-US',
        network: { wifi: true },
        screen: { density: 2.75, height: 2400, width: 1080 },
        timezone: 'Europe/Paris',
        traits: { anonymousId: 'device-anon-1' },
      };
      const common = { anonymousId: 'device-anon-1', userId: 'mobile-1', context, integrations: {}, _metadata: { bundled: [], unbundled: [], bundledIds: [] } };
      const body = {
        batch: [
          { ...common, type: 'identify', messageId: 'kt-1', timestamp: at(3_000), traits: { email: 'grace@example.com', first_name: 'Grace' } },
          { ...common, type: 'screen', messageId: 'kt-2', timestamp: at(2_000), name: 'Cart', properties: { items: 2 } },
          { ...common, type: 'track', messageId: 'kt-3', timestamp: at(1_000), ...order('m1') },
        ],
        sentAt: new Date(deviceNow).toISOString(),
        writeKey: itinera.workspace.writeKey,
      };
      const post = () => itinera.ingestion.post('/v1/b', JSON.stringify(body), { 'content-type': 'text/plain', authorization: itinera.ingestion.authHeaders().authorization });
      const receivedFrom = Date.now();
      expect((await post()).status).toBe(200);
      expect((await post()).status).toBe(200); // a retry after a lost answer

      const stored = await eventsOf('mobile-1');
      expect(stored.map((e) => [e.type, e.event, e.message_id])).toEqual([
        ['identify', null, 'kt-1'],
        ['screen', 'Screen Viewed', 'kt-2'],
        ['track', 'Order_Confirmation', 'kt-3'],
      ]);
      const track = stored[2];
      expect(track.original_timestamp.toISOString()).toBe(at(1_000));
      // receivedAt - (sentAt - timestamp): one second before the server received it, on the server's clock.
      expect(track.timestamp.getTime()).toBeGreaterThanOrEqual(receivedFrom - 1_000 - 5);
      expect(track.timestamp.getTime()).toBeLessThanOrEqual(Date.now() - 1_000 + 5);
      expect(stored[0].timestamp.getTime() - track.timestamp.getTime()).toBe(-2_000);
      expect(track.context.library.name).toBe('analytics-kotlin');
      expect(await traitsOf('mobile-1')).toEqual({ email: 'grace@example.com', first_name: 'Grace' });
      const [delivery] = await waitFor(() => (deliveriesTo('mobile-1').length ? deliveriesTo('mobile-1') : undefined), { what: 'a delivery to mobile-1' });
      expect(delivery.data).toMatchObject({ email: 'grace@example.com', greeting: 'Thanks for your order, Grace!' });
    });

    it('keeps the timestamp as sent when no sentAt comes with it', async () => {
      const result = await itinera.ingestion.batch([{ type: 'track', userId: 'mobile-2', event: 'Cart_Viewed', timestamp: '2024-05-01T10:00:00.000Z' }]);
      expect(result.status).toBe(200);
      const [stored] = await eventsOf('mobile-2');
      expect([stored.timestamp.toISOString(), stored.original_timestamp.toISOString()]).toEqual(['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z']);
    });
  });

  describe("the browser library's endpoints", () => {
    const writeKey = () => itinera.workspace.writeKey;
    const postText = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${itinera.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(body) });

    it('takes each call type at its first letter, a text/plain JSON body, and the write key in the body', async () => {
      const sentAt = new Date().toISOString();
      const base = { userId: 'web-1', anonymousId: 'web-anon-1', writeKey: writeKey(), sentAt, context: { page: { path: '/checkout' } } };
      const calls: [string, Record<string, unknown>][] = [
        ['/v1/i', { ...base, type: 'identify', traits: { plan: 'pro' } }],
        ['/v1/t', { ...base, type: 'track', ...order('w1') }],
        ['/v1/p', { ...base, type: 'page', name: 'Checkout', properties: { path: '/checkout' } }],
        ['/v1/s', { ...base, type: 'screen', name: 'Checkout' }],
        ['/v1/g', { ...base, type: 'group', groupId: 'acme' }],
        ['/v1/a', { ...base, type: 'alias', previousId: 'web-anon-1' }],
        ['/v1/b', { writeKey: writeKey(), sentAt, batch: [{ ...base, type: 'track', ...order('w2') }] }],
      ];
      for (const [path, body] of calls) expect([path, (await postText(path, body)).status]).toEqual([path, 200]);
      expect((await eventsOf('web-1')).map((e) => e.event ?? e.type)).toEqual(['identify', 'Order_Confirmation', 'Page Viewed', 'Screen Viewed', 'Order_Confirmation']);
    });

    it('answers clear 4xx there too: a malformed call, a wrong key, a malformed body', async () => {
      const missingEvent = await postText('/v1/t', { userId: 'web-2', writeKey: writeKey() });
      expect([missingEvent.status, await missingEvent.json()]).toEqual([400, { errors: [{ path: 'event', message: 'event is required for track calls' }] }]);
      expect((await postText('/v1/t', { userId: 'web-2', event: 'x', writeKey: 'itn_wk_nope' })).status).toBe(401);
      const malformed = await fetch(`${itinera.url}/v1/t`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"userId":' });
      expect(malformed.status).toBe(400);
      const tooBig = await postText('/v1/b', { writeKey: writeKey(), batch: Array.from({ length: 20 }, () => ({ type: 'track', userId: 'web-2', event: 'Big', properties: { blob: 'y'.repeat(30 * 1024) } })) });
      expect(tooBig.status).toBe(413);
      expect(await eventsOf('web-2')).toHaveLength(0);
    });

    it('stores a messageId once, as on the server-side path (a beacon resent after a page hide)', async () => {
      const message = { userId: 'web-4', writeKey: writeKey(), messageId: 'ajs-next-dup-1', ...order('k1') };
      expect((await postText('/v1/t', message)).status).toBe(200);
      expect((await postText('/v1/b', { writeKey: writeKey(), batch: [{ ...message, type: 'track' }] })).status).toBe(200);
      expect((await eventsOf('web-4')).map((e) => e.message_id)).toEqual(['ajs-next-dup-1']);
    });

    it('answers preflights without a key, and lets any origin send by default', async () => {
      const preflight = await fetch(`${itinera.url}/v1/t`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-retry-count');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThan(0);

      const sent = await postText('/v1/t', { userId: 'web-3', writeKey: writeKey(), ...order('x1') }, { origin: 'https://anywhere.example.org' });
      expect(sent.status).toBe(200);
      expect(sent.headers.get('access-control-allow-origin')).toBe('https://anywhere.example.org');
      // Refusals carry the grant too, so the library can read the status and drop the event instead of retrying.
      const refused = await postText('/v1/t', { userId: 'web-3', writeKey: writeKey() }, { origin: 'https://anywhere.example.org' });
      expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([400, 'https://anywhere.example.org']);
    });

    it("applies a workspace's allowlist of origins to browsers only, and can lift it", async () => {
      const other = await itinera.createWorkspace('allowlist');
      const set = (origins: string[] | null) =>
        other.graphql.query(`mutation ($origins: [String!]) { setIngestionAllowedOrigins(origins: $origins) }`, { origins });
      expect(await set(['https://shop.example.com', 'http://127.0.0.1:8080'])).toEqual({ setIngestionAllowedOrigins: ['https://shop.example.com', 'http://127.0.0.1:8080'] });
      const bad = await other.graphql.error(`mutation { setIngestionAllowedOrigins(origins: ["https://shop.example.com/path", "*"]) }`);
      expect(bad.extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.extensions?.problems?.map((p) => p.path)).toEqual(['origins.0', 'origins.1']);

      const send = (userId: string, headers: Record<string, string>) => postText('/v1/t', { userId, writeKey: other.credentials.writeKey, ...order('o1') }, headers);
      const listed = await send('origin-ok', { origin: 'https://shop.example.com' });
      const unlisted = await send('origin-no', { origin: 'https://evil.example.net' });
      const server = await send('origin-none', {});
      expect([listed.status, unlisted.status, server.status]).toEqual([200, 403, 200]);
      expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
      expect(((await unlisted.json()) as any).errors[0].message).toMatch(/does not accept events from pages on https:\/\/evil.example.net/);
      expect(await eventsOf('origin-no')).toHaveLength(0);
      const settings = await fetch(`${itinera.url}/v1/projects/${other.credentials.writeKey}/settings`, { headers: { origin: 'https://evil.example.net' } });
      expect(settings.status).toBe(403);

      expect(await set(null)).toEqual({ setIngestionAllowedOrigins: null });
      expect((await send('origin-no', { origin: 'https://evil.example.net' })).status).toBe(200);
    });

    it('serves the settings the library loads from cdnURL, pointing it back at this server', async () => {
      const settings = await fetch(`${itinera.url}/v1/projects/${writeKey()}/settings`, { headers: { origin: 'http://127.0.0.1:9999' } });
      expect(settings.status).toBe(200);
      expect(settings.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9999');
      const host = new URL(itinera.url).host;
      const body = (await settings.json()) as any;
      expect(body.integrations).toEqual({ 'Segment.io': expect.objectContaining({ apiKey: writeKey(), apiHost: `${host}/v1`, protocol: 'http' }) });
      expect(body.metrics.sampleRate).toBe(0);
      // The same from a cdnURL with a trailing slash or a path, and as a TLS-terminating proxy forwards it.
      for (const path of [`//v1/projects/${writeKey()}/settings`, `/segment/cdn/v1/projects/${writeKey()}/settings`]) {
        expect([path, (await fetch(`${itinera.url}${path}`)).status]).toEqual([path, 200]);
      }
      const proxied = await fetch(`${itinera.url}/v1/projects/${writeKey()}/settings`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'events.example.com' } });
      expect(((await proxied.json()) as any).integrations['Segment.io']).toMatchObject({ apiHost: 'events.example.com/v1', protocol: 'https' });
      expect((await fetch(`${itinera.url}/v1/projects/itn_wk_nope/settings`)).status).toBe(404);
    });
  });
});
