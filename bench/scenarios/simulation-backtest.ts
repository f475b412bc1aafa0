/**
 * Scenario 7: simulations and backtests (issue 18), both on a virtual clock.
 *  - simulation runs per second of a journey holding three days (P3D) then sending: the engine's driver
 *    in this process (`JourneySimulation`, entry → advance four days), and `simulateJourney` over the API
 *    (one request at a time, payload built by the webhook plugin);
 *  - a backtest of the same journey over `backtestEvents` stored events (inserted in bulk, marked applied:
 *    no journey of the workspace is live), as the API runs it: a job past `ITINERA_BACKTEST_INLINE_EVENTS`,
 *    timed from its row's creation to its end. Compared with the database alone reading the same events with
 *    the backtest's own keyset query, from this process, in the same run.
 */
import { Pool } from 'pg';
import { JourneySimulation, type JourneyDefinition } from '../../src/engine';
import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { validateJourneyInput, type JourneyInputShape } from '../../src/journeys/journey-validation';
import { storedEventsPage } from '../../src/simulation/backtest-replay';
import { createWebhookDestination } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { pollUntil, round } from '../load';
import type { BenchSizes, Measure, RawReference } from '../report';

const PAGE = 2_000;
const DAY_MS = 86_400_000;

export async function simulationAndBacktest(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void, raw: RawReference): Promise<Measure[]> {
  const ws = await env.createWorkspace('bench-simulation');
  const webhook = await createWebhookDestination(ws.graphql, env.sink.url);
  const input = abandonmentJourney('three-day hold', 'Application_Started', 'Application_Completed', { maxDuration: 'P3D', webhook });
  const { definition, problems } = validateJourneyInput(input as JourneyInputShape, { limits: DEFAULT_JOURNEY_LIMITS });
  if (!definition) throw new Error(`the bench journey does not validate: ${JSON.stringify(problems)}`);
  const seconds = sizes.quick ? 1 : 3;

  const engineRuns = runFor(seconds, (i) => simulateOnce(definition, i));
  log(`engine: ${round(engineRuns)} simulations/s of a P3D hold`);
  const apiRuns = await runForAsync(seconds, async () => {
    const { simulateJourney } = await ws.graphql.query(
      `query ($input: JourneyInput!) { simulateJourney(journey: $input, script: [{ track: { event: "Application_Started" } }, { advanceTo: "P4D" }]) { sends { payload } } }`,
      { input },
    );
    if (simulateJourney.sends.length !== 1) throw new Error('the simulated hold did not time out into its send');
  });
  log(`API: ${round(apiRuns)} simulateJourney requests/s`);

  const events = sizes.quick ? 20_000 : 200_000;
  const from = new Date(Date.now() - DAY_MS);
  await storeEvents(env.db, ws.workspaceId, events, from);
  const to = new Date(from.getTime() + 10 * DAY_MS);
  const rawRate = await keysetReadRate(env.databaseUrl, ws.workspaceId, from, to, events);
  raw.keysetReadEventsPerSecond = rawRate;
  log(`the database alone: ${round(rawRate)} events/s read by keyset pages of ${PAGE}`);

  const { backtestJourney } = await ws.graphql.query(
    `mutation ($input: JourneyInput!, $from: DateTime!, $to: DateTime!) { backtestJourney(journey: $input, from: $from, to: $to) { id status } }`,
    { input, from: from.toISOString(), to: to.toISOString() },
  );
  let row: { status: string; events_replayed: string; seconds: number; result: { usersEntered: number; sendsPerStep: { count: number }[] } } | undefined;
  await pollUntil(
    async () => {
      [row] = (
        await env.db.query(`SELECT status, events_replayed, result, extract(epoch FROM finished_at - created_at)::float AS seconds FROM backtests WHERE id = $1`, [
          backtestJourney.id,
        ])
      ).rows;
      return row?.status === 'DONE' || row?.status === 'FAILED';
    },
    { maxMs: 600_000, intervalMs: 100 },
  );
  if (row?.status !== 'DONE') throw new Error(`the backtest ended ${row?.status}`);
  const replayRate = Number(row.events_replayed) / row.seconds;
  log(`backtest (${backtestJourney.status} at first): ${Number(row.events_replayed).toLocaleString('en-US')} events in ${round(row.seconds, 2)} s, ${row.result.usersEntered} users entered, ${row.result.sendsPerStep[0]?.count ?? 0} nudges`);

  const scenario = '8 simulation and backtest';
  return [
    { scenario, measure: 'simulations per second, P3D hold (engine, one process)', value: engineRuns, unit: 'runs/s', higherIsBetter: true },
    { scenario, measure: 'simulateJourney per second, P3D hold (API, one at a time)', value: apiRuns, unit: 'req/s', higherIsBetter: true },
    {
      scenario,
      measure: `backtest: events replayed per second (${events.toLocaleString('en-US')} events, ${backtestJourney.status === 'QUEUED' ? 'as a job' : 'in the request'})`,
      value: replayRate,
      unit: 'events/s',
      rawKey: 'keysetReadEventsPerSecond',
      higherIsBetter: true,
      note: 'from the row’s creation to its end: counting, job pickup (if a job), paging, simulating per user',
    },
  ];
}

