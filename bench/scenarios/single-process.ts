/**
 * Scenario 10: the latency and hold-burst figures of scenarios 2 and 3 on the default single process
 * (`npm start`: API and worker in one process, ITINERA_ROLE=all) on a database of its own, beside the
 * api/worker split the rest of the run measures. The rates stop at 500 events/s, the target.
 */
import { Pool } from 'pg';
import { acceptedVsApplied, type AcceptedVsApplied } from '../accepted-vs-applied';
import type { BenchEnvironment } from '../bench-environment';
import type { BenchSizes, Measure } from '../report';
import { entryLatency } from './entry-latency';
import { holdBurst } from './hold-lateness';

const SCENARIO = '10 single process';

export async function singleProcess(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void, burst: number): Promise<{ measures: Measure[]; check: AcceptedVsApplied }> {
  const databaseUrl = await env.freshDatabase(`itinera_single_${Date.now()}`);
  const itinera = await env.spawn(databaseUrl, 'all');
  const db = new Pool({ connectionString: databaseUrl, max: 2 });
  db.on('error', () => undefined);
  try {
    const target = { apiUrl: itinera.url, scenario: SCENARIO };
    const measures = [...(await entryLatency(env, sizes, log, target, [100, 200, 500])), ...(await holdBurst(env, sizes, log, burst, { ...target, db }))];
    // Its database is its own: the run's check after the scenario would not see it.
    return { measures, check: await acceptedVsApplied(databaseUrl, `${SCENARIO} (its own database)`) };
  } finally {
    await db.end().catch(() => undefined);
    await itinera.stop();
  }
}
