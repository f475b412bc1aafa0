/**
 * Scenario 3: N instances wait on holds whose deadlines are spread evenly over a 60-second window;
 * lateness = the HOLD_TIMED_OUT record's `at` (when the runtime applied the timeout) minus the deadline.
 */
import { publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { cloneWaitingInstances } from '../bulk-instances';
import { percentiles, pollUntil, round } from '../load';
import type { BenchSizes, Measure } from '../report';
import { templateInstance } from './template-instance';

const WINDOW_SECONDS = 60;

export async function holdLateness(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void, holds: number): Promise<Measure[]> {
  const ws = await env.createWorkspace(`bench-holds-${holds}`);
  const journey = await publishJourney(ws.graphql, abandonmentJourney(`holds ${holds}`, 'Application_Started', 'Application_Completed', { maxDuration: 'P1D' }));
  const template = await templateInstance(env, ws, journey.id, 'Application_Started');
  const tag = `holds-${holds}`;

  // Deadlines start well after the rows are in (loading takes about 1 s per 6,000 instances here), once
  // autovacuum has digested the bulk load: a real backlog of holds builds up over hours, not seconds.
  const leadSeconds = 30 + Math.ceil(holds / 4_000);
  const loadStart = Date.now();
  await cloneWaitingInstances(env.db, {
    templateInstanceId: template,
    userPrefix: `${tag}-user-`,
    from: 0,
    to: holds,
    deadlineSql: `now() + interval '${leadSeconds} seconds' + interval '1 millisecond' * (i::float8 * ${WINDOW_SECONDS * 1000} / ${holds})`,
    tag,
  });
  log(`${holds} waiting instances loaded in ${round((Date.now() - loadStart) / 1000, 1)} s; deadlines from +${leadSeconds} s over ${WINDOW_SECONDS} s`);
  const lastDue = new Date((await env.db.query(`SELECT max(due) AS due FROM bench_clones WHERE tag = $1`, [tag])).rows[0].due).getTime();
  if (lastDue - Date.now() > (leadSeconds + WINDOW_SECONDS) * 1000 || Date.now() > lastDue - WINDOW_SECONDS * 1000) {
    log('warning: loading took longer than the lead time; the first deadlines had passed before the rows were in');
  }

  const timedOut = () =>
    env.count(`SELECT count(*) AS n FROM activities WHERE workspace_id = $1 AND journey_id = $2 AND type = 'HOLD_TIMED_OUT'`, [ws.workspaceId, journey.id]);
  const done = await pollUntil(async () => (await timedOut()) >= holds, { maxMs: lastDue - Date.now() + sizes.drainSeconds * 1000, intervalMs: 1000 });
  const fired = await timedOut();

  const span = Number(
    (
      await env.db.query(
        `SELECT extract(epoch FROM max(a.at) - min(c.due)) AS s FROM bench_clones c JOIN activities a ON a.instance_id = c.id AND a.type = 'HOLD_TIMED_OUT' WHERE c.tag = $1`,
        [tag],
      )
    ).rows[0].s,
  );
  const rows: { lateness_ms: number }[] = (
    await env.db.query(
      `SELECT extract(epoch FROM a.at - c.due) * 1000 AS lateness_ms
       FROM bench_clones c JOIN activities a ON a.instance_id = c.id AND a.type = 'HOLD_TIMED_OUT'
       WHERE c.tag = $1`,
      [tag],
    )
  ).rows;
  const stats = percentiles(rows.map((r) => Number(r.lateness_ms)));
  // Where in the window the late ones were: p99 per tenth of it.
  const byTenth: { tenth: number; p99: number; max: number }[] = (
    await env.db.query(
      `SELECT floor(c.i * 10.0 / $2)::int AS tenth, percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM a.at - c.due) * 1000) AS p99,
              max(extract(epoch FROM a.at - c.due) * 1000) AS max
       FROM bench_clones c JOIN activities a ON a.instance_id = c.id AND a.type = 'HOLD_TIMED_OUT' WHERE c.tag = $1 GROUP BY 1 ORDER BY 1`,
      [tag, holds],
    )
  ).rows.map((r) => ({ tenth: r.tenth, p99: Number(r.p99), max: Number(r.max) }));
  log(`lateness p99 per 6 s of the window: ${byTenth.map((t) => round(t.p99)).join(', ')} ms`);
  const duplicates = await env.count(
    `SELECT count(*) AS n FROM (SELECT instance_id FROM activities WHERE journey_id = $1 AND type = 'HOLD_TIMED_OUT' GROUP BY instance_id HAVING count(*) > 1) d`,
    [journey.id],
  );
  log(`${fired} of ${holds} timeouts fired; lateness p50 ${round(stats.p50)} ms, p99 ${round(stats.p99)} ms, max ${round(stats.max)} ms; ${duplicates} fired twice`);

  return [
    {
      scenario: '3 hold expiry',
      measure: `lateness p99, ${holds.toLocaleString('en-US')} holds expiring within ${WINDOW_SECONDS} s (p50 in notes)`,
      value: stats.p99,
      unit: 'ms',
      target: holds === 100_000 ? { op: '<', value: 250 } : undefined,
      rawKey: undefined,
      higherIsBetter: false,
      note: `p50 ${round(stats.p50)} ms, max ${round(stats.max)} ms; p99 per tenth of the window: ${byTenth.map((t) => round(t.p99)).join(' / ')} ms; ${fired} of ${holds} fired${done ? '' : ' (NOT all in time)'}, ${duplicates} twice; needs ${round(holds / WINDOW_SECONDS)} timeouts/s`,
    },
    {
      scenario: '3 hold expiry',
      measure: `timeouts applied per second (${holds.toLocaleString('en-US')} holds)`,
      value: fired / span,
      unit: '/s',
      rawKey: 'rowTransactionsPerSecond',
      higherIsBetter: true,
      note: `${fired} timeouts from the first deadline to the last firing (${round(span, 1)} s); DB alone: one-row UPDATE transactions/s from 12 connections`,
    },
  ];
}