/** One user: enters, and the clock jumps past the three-day hold, which times out into the send. */
function simulateOnce(definition: JourneyDefinition, i: number): void {
  const simulation = new JourneySimulation({ definition, journey: { id: 'bench', name: 'bench', version: 1 }, userId: `user-${i}` });
  const start = Date.parse('2025-03-03T09:00:00.000Z');
  simulation.track({ event: 'Application_Started', properties: { Application_id: String(i) } }, start);
  simulation.advanceTo(start + 4 * DAY_MS);
  if (simulation.sends.length !== 1) throw new Error('the simulated hold did not time out into its send');
}

function runFor(seconds: number, run: (i: number) => void): number {
  const started = performance.now();
  let runs = 0;
  while (performance.now() - started < seconds * 1000) run(runs++);
  return runs / ((performance.now() - started) / 1000);
}

async function runForAsync(seconds: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  let runs = 0;
  while (performance.now() - started < seconds * 1000) {
    await run();
    runs += 1;
  }
  return runs / ((performance.now() - started) / 1000);
}

/**
 * Users of two events each, 10 ms apart: every third completes its application, the others are left to
 * time out. Their cursors are moved past them, as if applied: no journey of the workspace is live.
 */
async function storeEvents(db: Pool, workspaceId: string, count: number, from: Date): Promise<void> {
  await db.query(
    `WITH stored AS (
       INSERT INTO events (workspace_id, user_id, type, event, properties, context, message_id, timestamp, received_at)
       SELECT $1, 'bt-' || (g / 2), 'track',
              CASE WHEN g % 2 = 0 THEN 'Application_Started' WHEN (g / 2) % 3 = 0 THEN 'Application_Completed' ELSE 'Page_Viewed' END,
              jsonb_build_object('Application_id', (g / 2)::text, 'path', '/apply'), '{"library":{"name":"bench"}}', 'bt-' || g, t, t
       FROM generate_series(0, $2::int - 1) g, LATERAL (SELECT $3::timestamptz + g * interval '10 ms' AS t) x
       RETURNING user_id, seq)
     INSERT INTO event_cursors (workspace_id, user_id, applied_seq) SELECT $1, user_id, max(seq) FROM stored GROUP BY user_id
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET applied_seq = EXCLUDED.applied_seq`,
    [workspaceId, count, from],
  );
}

/** The backtest's own page query, run alone over the same events: the ceiling its replay is compared with. */
async function keysetReadRate(databaseUrl: string, workspaceId: string, from: Date, to: Date, expected: number): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const started = performance.now();
    let read = 0;
    let after: [string, string] | null = null;
    for (;;) {
      const { rows }: { rows: { user_id: string; seq: string }[] } = await pool.query(storedEventsPage(after !== null), [workspaceId, from, to, PAGE, ...(after ?? [])]);
      read += rows.length;
      if (rows.length < PAGE) break;
      after = [rows[rows.length - 1].user_id, rows[rows.length - 1].seq];
    }
    if (read !== expected) throw new Error(`read ${read} events, expected ${expected}`);
    return read / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}
