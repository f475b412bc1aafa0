import path from 'node:path';
import { Pool } from 'pg';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { IngestionClient } from '../harness/clients';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { publishJourney } from '../harness/journeys';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const FIXTURE_PLUGINS = path.resolve(__dirname, '..', 'fixtures', 'plugins');
const FAST_RETRIES = { maxAttempts: 100, baseDelayMs: 300, maxDelayMs: 1000 };

/** `start:prod` without a plugin folder: the journeys that send through it wait for it instead of failing. */
describe('a send whose plugin is not loaded in the process', () => {
  let setup: TestApp;
  let receiver: RecordingServer;
  let withoutPlugin: ItineraProcess | undefined;
  let db: Pool;
  let journeyId: string;
  let destinationId: string;

  beforeAll(async () => {
    receiver = await startRecordingServer();
    setup = await startTestApp({ config: { pluginPaths: [FIXTURE_PLUGINS], role: 'api' } });
    const { createDestination } = await setup.graphql.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
      input: { name: 'Echo room', plugin: 'echo', settings: { url: `${receiver.url}/echo`, token: 'echo_token' } },
    });
    destinationId = createDestination.id;
    journeyId = (
      await publishJourney(setup.graphql, {
        name: 'echo on start',
        trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
        steps: [{ key: 'echo_it', name: 'Echo it', type: 'SEND', send: { destinationId, action: 'echo', mapping: { message: { '@template': 'started {{entry.properties.Application_id}}' } } } }],
      })
    ).id;
    await setup.close();
    db = new Pool({ connectionString: setup.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    if (withoutPlugin?.child.exitCode === null) await withoutPlugin.stop();
    await receiver.close();
    await db.end();
  });

  const delivery = async () => (await db.query(`SELECT status, attempts, last_error FROM deliveries WHERE journey_id = $1`, [journeyId])).rows[0];

  it('warns at start, retries the send with a warning per attempt, and delivers it once a process with the plugin runs', async () => {
    withoutPlugin = await spawnItinera({
      DATABASE_URL: setup.databaseUrl,
      ITINERA_DELIVERY_MAX_ATTEMPTS: String(FAST_RETRIES.maxAttempts),
      ITINERA_DELIVERY_BASE_DELAY_MS: String(FAST_RETRIES.baseDelayMs),
      ITINERA_DELIVERY_MAX_DELAY_MS: String(FAST_RETRIES.maxDelayMs),
    });
    expect(withoutPlugin.output()).toContain(`published journey \\"echo on start\\" sends through plugin \\"echo\\", which is not loaded in this process`);

    const ingestion = new IngestionClient(withoutPlugin.url, setup.workspace.writeKey);
    expect((await ingestion.track({ userId: '88', event: 'Application_Started', properties: { Application_id: '1234' } })).status).toBe(200);
    await waitFor(async () => (await delivery())?.attempts >= 2, { what: 'two failed attempts' });
    expect(await delivery()).toMatchObject({ status: 'RETRYING', last_error: expect.stringContaining('plugin "echo" of destination "Echo room" is not loaded') });
    const retryLog = withoutPlugin.output().split('\n').find((line) => line.includes('delivery attempt failed, will retry'));
    expect(JSON.parse(retryLog!)).toMatchObject({ level: 40, journeyId, stepKey: 'echo_it', destinationId, action: 'echo', error: expect.stringContaining('not loaded') });
    expect(await withoutPlugin.stop()).toBe(0);

    const withPlugin = await startTestApp({ databaseUrl: setup.databaseUrl, workspace: setup.workspace, config: { pluginPaths: [FIXTURE_PLUGINS], deliveryRetry: FAST_RETRIES } });
    try {
      await waitFor(async () => (await delivery())?.status === 'DELIVERED', { what: 'the delivery through the loaded plugin', timeoutMs: 20_000 });
      expect(receiver.requests.map((request) => (request.json as { echo: string }).echo)).toEqual(['started 1234']);
    } finally {
      await withPlugin.close();
    }
  }, 120_000);
});
