import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { createDestination, scheduleSend, settledDelivery, updateDestination } from '../deliveries/send-step';
import { startTestApp, type TestApp } from '../harness/test-app';

const sendTestEvent = `mutation ($destinationId: ID!, $action: String!, $payload: JSON!) {
  sendTestEvent(destinationId: $destinationId, action: $action, payload: $payload) { ok status error retryable response }
}`;

/** A name that does not resolve here: accepted when saved, checked again when a delivery connects. */
const UNRESOLVED_URL = 'https://hooks.itinera-outbound-test.invalid/hook';

describe('outbound address policy of a production setup (nothing allowed)', () => {
  let itinera: TestApp;
  let internal: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { laptopMode: false, destinationAddresses: { allowLoopback: false, allowed: [] } } });
  });
  afterAll(() => itinera.close());
  beforeEach(async () => {
    internal = await startRecordingServer();
  });
  afterEach(() => internal.close());

  const port = () => new URL(internal.url).port;

  it.each([
    '127.0.0.1',
    'localhost',
    '127.1',
    '2130706433',
    '0x7f000001',
    '0.0.0.0',
    '[::1]',
    '169.254.169.254',
    '10.0.0.1',
    '[fd00::1]',
    'metadata.google.internal',
  ])('createDestination refuses http://%s with BAD_USER_INPUT at settings.url', async (host) => {
    const error = await itinera.graphql.error(createDestination, {
      input: { name: `internal ${host}`, plugin: 'webhook', settings: { url: `http://${host}:${port()}/admin?token=tok_1` } },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems).toEqual([
      { path: 'settings.url', message: expect.stringMatching(/^is not an allowed destination: .*(loopback|unspecified|metadata|private|unique-local).*ITINERA_ALLOWED_DESTINATION_HOSTS/) },
    ]);
    expect(error.message).not.toContain('tok_1');
  });

  it('checks every URL setting of every plugin, e.g. the tracking API host', async () => {
    const error = await itinera.graphql.error(createDestination, {
      input: { name: 'forward home', plugin: 'tracking-api', settings: { host: 'http://127.0.0.1:3000', writeKey: 'wk_1' } },
    });
    expect(error.extensions?.problems).toEqual([{ path: 'settings.host', message: expect.stringContaining('127.0.0.1 is a loopback address') }]);
  });

  it('updateDestination refuses a new URL that resolves to loopback', async () => {
    const { createDestination: created } = await itinera.graphql.query(createDestination, {
      input: { name: 'crm hook', plugin: 'webhook', settings: { url: UNRESOLVED_URL } },
    });
    const error = await itinera.graphql.error(updateDestination, {
      id: created.id,
      input: { name: 'crm hook', plugin: 'webhook', settings: { url: `http://localhost:${port()}/hook` } },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems).toEqual([{ path: 'settings.url', message: expect.stringMatching(/localhost resolves to .*loopback address/) }]);
  });

  describe('a destination saved before the policy was in force', () => {
    let destinationId: string;
    beforeEach(async () => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, {
        input: { name: `old hook ${port()}`, plugin: 'webhook', settings: { url: UNRESOLVED_URL } },
      });
      destinationId = created.id;
      await itinera.db.query(`UPDATE destinations SET settings = jsonb_set(settings, '{url}', to_jsonb($2::text)) WHERE id = $1`, [
        destinationId,
        `${internal.url}/internal`,
      ]);
    });

    it('sendTestEvent refuses it with BAD_USER_INPUT and sends nothing', async () => {
      const error = await itinera.graphql.error(sendTestEvent, { destinationId, action: 'send', payload: { data: { probe: 1 } } });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.problems).toEqual([{ path: 'settings.url', message: expect.stringContaining('127.0.0.1 is a loopback address') }]);
      expect(internal.requests).toHaveLength(0);
    });

    it('a delivery to it fails permanently, at the first attempt, with the reason', async () => {
      const sent = await scheduleSend(itinera, { destinationId, mapping: { data: { probe: 2 } } });
      const delivery = await settledDelivery(itinera, sent.idempotencyKey);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(delivery.last_error).toMatch(/^refused to send: 127\.0\.0\.1 is a loopback address/);
      expect(internal.requests).toHaveLength(0);
    });
  });
});

describe('outbound address policy with ITINERA_ALLOWED_DESTINATION_HOSTS=localhost', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { laptopMode: false, destinationAddresses: { allowLoopback: false, allowed: ['localhost'] } } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await receiver.close();
    await itinera.close();
  });

  it('delivers to the allowed host, and still refuses the same address under another name', async () => {
    const port = new URL(receiver.url).port;
    const { createDestination: created } = await itinera.graphql.query(createDestination, {
      input: { name: 'local hook', plugin: 'webhook', settings: { url: `http://localhost:${port}/hook` } },
    });
    const result = await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: { probe: 3 } } });
    expect(result.sendTestEvent).toMatchObject({ ok: true, status: 200 });
    expect(receiver.requests).toHaveLength(1);

    const error = await itinera.graphql.error(createDestination, {
      input: { name: 'by address', plugin: 'webhook', settings: { url: `http://127.0.0.1:${port}/hook` } },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
