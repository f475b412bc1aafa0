/**
 * Scenario 1: events accepted and committed per second, through /v1/batch (100 per batch) and through
 * single /v1/track calls from 32 connections, while 3 published journeys are triggered by 10% of the
 * events and the worker applies them.
 */
import { randomUUID } from 'node:crypto';
import { createWebhookDestination, publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { closedLoop, percentiles, pollUntil, round } from '../load';
import type { BenchSizes, Measure } from '../report';

const TRIGGERS = ['Application_Started', 'Product_Added', 'Trial_Started'];
const BROWSING = ['Page_Browsed', 'Product_Viewed', 'Search_Performed', 'Banner_Clicked'];
const BATCH_SIZE = 100;
const TRACK_CONNECTIONS = 32;

/** 10% of events trigger one of the three journeys; users are drawn from a fixed pool. */
function benchEvent(i: number, users: number) {
  const triggering = i % 10 === 0;
  const userId = `u-${(i * 7919) % users}`;
  return {
    type: 'track',
    userId,
    event: triggering ? TRIGGERS[(i / 10) % TRIGGERS.length] : BROWSING[i % BROWSING.length],
    messageId: randomUUID(),
    properties: { Application_id: `a-${i}`, product_id: `p-${i % 500}`, price: (i % 100) + 0.99, path: `/catalog/${i % 50}` },
    context: { library: { name: 'itinera-bench', version: '1' }, ip: '127.0.0.1' },
  };
}

export async function ingestionThroughput(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void): Promise<Measure[]> {
  const ws = await env.createWorkspace('bench-ingestion');
  const webhook = await createWebhookDestination(ws.graphql, env.sink.url);
  for (const [n, trigger] of TRIGGERS.entries()) {
    await publishJourney(ws.graphql, abandonmentJourney(`ingestion journey ${n + 1}`, trigger, 'Order_Completed', { maxDuration: 'PT1H', webhook }));
  }
  const stored = () => env.count('SELECT count(*) AS n FROM events WHERE workspace_id = $1', [ws.workspaceId]);

  // Warm-up: connections, caches, JIT.
  await closedLoop({ concurrency: 4, maxOps: 20, maxMs: 10_000 }, async (i) => (await ws.ingestion.batch(batchAt(1_000_000 + i, sizes.users))).status === 200);
  await waitForWorker(env, 60_000);

  log(`batch: ${sizes.ingestionSeconds} s or ${sizes.maxBatchEvents} events, ${sizes.batchConnections} connections`);
  const before = await stored();
  const batches = await closedLoop(
    { concurrency: sizes.batchConnections, maxOps: Math.ceil(sizes.maxBatchEvents / BATCH_SIZE), maxMs: sizes.ingestionSeconds * 1000 },
    async (i) => (await ws.ingestion.batch(batchAt(i * BATCH_SIZE, sizes.users))).status === 200,
  );
  const committed = (await stored()) - before;
  const batchRate = (batches.ok * BATCH_SIZE) / (batches.elapsedMs / 1000);
  const batchLatency = percentiles(batches.latencies);
  log(`batch: ${round(batchRate)} events/s, ${batches.failed} failed requests, committed ${committed} of ${batches.ok * BATCH_SIZE}`);

  const drainStart = Date.now();
  const drained = await waitForWorker(env, sizes.drainSeconds * 1000);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const appliedRate = (batches.ok * BATCH_SIZE) / (batches.elapsedMs / 1000 + drainSeconds);
  log(`worker ${drained ? 'drained' : 'did NOT drain'} the user-events queue ${round(drainSeconds, 1)} s after the load stopped`);

  log(`track: ${sizes.ingestionSeconds} s, ${TRACK_CONNECTIONS} connections`);
  const beforeTrack = await stored();
  const tracks = await closedLoop(
    { concurrency: TRACK_CONNECTIONS, maxOps: sizes.maxBatchEvents, maxMs: sizes.ingestionSeconds * 1000 },
    async (i) => (await ws.ingestion.track(benchEvent(10_000_000 + i, sizes.users))).status === 200,
  );
  const committedTracks = (await stored()) - beforeTrack;
  const trackRate = tracks.ok / (tracks.elapsedMs / 1000);
  const trackLatency = percentiles(tracks.latencies);
  log(`track: ${round(trackRate)} events/s, ${tracks.failed} failed, committed ${committedTracks} of ${tracks.ok}`);
  await waitForWorker(env, sizes.drainSeconds * 1000);

  return [
    {
      scenario: '1 ingestion',
      measure: '/v1/batch (100 per batch), events/s accepted and committed',
      value: batchRate,
      unit: 'ev/s',
      target: { op: '>=', value: 5000 },
      rawKey: 'batchInsertRowsPerSecond',
      higherIsBetter: true,
      note: `${sizes.batchConnections} connections; request p50 ${round(batchLatency.p50)} ms, p99 ${round(batchLatency.p99)} ms; ${committed} of ${batches.ok * BATCH_SIZE} accepted events found committed; ${batches.failed} refused`,
    },
    {
      scenario: '1 ingestion',
      measure: 'journeys applied (worker drained the batch load), events/s',
      value: appliedRate,
      unit: 'ev/s',
      higherIsBetter: true,
      note: drained ? `the worker finished ${round(drainSeconds, 1)} s after the load stopped` : `NOT drained within ${sizes.drainSeconds} s`,
    },
    {
      scenario: '1 ingestion',
      measure: `/v1/track from ${TRACK_CONNECTIONS} connections, events/s`,
      value: trackRate,
      unit: 'ev/s',
      target: { op: '>=', value: 20, percentOfRaw: true },
      rawKey: 'singleInsertRowsPerSecond',
      higherIsBetter: true,
      note: `request p50 ${round(trackLatency.p50, 1)} ms, p99 ${round(trackLatency.p99, 1)} ms; ${committedTracks} of ${tracks.ok} committed; ${tracks.failed} refused`,
    },
  ];

  function batchAt(first: number, users: number) {
    return Array.from({ length: BATCH_SIZE }, (_, j) => benchEvent(first + j, users));
  }
}

/** Until the worker has applied every event it was given (no user-events job waiting or running). */
export function waitForWorker(env: BenchEnvironment, maxMs: number): Promise<boolean> {
  return pollUntil(async () => (await env.pendingJobs('user-events')) === 0 && (await env.pendingJobs('deliveries')) === 0, { maxMs, intervalMs: 250 });
}
