import { Pool } from 'pg';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient, IngestionClient } from '../harness/clients';
import { spawnItinera, type ItineraProcess } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { createTestDatabase } from '../harness/test-database';
import { runMigrations } from '../../src/database/run-migrations';
import { waitFor } from '../harness/wait-for';

const ADMIN_TOKEN = 'mapping-limits-admin-token';
const WRITE_KEY = 'mapping-limits-write-key';

const OVERSIZED_MAPPING = expect.stringMatching(/more than 500 directives|is larger than 64 KB of JSON/);

const createJourney = `mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`;
const previewPayload = `query ($j: ID!, $s: String!, $c: JSON) { previewPayload(journeyId: $j, stepKey: $s, context: $c) }`;

/** `count` copies of the entry event under data: a few KB of mapping that multiplies whatever the entry holds. */
const copiesOfEntry = (count: number) => ({ data: Object.fromEntries(Array.from({ length: count }, (_, i) => [`copy${i}`, { '@path': '$.entry' }])) });

const sendJourney = (destinationId: string, mapping: unknown, name: string) => ({
  name,
  trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
  entry: { mode: 'REENTER_EVERY_TIME' },
  steps: [{ key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId, action: 'send', eventName: 'Application Nudge', mapping } }],
});

/**
 * Issue 14: one workspace's send step mapping must not take the process down. The process runs with a
 * 256 MB heap, as a small container would; before the limits, a 20,000 × `$.entry` mapping previewed
 * with a 300 KB context copied the context 20,000 times and the process died of "heap limit".
 */
describe('send step mappings within a bounded heap', () => {
  let itinera: ItineraProcess;
  let receiver: RecordingServer;
  let graphql: GraphqlClient;
  let ingestion: IngestionClient;
  let db: Pool;
  let destinationId: string;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    await runMigrations(databaseUrl);
    itinera = await spawnItinera({
      DATABASE_URL: databaseUrl,
      ITINERA_ADMIN_TOKEN: ADMIN_TOKEN,
      ITINERA_WRITE_KEY: WRITE_KEY,
      NODE_OPTIONS: '--max-old-space-size=256',
    });
    graphql = new GraphqlClient(itinera.url, ADMIN_TOKEN);
    ingestion = new IngestionClient(itinera.url, WRITE_KEY);
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    receiver = await startRecordingServer();
    destinationId = await createWebhookDestination(graphql, receiver.url);
  }, 90_000);
  afterAll(async () => {
    if (itinera.child.exitCode === null) await itinera.stop();
    await db.end();
    await receiver.close();
  });

  const expectAlive = async () => {
    expect(itinera.child.exitCode).toBeNull();
    expect((await fetch(`${itinera.url}/health/live`)).status).toBe(200);
  };

  it('refuses to save a draft whose mapping has 20,000 @path directives', async () => {
    const error = await graphql.error(createJourney, { input: sendJourney(destinationId, copiesOfEntry(20_000), 'twenty thousand copies') });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems).toEqual([{ path: 'steps[0].send.mapping', message: OVERSIZED_MAPPING }]);
    await expectAlive();
  });

  it('refuses to preview such a mapping stored before the limits existed, with a 300 KB context, and stays up', async () => {
    const { createJourney: journey } = await graphql.query(createJourney, { input: sendJourney(destinationId, copiesOfEntry(1), 'stored before the limits') });
    await db.query(`UPDATE journeys SET draft = jsonb_set(draft, '{steps,0,send,mapping}', $1::jsonb) WHERE id = $2`, [JSON.stringify(copiesOfEntry(20_000)), journey.id]);
    const context = {
      userId: '88',
      journey: { id: journey.id, name: 'x', version: 1 },
      instance: { id: 'i', uniqueId: null, enteredAt: '2025-03-01T10:00:00.000Z' },
      entry: { event: 'Application_Started', properties: { blob: 'x'.repeat(300_000) }, timestamp: '2025-03-01T10:00:00.000Z', messageId: 'm' },
      events: {},
      traits: {},
    };
    const error = await graphql.error(previewPayload, { j: journey.id, s: 'nudge', c: context });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems).toEqual([{ path: 'steps[0].send.mapping', message: OVERSIZED_MAPPING }]);
    await expectAlive();
  });

  it('refuses a preview whose payload would pass the size limit, naming the path that does it', async () => {
    const { createJourney: journey } = await graphql.query(createJourney, { input: sendJourney(destinationId, copiesOfEntry(300), 'three hundred copies') });
    const context = { entry: { event: 'Application_Started', properties: { blob: 'x'.repeat(100_000) } } };
    const error = await graphql.error(previewPayload, { j: journey.id, s: 'nudge', c: context });
    expect(error.extensions?.problems).toEqual([
      { path: 'steps[0].send.mapping.data.copy2', message: expect.stringMatching(/makes the mapped payload larger than 256 KB of JSON/) },
    ]);
    await expectAlive();
  });

  it('refuses a test event whose payload is over the payload limit, and sends nothing', async () => {
    const error = await graphql.error(`mutation ($d: ID!, $p: JSON!) { sendTestEvent(destinationId: $d, action: "send", payload: $p) { ok } }`, {
      d: destinationId,
      p: { data: { blob: 'x'.repeat(300_000) } },
    });
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'payload', message: 'is larger than 256 KB of JSON' }] });
    expect(receiver.requests).toHaveLength(0);
  });

  it('fails a delivery whose mapped payload is too large, permanently, with the reason, and sends nothing', async () => {
    // 300 references (an 11 KB mapping) to one 31 KB event: 9.5 MB stored and POSTed before the limit.
    const journey = await publishJourney(graphql, sendJourney(destinationId, copiesOfEntry(300), 'copies at run time'));
    await ingestion.send({ userId: 'big-entry', event: 'Application_Started', properties: { Application_id: '1', blob: 'x'.repeat(31_000) } });
    const delivery = await waitFor(
      async () => (await db.query(`SELECT status, attempts, last_error, length(payload::text) AS size FROM deliveries WHERE journey_id = $1 AND status = 'FAILED'`, [journey.id])).rows[0],
      { what: 'the delivery to fail' },
    );
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 0 });
    expect(delivery.last_error).toMatch(/data\.copy\d+ makes the mapped payload larger than 256 KB of JSON/);
    expect(Number(delivery.size)).toBeLessThan(100);
    const failed = await db.query(`SELECT detail FROM activities WHERE journey_id = $1 AND type = 'SEND_FAILED'`, [journey.id]);
    expect(failed.rows[0].detail.error).toBe(delivery.last_error);
    expect(receiver.requests).toHaveLength(0);
    await expectAlive();
  });
});
