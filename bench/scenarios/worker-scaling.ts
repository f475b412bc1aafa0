/**
 * Scenario 6: what one more worker process adds. A backlog of events (10% trigger a journey whose
 * instances then wait on a hold) is built while no worker runs; then 1, and in a second round 2, worker
 * processes start at once and drain it. Reported: events applied per second with each count, so
 * SCALING.md can say what an added worker buys on this machine.
 */
import { randomUUID } from 'node:crypto';
import { publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { closedLoop, pollUntil, round } from '../load';
import type { BenchSizes, Measure } from '../report';

const BATCH_SIZE = 100;

export async function workerScaling(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void): Promise<Measure[]> {
  const ws = await env.createWorkspace('bench-workers');
  await publishJourney(ws.graphql, abandonmentJourney('worker scaling', 'Trial_Started', 'Trial_Converted', { maxDuration: 'PT1H' }));
  const events = sizes.quick ? 10_000 : 100_000;
  const measures: Measure[] = [];
  let rateWithOne = 0;
  for (const workers of [1, 2]) {
    const round_ = `w${workers}-${randomUUID().slice(0, 8)}`;
    await env.replaceWorkers(workers, async () => {
      log(`${workers} worker(s): building a backlog of ${events.toLocaleString('en-US')} events with no worker running`);
      await closedLoop({ concurrency: 8, maxOps: events / BATCH_SIZE, maxMs: 300_000 }, async (i) => {
        const batch = Array.from({ length: BATCH_SIZE }, (_, j) => {
          const n = i * BATCH_SIZE + j;
          return { type: 'track', userId: `${round_}-u${n % 5_000}`, event: n % 10 === 0 ? 'Trial_Started' : 'Page_Browsed', messageId: randomUUID(), properties: { n } };
        });
        return (await ws.ingestion.batch(batch)).status === 200;
      });
    });
    const started = performance.now();
    const unapplied = await env.count(
      `SELECT count(*) AS n FROM events e LEFT JOIN event_cursors c ON c.workspace_id = e.workspace_id AND c.user_id = e.user_id
       WHERE e.workspace_id = $1 AND e.user_id LIKE $2 AND e.seq > COALESCE(c.applied_seq, 0)`,
      [ws.workspaceId, `${round_}-%`],
    );
    const drained = await pollUntil(async () => (await env.pendingJobs('user-events')) === 0, { maxMs: sizes.drainSeconds * 1000, intervalMs: 100 });
    const seconds = (performance.now() - started) / 1000;
    const rate = unapplied / seconds;
    if (workers === 1) rateWithOne = rate;
    log(`${workers} worker(s): ${unapplied} events left when all were ready, applied in ${round(seconds, 1)} s: ${round(rate)} events/s${drained ? '' : ' (NOT drained)'}`);
    measures.push({
      scenario: '6 workers',
      measure: `backlog applied by ${workers} worker process${workers > 1 ? 'es' : ''}, events/s`,
      value: rate,
      unit: 'ev/s',
      higherIsBetter: true,
      note: `${unapplied.toLocaleString('en-US')} events (10% enter a journey)${workers > 1 && rateWithOne ? `; ${round(rate / rateWithOne, 2)}× one worker` : ''}${drained ? '' : '; NOT drained'}`,
    });
  }
  await env.replaceWorkers(1);
  return measures;
}
