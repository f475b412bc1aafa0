import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeliveryService } from '../../src/deliveries/delivery.service';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { applicationStartedContext, destinationId } from '../deliveries/send-step';
import { GraphqlClient } from '../harness/clients';
import { createWebhookDestination } from '../harness/journeys';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const B_DELIVERIES = reliabilitySize('NEIGHBOUR_B_DELIVERIES', 200);
const A_HANGING = reliabilitySize('NEIGHBOUR_A_HANGING', 64);
const A_NUL = reliabilitySize('NEIGHBOUR_A_NUL', 64);
/** A's hanging destination times out after this long: before per-destination shares, B waited that long. */
const HANGING_TIMEOUT_MS = 20_000;
const RETRY_DELAY_MS = 1_000;

/**
 * Issue 14, the noisy neighbour: workspace A's destinations hang (never answer) or answer with a NUL in
 * their body, while workspace B delivers. B's p99 delivery time stays within 2× of its time alone, B's
 * retries run when they are due, and B's receiver sees every idempotency key exactly once.
 */
describe('a noisy neighbour workspace', () => {
  let itinera: TestApp;
  let hanging: RecordingServer;
  let nul: RecordingServer;
  let bReceiver: RecordingServer;
  let b: { workspaceId: string; graphql: GraphqlClient };
  let bDestination: string;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 3, baseDelayMs: RETRY_DELAY_MS, maxDelayMs: RETRY_DELAY_MS } } });
    [hanging, nul, bReceiver] = await Promise.all([startRecordingServer(), startRecordingServer(), startRecordingServer()]);
    hanging.replyWith('no-answer');
    nul.replyWith({ status: 200, body: '{"ok":"\\u0000"}' });
    const other = await itinera.createWorkspace('workspace B');
    b = { workspaceId: other.credentials.workspaceId, graphql: other.graphql };
    bDestination = await createWebhookDestination(b.graphql, bReceiver.url);
  });
  afterAll(async () => {
    // Closed first, so A's hanging attempts end now rather than holding the shutdown.
    await hanging.close();
    await itinera.close();
    await Promise.all([nul.close(), bReceiver.close()]);
  });

  /** Schedules one send to `destination` per key, in one transaction, as a runtime batch does. */
  const schedule = async (workspaceId: string, destination: string, count: number): Promise<string[]> => {
    const sends = Array.from({ length: count }, () => {
      const journeyId = randomUUID();
      const instanceId = randomUUID();
      const request = {
        stepKey: 'application_nudge',
        visit: 1,
        idempotencyKey: `${instanceId}:application_nudge:1`,
        destinationId: destination,
        action: 'send',
        eventName: 'Application Nudge',
        mapping: {},
        context: applicationStartedContext(journeyId, instanceId),
      };
      return { origin: { workspaceId, journeyId, instanceId, userId: '88' }, requests: [request] };
    });
    await itinera.app.get(DataSource).transaction((manager) => itinera.app.get(DeliveryService).schedule(manager, sends));
    return sends.map((send) => send.requests[0].idempotencyKey);
  };

  /** B's deliveries of one burst: how long each took from scheduling to its arrival, in ms. */
  const burstOfB = async (): Promise<number[]> => {
    const scheduledAt = Date.now();
    const keys = await schedule(b.workspaceId, bDestination, B_DELIVERIES);
    const arrivals = await waitFor(
      () => {
        const byKey = new Map(bReceiver.requests.map((r) => [r.headers['idempotency-key'] as string, r.receivedAt]));
        return keys.every((key) => byKey.has(key)) ? keys.map((key) => byKey.get(key)! - scheduledAt) : undefined;
      },
      { timeoutMs: HANGING_TIMEOUT_MS * 2, what: `B's ${B_DELIVERIES} deliveries` },
    );
    return arrivals;
  };

  const p99 = (times: number[]) => [...times].sort((x, y) => x - y)[Math.ceil(times.length * 0.99) - 1];

  it(
    'delays none of B’s deliveries beyond 2× its time alone, runs B’s retries when due, and duplicates none',
    async () => {
      await burstOfB(); // warm-up: connections, plans
      const alone = p99(await burstOfB());
      process.stdout.write(`B alone p99 ${alone} ms\n`);

      const aHanging = await createWebhookDestination(itinera.graphql, hanging.url, { timeoutMs: HANGING_TIMEOUT_MS });
      const aNul = await destinationId(itinera, { name: 'answers NUL', plugin: 'webhook', settings: { url: nul.url } });
      await schedule(itinera.workspace.workspaceId, aHanging, A_HANGING);
      const nulKeys = await schedule(itinera.workspace.workspaceId, aNul, A_NUL);
      // A's hanging attempts are in flight and its NUL answers have come back (before, recording them
      // rolled back whole groups, which were then sent again and again).
      await waitFor(() => hanging.requests.length > 0 && new Set(nul.requests.map((r) => r.headers['idempotency-key'])).size === A_NUL, {
        timeoutMs: HANGING_TIMEOUT_MS,
        what: 'A’s attempts to start',
      });

      const crowded = p99(await burstOfB());

      // A retry of B's, due RETRY_DELAY_MS after its first attempt, while A still hangs.
      const flaky = await startRecordingServer();
      flaky.replyWith(({ headers }) => (flaky.requests.filter((r) => r.headers['idempotency-key'] === headers['idempotency-key']).length === 1 ? { status: 503 } : { status: 200 }));
      try {
        const [retryKey] = await schedule(b.workspaceId, await createWebhookDestination(b.graphql, flaky.url), 1);
        await waitFor(() => flaky.requests.length === 2, { timeoutMs: HANGING_TIMEOUT_MS, what: 'B’s retry' });
        const late = flaky.requests[1].receivedAt - flaky.requests[0].receivedAt - RETRY_DELAY_MS;
        expect(flaky.requests.map((r) => r.headers['idempotency-key'])).toEqual([retryKey, retryKey]);
        expect(late).toBeLessThan(1_500);
      } finally {
        await flaky.close();
      }

      expect(hanging.requests.length).toBeGreaterThan(0);
      expect(crowded).toBeLessThanOrEqual(2 * alone);
      const bKeys = bReceiver.requests.map((r) => r.headers['idempotency-key']);
      expect(bKeys.length).toBe(3 * B_DELIVERIES);
      expect(new Set(bKeys).size).toBe(bKeys.length);
      // A's NUL-answering destination got each of its keys once, and they are recorded DELIVERED.
      await waitFor(async () => Number((await itinera.db.query(`SELECT count(*) AS n FROM deliveries WHERE destination_id = $1 AND status = 'DELIVERED'`, [aNul])).rows[0].n) === A_NUL, {
        what: 'A’s NUL-answering deliveries recorded',
      });
      expect(nul.requests.map((r) => r.headers['idempotency-key']).sort()).toEqual([...nulKeys].sort());
      // A's hanging destination never had more than its share in flight.
      expect(hanging.requests.length).toBeLessThanOrEqual(itinera.config.deliveryConcurrency.perDestination);
      process.stdout.write(`noisy neighbour: B p99 alone ${alone} ms, beside A ${crowded} ms\n`);
    },
    RELIABILITY_TIMEOUT_MS,
  );
});
