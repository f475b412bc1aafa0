import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const INSTANCES = reliabilitySize('CRASH_INSTANCES', 1_000);

/**
 * SPEC 4.1 when a worker dies: a worker process is SIGKILLed while instances are entering, waiting,
 * advancing and sending, then a new one starts. Nothing is lost (every instance completes, every send
 * arrives at least once), nothing advances twice, and every redelivery carries its send's idempotency key.
 */
describe('a worker killed in the middle of a run', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const workers: ItineraProcess[] = [];
  const startWorker = async () => {
    const worker = await spawnItinera({
      ITINERA_ROLE: 'worker',
      DATABASE_URL: itinera.databaseUrl,
      // A dead worker's jobs come back after 3 s, not 30: the test waits for that recovery.
      ITINERA_JOB_EXPIRE_SECONDS: '3',
      ITINERA_QUEUE_MAINTENANCE_SECONDS: '1',
      ITINERA_DELIVERY_JOB_EXPIRE_SECONDS: '4',
    });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    itinera = await startTestApp({
      config: { role: 'api', jobExpireSeconds: 3, queueMaintenanceSeconds: 1, deliveryJobExpireSeconds: 4, journeyLimits: { ...DEFAULT_JOURNEY_LIMITS } },
    });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? w.kill() : undefined)));
    await itinera.close();
    await receiver.close();
  });

  const count = async (sql: string, params: unknown[]) => Number((await itinera.db.query(sql, params)).rows[0].n);

  it(`loses none of ${INSTANCES} instances, advances none twice, and redelivers only under the same idempotency key`, async () => {
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url, { timeoutMs: 2000 });
    const journey = await publishJourney(itinera.graphql, {
      name: 'crash recovery',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      steps: [
        { key: 'short_wait', name: 'Short wait', type: 'WAIT', wait: { duration: 'PT1S' }, next: 'confirm' },
        { key: 'confirm', name: 'Confirm', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { cart: { '@path': '$.entry.properties.cart_ID' } } } } },
      ],
    });
    const received = () => receiver.requests.map((r) => r.json as { journeyId: string; idempotencyKey: string; data: { cart: string } }).filter((b) => b?.journeyId === journey.id);

    await startWorker();
    for (let i = 0; i < INSTANCES; i += 100) {
      const batch = Array.from({ length: Math.min(100, INSTANCES - i) }, (_, j) => ({
        type: 'track',
        userId: `crash-${i + j}`,
        event: 'Order_Confirmation',
        properties: { cart_ID: `c-${i + j}` },
      }));
      expect((await itinera.ingestion.batch(batch)).status).toBe(200);
    }
    // Killed mid-run: some instances delivered, others entered and waiting, others not yet entered.
    await waitFor(() => received().length >= INSTANCES * 0.1, { what: 'the run to be under way', timeoutMs: 60_000, intervalMs: 10 });
    for (const worker of workers.splice(0)) await worker.kill();
    const deliveredBeforeKill = received().length;
    const enteredBeforeKill = await count('SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1', [journey.id]);
    expect(deliveredBeforeKill).toBeLessThan(INSTANCES);
    await startWorker();

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1 AND status = 'COMPLETED'`, [journey.id])) === INSTANCES, {
      timeoutMs: RELIABILITY_TIMEOUT_MS,
      what: `${INSTANCES} completed instances`,
    });
    // Each instance entered, waited and completed exactly once.
    const activity = (
      await itinera.db.query(
        `SELECT instance_id, count(*) FILTER (WHERE type = 'ENTERED')::int AS entered, count(*) FILTER (WHERE type = 'WAIT_ELAPSED')::int AS waits,
                count(*) FILTER (WHERE type = 'COMPLETED')::int AS completed
         FROM activities WHERE journey_id = $1 GROUP BY instance_id`,
        [journey.id],
      )
    ).rows;
    expect(activity).toHaveLength(INSTANCES);
    expect(activity.filter((r) => r.entered !== 1 || r.waits !== 1 || r.completed !== 1)).toEqual([]);
    expect(await count('SELECT count(DISTINCT user_id) AS n FROM journey_instances WHERE journey_id = $1', [journey.id])).toBe(INSTANCES);

    // Every send arrives at least once; a redelivery is the same send (same key, same payload).
    const expectedKeys = (await itinera.db.query('SELECT id, context FROM journey_instances WHERE journey_id = $1', [journey.id])).rows.map(
      (r) => [`${r.id}:confirm:1`, r.context.entry.properties.cart_ID] as const,
    );
    await waitFor(() => new Set(received().map((b) => b.idempotencyKey)).size === INSTANCES, { timeoutMs: RELIABILITY_TIMEOUT_MS, what: 'every send at least once' });
    const cartByKey = new Map<string, string>(expectedKeys);
    const deliveries = received();
    expect([...new Set(deliveries.map((b) => b.idempotencyKey))].sort()).toEqual([...cartByKey.keys()].sort());
    expect(deliveries.filter((b) => b.data.cart !== cartByKey.get(b.idempotencyKey))).toEqual([]);
    expect(await count('SELECT count(*) AS n FROM deliveries WHERE journey_id = $1', [journey.id])).toBe(INSTANCES);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM deliveries WHERE journey_id = $1 AND status = 'DELIVERED'`, [journey.id])) === INSTANCES, {
      what: 'every delivery recorded as delivered',
    });

    const timesByKey = new Map<string, number>();
    for (const b of deliveries) timesByKey.set(b.idempotencyKey, (timesByKey.get(b.idempotencyKey) ?? 0) + 1);
    const duplicates = [...timesByKey.values()].reduce((sum, times) => sum + times - 1, 0);
    expect(duplicates).toBe(deliveries.length - INSTANCES);
    console.log(
      `crash: killed with ${enteredBeforeKill} of ${INSTANCES} instances entered and ${deliveredBeforeKill} delivered; ` +
        `${duplicates} redelivered after the restart, each under its original idempotency key`,
    );
  }, RELIABILITY_TIMEOUT_MS * 2);
});
