import { randomUUID } from 'node:crypto';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { IngestionClient } from '../harness/clients';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const ROUNDS = reliabilitySize('ACCEPTED_ROUNDS', 3);
const USERS_PER_ROUND = 20;
const BATCH_CLIENTS = 8;
const BATCHES_PER_CLIENT = 8;
const EVENTS_PER_BATCH = 20;
const SINGLE_CLIENTS = 8;
const SINGLES_PER_CLIENT = 25;

/**
 * Issue 12: a 200 from ingestion promises the event reaches every journey it concerns. Concurrent
 * batches and single calls that share users (as browser libraries send them), through two API processes,
 * applied by three runtimes (the in-process one and two worker processes). Before the fix, each round of
 * this shape lost tens of events: a later `seq` of a user committed before an earlier one and the cursor
 * moved past it, or the user's waiting job was taken before the events it was meant for committed.
 */
describe('every accepted event is applied, once and in acceptance order', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const processes: ItineraProcess[] = [];
  let secondApi: IngestionClient;
  let journeyId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const env = { DATABASE_URL: itinera.databaseUrl, ITINERA_RECONCILE_SECONDS: '0' };
    processes.push(
      ...(await Promise.all([spawnItinera({ ...env, ITINERA_ROLE: 'api' }), spawnItinera({ ...env, ITINERA_ROLE: 'worker' }), spawnItinera({ ...env, ITINERA_ROLE: 'worker' })])),
    );
    secondApi = new IngestionClient(processes[0].url, itinera.workspace.writeKey);
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    const journey = await publishJourney(itinera.graphql, {
      name: 'one instance per order',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.n' },
      steps: [{ key: 'confirm', name: 'Confirm', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { n: { '@path': '$.entry.properties.n' } } } } }],
    });
    journeyId = journey.id;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => (p.child.exitCode === null ? p.kill() : undefined)));
    await itinera?.close();
    await receiver?.close();
  });

  const rows = async (sql: string, params: unknown[]) => (await itinera.db.query(sql, params)).rows;

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: concurrent batches and single tracks for the same ${USERS_PER_ROUND} users`, async () => {
      const users = Array.from({ length: USERS_PER_ROUND }, (_, i) => `r${round}-u${i}`);
      let next = 0;
      // Every other event is an order (it starts one instance, keyed by its n); the rest only move the cursor.
      const message = (userId: string) => {
        const n = `r${round}-${next++}`;
        return next % 2 === 0
          ? { type: 'track', userId, event: 'Order_Confirmation', messageId: randomUUID(), properties: { n } }
          : next % 7 === 0
            ? { type: 'identify', userId, messageId: randomUUID(), traits: { last_n: n } }
            : { type: 'track', userId, event: 'Page_Viewed', messageId: randomUUID(), properties: { n } };
      };
      const apis = [itinera.ingestion, secondApi];
      const batchClient = async (client: number) => {
        for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
          const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => message(users[(client + b + i) % users.length]));
          const answer = await apis[(client + b) % 2].batch(batch);
          expect(answer.status).toBe(200);
        }
      };
      const singleClient = async (client: number) => {
        for (let s = 0; s < SINGLES_PER_CLIENT; s++) {
          const m = message(users[(client * 3 + s) % users.length]);
          const api = apis[(client + s) % 2];
          const answer = m.type === 'identify' ? await api.identify(m) : await api.track(m);
          expect(answer.status).toBe(200);
        }
      };
      await Promise.all([...Array.from({ length: BATCH_CLIENTS }, (_, c) => batchClient(c)), ...Array.from({ length: SINGLE_CLIENTS }, (_, c) => singleClient(c))]);

      const workspaceId = itinera.workspace.workspaceId;
      const keys = users.map((u) => `${workspaceId}:${u}`);
      // Every request has been answered: each user with unapplied events has a job, until it has run.
      await waitFor(
        async () =>
          (await rows(`SELECT 1 FROM pgboss.job WHERE name = 'user-events' AND singleton_key = ANY($1) AND state < 'completed' LIMIT 1`, [keys])).length === 0,
        { what: 'the users’ event jobs to finish', timeoutMs: RELIABILITY_TIMEOUT_MS },
      );

      const unapplied = await rows(
        `SELECT e.user_id, e.seq FROM events e LEFT JOIN event_cursors c ON c.workspace_id = e.workspace_id AND c.user_id = e.user_id
         WHERE e.workspace_id = $1 AND e.user_id = ANY($2) AND e.applies AND e.seq > COALESCE(c.applied_seq, 0)`,
        [workspaceId, users],
      );
      expect(unapplied).toEqual([]);
      // Page_Viewed, which no journey reads, is the one kind stored with no job (issue 19).
      const passedOver = await rows(
        `SELECT DISTINCT COALESCE(event, type) AS event FROM events WHERE workspace_id = $1 AND user_id = ANY($2) AND NOT applies`,
        [workspaceId, users],
      );
      expect(passedOver).toEqual([{ event: 'Page_Viewed' }]);

      // Per user: the orders in acceptance order (seq) are exactly the instances in entry order.
      const orders = await rows(
        `SELECT user_id, array_agg(properties->>'n' ORDER BY seq) AS ns FROM events
         WHERE workspace_id = $1 AND user_id = ANY($2) AND event = 'Order_Confirmation' GROUP BY user_id ORDER BY user_id`,
        [workspaceId, users],
      );
      const instances = await rows(
        `SELECT user_id, array_agg(unique_id ORDER BY entered_at, id) AS ns FROM journey_instances
         WHERE journey_id = $1 AND user_id = ANY($2) GROUP BY user_id ORDER BY user_id`,
        [journeyId, users],
      );
      const ordersSent = next / 2;
      expect(orders.reduce((sum, row) => sum + row.ns.length, 0)).toBe(Math.floor(ordersSent));
      expect(instances).toEqual(orders);
    }, RELIABILITY_TIMEOUT_MS * 2);
  }

  it('delivered each order to the webhook exactly once', async () => {
    const expected = Number((await rows(`SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND event = 'Order_Confirmation'`, [itinera.workspace.workspaceId]))[0].n);
    const delivered = () => receiver.requests.map((r) => (r.json as { idempotencyKey?: string })?.idempotencyKey);
    await waitFor(() => delivered().length >= expected, { what: `${expected} deliveries`, timeoutMs: RELIABILITY_TIMEOUT_MS });
    expect(new Set(delivered()).size).toBe(expected);
    expect(delivered()).toHaveLength(expected);
  }, RELIABILITY_TIMEOUT_MS);
});
