/**
 * Scenario 6: what one more worker process adds. A backlog of events (10% trigger a journey whose
 * instances then wait on a hold) is built while no worker runs; then 1, and in a second round 2, worker
 * processes start at once and drain it. Each round has a database of its own (and an API process on it
 * to build the backlog), so the second round is not measured against the first one's rows. Reported:
 * events applied per second with each count, so SCALING.md can say what an added worker buys here.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { ItineraProcess } from '../../test/harness/itinera-process';
import { publishJourney } from '../../test/harness/journeys';
import { acceptedVsApplied, type AcceptedVsApplied } from '../accepted-vs-applied';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { closedLoop, pollUntil, round } from '../load';
import type { BenchSizes, Measure } from '../report';

const BATCH_SIZE = 100;

export async function workerScaling(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void): Promise<{ measures: Measure[]; checks: AcceptedVsApplied[] }> {
  const events = sizes.quick ? 10_000 : 100_000;
  const measures: Measure[] = [];
  const checks: AcceptedVsApplied[] = [];
  let rateWithOne = 0;
  for (const workers of [1, 2]) {
    // A database of its own per round: the second round must not drain against the first's rows and dead tuples.
    const databaseUrl = await env.freshDatabase(`itinera_workers_${workers}_${Date.now()}`);
    const api = await env.spawn(databaseUrl, 'api');
    const db = new Pool({ connectionString: databaseUrl, max: 2 });
    db.on('error', () => undefined);
    const started: ItineraProcess[] = [];
    try {
      const ws = await env.createWorkspace(`bench-workers-${workers}`, api.url);
      await publishJourney(ws.graphql, abandonmentJourney('worker scaling', 'Trial_Started', 'Trial_Converted', { maxDuration: 'PT1H' }));
      // A hold that waits for Page_Browsed makes every event of the backlog one the runtime applies: this
      // measures the runtime per worker, not ingestion's skipping of events nothing reads (improvement 18).
      await publishJourney(ws.graphql, abandonmentJourney('reads browsing', 'Never_Sent', 'Page_Browsed', { maxDuration: 'PT1H' }));
      log(`${workers} worker(s): building a backlog of ${events.toLocaleString('en-US')} events on a fresh database, with no worker running`);
      await closedLoop({ concurrency: 8, maxOps: events / BATCH_SIZE, maxMs: 300_000 }, async (i) => {
        const batch = Array.from({ length: BATCH_SIZE }, (_, j) => {
          const n = i * BATCH_SIZE + j;
          return { type: 'track', userId: `u${n % 5_000}`, event: n % 10 === 0 ? 'Trial_Started' : 'Page_Browsed', messageId: randomUUID(), properties: { n } };
        });
        return (await ws.ingestion.batch(batch)).status === 200;
      });
      const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
      await db.query('CHECKPOINT');
      started.push(...(await Promise.all(Array.from({ length: workers }, () => env.spawn(databaseUrl, 'worker')))));
      const t0 = performance.now();
      const unapplied = await count(
        `SELECT count(*) AS n FROM events e LEFT JOIN event_cursors c ON c.workspace_id = e.workspace_id AND c.user_id = e.user_id
         WHERE e.applies AND e.seq > COALESCE(c.applied_seq, 0)`,
      );
      const drained = await pollUntil(
        async () => (await count(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'user-events' AND state < 'completed' AND start_after <= now()`)) === 0,
        { maxMs: sizes.drainSeconds * 1000, intervalMs: 100 },
      );
      const seconds = (performance.now() - t0) / 1000;
      const rate = unapplied / seconds;
      if (workers === 1) rateWithOne = rate;
      log(`${workers} worker(s): ${unapplied} events left when all were ready, applied in ${round(seconds, 1)} s: ${round(rate)} events/s${drained ? '' : ' (NOT drained)'}`);
      measures.push({
        scenario: '6 workers',
        measure: `backlog applied by ${workers} worker process${workers > 1 ? 'es' : ''}, events/s`,
        value: rate,
        unit: 'ev/s',
        higherIsBetter: true,
        note: `${unapplied.toLocaleString('en-US')} events (10% enter a journey), fresh database${workers > 1 && rateWithOne ? `; ${round(rate / rateWithOne, 2)}× one worker` : ''}${drained ? '' : '; NOT drained'}`,
      });
      // The round's database is its own: the run's check after the scenario would not see it.
      checks.push(await acceptedVsApplied(databaseUrl, `scenario 6: ${workers} worker process(es) (its own database)`));
    } finally {
      await Promise.all([...started, api].map((p) => p.stop()));
      await db.end().catch(() => undefined);
    }
  }
  return { measures, checks };
}
