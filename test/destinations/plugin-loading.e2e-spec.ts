import path from 'node:path';
import { PluginRegistry } from '../../src/destinations/plugin-registry';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { createDestination, scheduleSend, settledDelivery } from '../deliveries/send-step';
import { spawnItinera } from '../harness/itinera-process';
import { publishJourney } from '../harness/journeys';
import { startTestApp, type TestApp } from '../harness/test-app';
import { createTestDatabase } from '../harness/test-database';
import { waitFor } from '../harness/wait-for';

/** Holds `echo-plugin/` (a working plugin) and `broken/` (which has no index itself, so it is no plugin). */
const FIXTURE_PLUGINS = path.resolve(__dirname, '..', 'fixtures', 'plugins');
/** Holds a plugin that throws on import, one with an invalid definition and one reusing the name `webhook`. */
const BROKEN_PLUGINS = path.join(FIXTURE_PLUGINS, 'broken');
const ECHO_TOKEN = 'echo_token_3c9d1a';

const pluginNames = `{ destinationPlugins { name actions { name fields { name type required } } } }`;

describe('plugins from ITINERA_PLUGIN_PATHS', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { pluginPaths: [FIXTURE_PLUGINS] } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await receiver.close();
    await itinera.close();
  });

  it('lists the plugin beside the built-in ones, creates a destination of it and delivers through it', async () => {
    const { destinationPlugins } = await itinera.graphql.query(pluginNames);
    expect(destinationPlugins.map((p: { name: string }) => p.name)).toEqual(['echo', 'http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);
    expect(destinationPlugins[0].actions).toEqual([
      {
        name: 'echo',
        fields: [
          { name: 'message', type: 'string', required: true },
          { name: 'tags', type: 'array', required: false },
        ],
      },
    ]);

    const { createDestination: echo } = await itinera.graphql.query(createDestination, {
      input: { name: 'Echo room', plugin: 'echo', settings: { url: `${receiver.url}/echo`, token: ECHO_TOKEN } },
    });
    expect(echo).toMatchObject({ plugin: 'echo', settings: { url: `${receiver.url}/echo`, timeoutMs: 2000 } });

    const send = await scheduleSend(itinera, {
      destinationId: echo.id,
      action: 'echo',
      stepKey: 'echo_nudge',
      mapping: { message: { '@template': '{{traits.first_name}} started application {{entry.properties.Application_id}}' }, tags: ['nudge', { '@path': '$.entry.properties.Tier' }] },
    });
    expect(await settledDelivery(itinera, send.idempotencyKey)).toMatchObject({ status: 'DELIVERED', attempts: 1 });

    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]).toMatchObject({
      path: '/echo',
      headers: expect.objectContaining({ authorization: `Bearer ${ECHO_TOKEN}`, 'idempotency-key': send.idempotencyKey }),
      json: { echo: 'Ada started application 1234', tags: ['nudge', 'Premium'], stepKey: 'echo_nudge', userId: '88' },
    });
    const { deliveries } = await itinera.graphql.query(`{ deliveries { nodes { destinationId action status payload } } }`);
    expect(deliveries.nodes).toEqual([
      { destinationId: echo.id, action: 'echo', status: 'DELIVERED', payload: { message: 'Ada started application 1234', tags: ['nudge', 'Premium'] } },
    ]);
    expect(JSON.stringify(await itinera.graphql.query(`{ destinations { settings } }`))).not.toContain(ECHO_TOKEN);
  });

  it('delivers through the plugin from a published journey, with no change to src/', async () => {
    const { createDestination: echo } = await itinera.graphql.query(createDestination, {
      input: { name: 'Echo for journeys', plugin: 'echo', settings: { url: `${receiver.url}/journey-echo`, token: ECHO_TOKEN } },
    });
    const journey = await publishJourney(itinera.graphql, {
      name: 'Order confirmation echo',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      steps: [
        {
          key: 'echo_order',
          name: 'Echo the order',
          type: 'SEND',
          send: { destinationId: echo.id, action: 'echo', mapping: { message: { '@template': 'order {{entry.properties.cart_ID}}' } } },
        },
      ],
    });
    await itinera.ingestion.send({ userId: '99', event: 'Order_Confirmation', properties: { productName: 'T-Shirt', cart_ID: '123456' } });

    const echoed = await waitFor(() => receiver.requests.find((r) => r.path === '/journey-echo'), { what: 'the echo from the journey' });
    expect(echoed.json).toEqual({ echo: 'order 123456', tags: [], stepKey: 'echo_order', userId: '99' });
    expect(echoed.headers['idempotency-key']).toMatch(new RegExp(`:echo_order:1$`));
    await waitFor(async () => (await itinera.db.query(`SELECT 1 FROM deliveries WHERE journey_id = $1 AND status = 'DELIVERED'`, [journey.id])).rowCount === 1);
    expect((await itinera.db.query('SELECT status FROM deliveries WHERE journey_id = $1', [journey.id])).rows).toEqual([{ status: 'DELIVERED' }]);
  });
});

describe('broken plugin folders', () => {
  it('are skipped with the reason while the server starts and serves the other plugins', async () => {
    const itinera = await startTestApp({ config: { pluginPaths: [FIXTURE_PLUGINS, BROKEN_PLUGINS, '/nonexistent/itinera-plugins'] } });
    try {
      expect(itinera.app.get(PluginRegistry).problems).toEqual([
        { folder: path.join(BROKEN_PLUGINS, 'duplicate-webhook'), reason: 'a plugin named "webhook" is already registered' },
        {
          folder: path.join(BROKEN_PLUGINS, 'invalid-definition'),
          reason: 'not a valid destination definition: displayName must be a non-empty string; actions.send.perform must be a function',
        },
        { folder: path.join(BROKEN_PLUGINS, 'throws-on-import'), reason: 'failed to load: echo-broken: cannot reach the license server' },
        { folder: '/nonexistent/itinera-plugins', reason: 'is not a directory (plugin paths name directories that hold plugin folders)' },
      ]);
      expect((await fetch(`${itinera.url}/health/ready`)).status).toBe(200);
      const { destinationPlugins } = await itinera.graphql.query(pluginNames);
      expect(destinationPlugins.map((p: { name: string }) => p.name)).toEqual(['echo', 'http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);
    } finally {
      await itinera.close();
    }
  });

  it('are each reported as one structured error line by a real `npm start`', async () => {
    const itinera = await spawnItinera({ DATABASE_URL: await createTestDatabase(), ITINERA_PLUGIN_PATHS: `${FIXTURE_PLUGINS}:${BROKEN_PLUGINS}` });
    try {
      expect((await fetch(`${itinera.url}/health/ready`)).status).toBe(200);
      const skipped = itinera
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
        .filter((record) => record.msg === 'plugin skipped');
      expect(skipped).toEqual(
        ['duplicate-webhook', 'invalid-definition', 'throws-on-import'].map((folder) =>
          expect.objectContaining({ level: 50, context: 'plugins', folder: path.join(BROKEN_PLUGINS, folder), reason: expect.any(String) }),
        ),
      );
    } finally {
      expect(await itinera.stop()).toBe(0);
    }
  }, 120_000);
});
