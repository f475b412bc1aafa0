import { createHmac } from 'node:crypto';
import { DestinationCatalog } from '../../src/journeys/destination-catalog';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { createDestination, scheduleSend, settledDelivery, updateDestination } from '../deliveries/send-step';
import { startTestApp, type TestApp } from '../harness/test-app';

const WEBHOOK_SECRET = 'whsec_destinations_e2e_91c2';
const AUTH_HEADER = 'Bearer sk_live_crm_5d1e77';
const WRITE_KEY = 'wk_live_forwarding_0b8a';
const SECRETS = [WEBHOOK_SECRET, AUTH_HEADER, 'sk_live_crm_5d1e77', WRITE_KEY];

const destinationsQuery = `{ destinations { id name plugin enabled settings createdAt updatedAt } }`;
const pluginsQuery = `{ destinationPlugins { name displayName description settingsSchema actions { name title description fields { name type required description defaultMapping enum } } } }`;
const deliveriesQuery = `{ deliveries { nodes { id status attempts lastError payload response idempotencyKey } } }`;
const sendTestEvent = `mutation ($destinationId: ID!, $action: String!, $payload: JSON!) {
  sendTestEvent(destinationId: $destinationId, action: $action, payload: $payload) { ok status error retryable response }
}`;

describe('destinations', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1000 } } });
  });
  afterAll(() => itinera.close());
  beforeEach(async () => {
    receiver = await startRecordingServer();
  });
  afterEach(() => receiver.close());

  describe('destinationPlugins', () => {
    it('lists the built-in plugins with their settings schema and their actions’ fields', async () => {
      const { destinationPlugins } = await itinera.graphql.query(pluginsQuery);
      expect(destinationPlugins.map((p: { name: string }) => p.name)).toEqual(['http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);

      const webhook = destinationPlugins.find((p: { name: string }) => p.name === 'webhook');
      expect(webhook).toMatchObject({ displayName: 'Webhook', description: expect.stringContaining('HMAC-SHA256') });
      expect(webhook.settingsSchema).toMatchObject({
        url: { type: 'string', format: 'uri', required: true },
        method: { type: 'string', enum: ['POST', 'PUT'], default: 'POST' },
        headers: { type: 'object', secret: true },
        secret: { type: 'string', secret: true },
        timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000 },
      });
      expect(webhook.actions).toEqual([
        {
          name: 'send',
          title: 'Send',
          description: expect.any(String),
          fields: [{ name: 'data', type: 'object', required: true, description: expect.any(String), defaultMapping: { '@path': '$.entry.properties' }, enum: null }],
        },
      ]);

      const trackingApi = destinationPlugins.find((p: { name: string }) => p.name === 'tracking-api');
      expect(trackingApi.actions.map((a: { name: string }) => a.name)).toEqual(['track', 'identify']);
      expect(trackingApi.actions[0].fields.map((f: { name: string; type: string; required: boolean }) => [f.name, f.type, f.required])).toEqual([
        ['userId', 'string', true],
        ['event', 'string', true],
        ['properties', 'object', false],
        ['timestamp', 'datetime', false],
      ]);
    });

    it('needs an admin token', async () => {
      const error = await itinera.graphql.withToken(undefined).error(pluginsQuery);
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('createDestination and updateDestination', () => {
    it('lists every settings problem at once, each with its path', async () => {
      const error = await itinera.graphql.error(createDestination, {
        input: { name: ' ', plugin: 'webhook', settings: { method: 'GET', timeoutMs: 0, headers: 'Authorization: x', retries: 3 } },
      });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.problems).toEqual([
        { path: 'name', message: 'is required' },
        { path: 'settings.url', message: 'is required' },
        { path: 'settings.method', message: 'must be one of "POST", "PUT", got "GET"' },
        // A secret setting's value is never echoed, not even a wrong one.
        { path: 'settings.headers', message: 'must be an object' },
        { path: 'settings.timeoutMs', message: 'must be at least 1, got 0' },
        { path: 'settings.retries', message: 'is not a setting of this destination' },
      ]);
    });

    it('refuses an unknown plugin at path plugin, naming the loaded ones', async () => {
      const error = await itinera.graphql.error(createDestination, { input: { name: 'CRM', plugin: 'salesforce', settings: {} } });
      expect(error.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        problems: [{ path: 'plugin', message: 'unknown plugin "salesforce" (loaded plugins: "http-request", "list-sync", "sendgrid", "slack", "tracking-api", "twilio", "webhook")' }],
      });
    });

    it('stores the settings with defaults applied and returns them without secrets', async () => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, {
        input: { name: 'CRM webhook', plugin: 'webhook', settings: { url: receiver.url, secret: WEBHOOK_SECRET, headers: { Authorization: AUTH_HEADER } } },
      });
      expect(created).toMatchObject({ name: 'CRM webhook', plugin: 'webhook', enabled: true, settings: { url: receiver.url, method: 'POST', timeoutMs: 10000 } });
      expect(Object.keys(created.settings).sort()).toEqual(['method', 'timeoutMs', 'url']);
    });

    it('keeps a secret the update leaves out, and removes one set to null', async () => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, {
        input: { name: 'Signed hook', plugin: 'webhook', settings: { url: `${receiver.url}/old`, secret: WEBHOOK_SECRET } },
      });

      const { updateDestination: updated } = await itinera.graphql.query(updateDestination, {
        id: created.id,
        input: { name: 'Signed hook (v2)', plugin: 'webhook', settings: { url: `${receiver.url}/old`, timeoutMs: 5000 } },
      });
      expect(updated).toMatchObject({ name: 'Signed hook (v2)', enabled: true, settings: { url: `${receiver.url}/old`, method: 'POST', timeoutMs: 5000 } });
      const signed = await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: { probe: 1 } } });
      expect(signed.sendTestEvent).toMatchObject({ ok: true, status: 200 });
      const first = receiver.requests[0];
      expect(first.path).toBe('/old');
      expect(first.headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(first.rawBody).digest('hex')}`);

      await itinera.graphql.query(updateDestination, { id: created.id, input: { name: 'Unsigned hook', plugin: 'webhook', settings: { url: receiver.url, secret: null } } });
      await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: { probe: 2 } } });
      expect(receiver.requests[1].headers['x-itinera-signature']).toBeUndefined();
    });

    it('does not keep secret settings when the URL changes: they must be given again, or removed', async () => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, {
        input: { name: 'CRM hook', plugin: 'webhook', settings: { url: `${receiver.url}/crm`, secret: WEBHOOK_SECRET, headers: { Authorization: AUTH_HEADER } } },
      });
      const elsewhere = await startRecordingServer();
      try {
        const moved = await itinera.graphql.error(updateDestination, {
          id: created.id,
          input: { name: 'CRM hook', plugin: 'webhook', settings: { url: `${elsewhere.url}/collect` } },
        });
        expect(moved.extensions?.code).toBe('BAD_USER_INPUT');
        expect(moved.extensions?.problems).toEqual([
          { path: 'settings.headers', message: 'settings.url changed, so this secret setting is not kept: give it again, or null to remove it' },
          { path: 'settings.secret', message: 'settings.url changed, so this secret setting is not kept: give it again, or null to remove it' },
        ]);
        await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: { probe: 1 } } });
        expect(elsewhere.requests).toHaveLength(0);
        expect(receiver.requests[0].headers.authorization).toBe(AUTH_HEADER);

        await itinera.graphql.query(updateDestination, {
          id: created.id,
          input: { name: 'CRM hook', plugin: 'webhook', settings: { url: `${elsewhere.url}/collect`, secret: 'whsec_new', headers: null } },
        });
        await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: { probe: 2 } } });
        const [request] = elsewhere.requests;
        expect(request.headers.authorization).toBeUndefined();
        expect(request.headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', 'whsec_new').update(request.rawBody).digest('hex')}`);
      } finally {
        await elsewhere.close();
      }
    });

    it('shows a URL that carries credentials redacted, and keeps it when given back as shown', async () => {
      const url = `${receiver.url}/hooks/T0A1B2C3D4/abcdefghijklmnopqrstuvwx?token=tok_live_5d1e`;
      const { createDestination: created } = await itinera.graphql.query(createDestination, {
        input: { name: 'Tokened hook', plugin: 'webhook', settings: { url, secret: WEBHOOK_SECRET } },
      });
      expect(created.settings.url).toBe(`${receiver.url}/hooks/***/***?token=***`);
      const { destinations } = await itinera.graphql.query(destinationsQuery);
      expect(JSON.stringify(destinations)).not.toMatch(/tok_live_5d1e|T0A1B2C3D4/);

      const { updateDestination: updated } = await itinera.graphql.query(updateDestination, {
        id: created.id,
        input: { name: 'Tokened hook (renamed)', plugin: 'webhook', settings: created.settings },
      });
      expect(updated.settings.url).toBe(created.settings.url);
      await itinera.graphql.query(sendTestEvent, { destinationId: created.id, action: 'send', payload: { data: {} } });
      expect(receiver.requests[0].path).toBe('/hooks/T0A1B2C3D4/abcdefghijklmnopqrstuvwx?token=tok_live_5d1e');
      expect(receiver.requests[0].headers['x-itinera-signature']).toMatch(/^sha256=/);
    });

    it("refuses to change a destination's plugin, and answers NOT_FOUND for another workspace's destination", async () => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, { input: { name: 'Hook', plugin: 'webhook', settings: { url: receiver.url } } });
      const changed = await itinera.graphql.error(updateDestination, {
        id: created.id,
        input: { name: 'Hook', plugin: 'tracking-api', settings: { host: receiver.url, writeKey: WRITE_KEY } },
      });
      expect(changed.extensions?.problems).toEqual([{ path: 'plugin', message: expect.stringContaining('cannot change') }]);

      const other = await itinera.createWorkspace('destinations-other');
      const foreign = await other.graphql.error(updateDestination, { id: created.id, input: { name: 'Mine now', plugin: 'webhook', settings: { url: receiver.url } } });
      expect(foreign.extensions?.code).toBe('NOT_FOUND');
      expect((await other.graphql.query(destinationsQuery)).destinations).toEqual([]);
    });
  });

  describe('DestinationCatalog', () => {
    it("gives journey validation each destination's plugin and its actions' fields, for one workspace only", async () => {
      const other = await itinera.createWorkspace('catalog-other');
      const { createDestination: forwarding } = await other.graphql.query(createDestination, {
        input: { name: 'Forward', plugin: 'tracking-api', settings: { host: receiver.url, writeKey: WRITE_KEY }, enabled: false },
      });

      const catalog = await itinera.app.get(DestinationCatalog).forValidation(other.credentials.workspaceId);
      expect([...catalog.keys()]).toEqual([forwarding.id]);
      const summary = catalog.get(forwarding.id)!;
      expect(summary.plugin).toBe('tracking-api');
      expect([...summary.actions.keys()]).toEqual(['track', 'identify']);
      expect(summary.actions.get('track')!.fields).toMatchObject({ userId: { required: true, default: { '@path': '$.userId' } }, event: { required: true } });
    });
  });

  describe('secrets', () => {
    it('never appear in destinations, destinationPlugins or deliveries, and are stored encrypted', async () => {
      const { createDestination: webhook } = await itinera.graphql.query(createDestination, {
        input: { name: 'Secret webhook', plugin: 'webhook', settings: { url: receiver.url, secret: WEBHOOK_SECRET, headers: { Authorization: AUTH_HEADER } } },
      });
      const { createDestination: forwarding } = await itinera.graphql.query(createDestination, {
        input: { name: 'Forward to collector', plugin: 'tracking-api', settings: { host: receiver.url, writeKey: WRITE_KEY } },
      });

      // Both deliver with their secrets: the receiver sees them, the API never does.
      const hook = await scheduleSend(itinera, { destinationId: webhook.id, mapping: { data: { application: { '@path': '$.entry.properties.Application_id' } } } });
      const track = await scheduleSend(itinera, {
        destinationId: forwarding.id,
        action: 'track',
        stepKey: 'forward_nudge',
        mapping: { event: 'Application Nudge Sent', properties: { Application_id: { '@path': '$.entry.properties.Application_id' } } },
      });
      expect(await settledDelivery(itinera, hook.idempotencyKey)).toMatchObject({ status: 'DELIVERED' });
      expect(await settledDelivery(itinera, track.idempotencyKey)).toMatchObject({ status: 'DELIVERED' });
      const byPath = Object.fromEntries(receiver.requests.map((r) => [r.path, r]));
      expect(byPath['/'].headers.authorization).toBe(AUTH_HEADER);
      expect(byPath['/v1/track'].headers.authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);

      const answers = JSON.stringify([
        await itinera.graphql.query(destinationsQuery),
        await itinera.graphql.query(pluginsQuery),
        await itinera.graphql.query(deliveriesQuery),
      ]);
      expect(answers).toContain('Secret webhook');
      for (const secret of SECRETS) expect(answers).not.toContain(secret);

      const { rows } = await itinera.db.query('SELECT d::text AS row, settings FROM destinations d WHERE id = ANY($1)', [[webhook.id, forwarding.id]]);
      for (const secret of SECRETS) expect(rows.map((r) => r.row).join('\n')).not.toContain(secret);
      const stored = rows.map((r) => r.settings);
      expect(stored).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ url: receiver.url, secret: { '@encrypted': expect.stringMatching(/^v1\./) }, headers: { '@encrypted': expect.any(String) } }),
          expect.objectContaining({ host: receiver.url, writeKey: { '@encrypted': expect.stringMatching(/^v1\./) } }),
        ]),
      );
    });

    it('refuses the stored form of a secret as input', async () => {
      const error = await itinera.graphql.error(createDestination, {
        input: { name: 'Smuggled', plugin: 'webhook', settings: { url: receiver.url, secret: { '@encrypted': 'v1.a.b.c' } } },
      });
      expect(error.extensions?.problems).toEqual(
        expect.arrayContaining([{ path: 'settings.secret', message: 'must not be an object whose only key is "@encrypted"' }]),
      );
    });
  });

  describe('sendTestEvent', () => {
    const webhookId = async () =>
      (await itinera.graphql.query(createDestination, { input: { name: 'Test target', plugin: 'webhook', settings: { url: receiver.url, secret: WEBHOOK_SECRET } } }))
        .createDestination.id;

    it('runs the action once with the payload as given and reports what the destination answered', async () => {
      const id = await webhookId();
      receiver.replyWith({ status: 202, body: { queued: 'evt_1' } });
      const { sendTestEvent: result } = await itinera.graphql.query(sendTestEvent, { destinationId: id, action: 'send', payload: { data: { Application_id: '1234' } } });
      expect(result).toEqual({ ok: true, status: 202, error: null, retryable: null, response: { queued: 'evt_1' } });
      expect(receiver.requests[0].json).toMatchObject({ key: 'itinera_test_event', event: 'Itinera Test Event', data: { Application_id: '1234' } });
      expect((await itinera.db.query('SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1', [id])).rows[0].n).toBe(0);
    });

    it('reports a failing destination instead of throwing, saying whether it would be retried', async () => {
      const id = await webhookId();
      receiver.replyWith({ status: 503, body: 'maintenance' });
      const unavailable = (await itinera.graphql.query(sendTestEvent, { destinationId: id, action: 'send', payload: { data: {} } })).sendTestEvent;
      expect(unavailable).toEqual({ ok: false, status: 503, error: expect.stringContaining('HTTP 503: maintenance'), retryable: true, response: null });

      receiver.replyWith({ status: 404 });
      const missing = (await itinera.graphql.query(sendTestEvent, { destinationId: id, action: 'send', payload: { data: {} } })).sendTestEvent;
      expect(missing).toMatchObject({ ok: false, status: 404, retryable: false });

      await receiver.close();
      const unreachable = (await itinera.graphql.query(sendTestEvent, { destinationId: id, action: 'send', payload: { data: {} } })).sendTestEvent;
      expect(unreachable).toMatchObject({ ok: false, status: null, retryable: true, error: expect.stringContaining('network error') });
    });

    it('refuses a payload that does not fit the action, an unknown action and an unknown destination', async () => {
      const id = await webhookId();
      const badPayload = await itinera.graphql.error(sendTestEvent, { destinationId: id, action: 'send', payload: { data: 'hello', extra: 1 } });
      expect(badPayload.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        problems: [
          { path: 'payload.data', message: 'must be an object, got "hello"' },
          { path: 'payload.extra', message: 'is not a field of this action (fields: data)' },
        ],
      });
      const badAction = await itinera.graphql.error(sendTestEvent, { destinationId: id, action: 'track', payload: {} });
      expect(badAction.extensions?.problems).toEqual([{ path: 'action', message: 'plugin "webhook" has no action "track" (its actions: "send")' }]);
      const unknown = await itinera.graphql.error(sendTestEvent, { destinationId: '7a0c9d4e-0000-4000-8000-000000000000', action: 'send', payload: { data: {} } });
      expect(unknown.extensions?.code).toBe('NOT_FOUND');
      expect(receiver.requests).toHaveLength(0);
    });
  });
});
