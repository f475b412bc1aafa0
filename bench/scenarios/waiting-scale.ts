/**
 * Scenario 4: does a large number of waiting instances cost anything per event, or memory in the
 * worker? The same matching workload runs with 10,000 and with 1,000,000 instances waiting on holds
 * (bulk-cloned rows, see bulk-instances.ts), each phase measuring:
 *  - matching one event: the runtime's own lookup of the instances an event of a user can concern
 *    (InstanceStore.lockActiveOfUsers, the statement every user-events job runs), timed from here
 *    for users still waiting, one at a time;
 *  - the matching job: a user-events job's run time as pg-boss recorded it (started_on → completed_on:
 *    lock the user, load events and active instances, apply the engine, persist, complete the job);
 *  - end to end: the event's 200 → the HOLD_MATCHED record's `at`;
 *  - the worker process's RSS after the phase.
 */
import type { EntityManager } from 'typeorm';
import { InstanceStore } from '../../src/instances/instance-store';
import { publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { abandonmentJourney } from '../bench-journeys';
import { cloneWaitingInstances } from '../bulk-instances';
import { openLoop, percentiles, pollUntil, round, sampleRss, sleep } from '../load';
import { matchTransactionLatency } from '../raw-postgres';
import type { BenchSizes, Measure, RawReference } from '../report';
import { templateInstance } from './template-instance';

export async function waitingScale(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void, raw: RawReference): Promise<Measure[]> {
  await env.restartWorker();
  const ws = await env.createWorkspace('bench-scale');
  const journey = await publishJourney(ws.graphql, abandonmentJourney('waiting at scale', 'Application_Started', 'Application_Completed', { maxDuration: 'P7D' }));
  const template = await templateInstance(env, ws, journey.id, 'Application_Started');
  const tag = 'scale';
  const prefix = `${tag}-user-`;
  // Deadlines between 1 and 7 days away: nothing times out during the run.
  const deadlineSql = `now() + interval '1 day' + interval '6 days' * random()`;

  const phases: { label: string; waiting: number; lookup: ReturnType<typeof percentiles>; job: ReturnType<typeof percentiles>; endToEnd: ReturnType<typeof percentiles>; rss: number; peak: number }[] = [];
  let loaded = 0;
  // Users are picked among the clones this phase added (a permutation of them), each matched once.
  let pick = (_s: number) => '';
  let picked = 0;
  for (const waiting of [sizes.scaleSmall, sizes.scaleLarge]) {
    const base = loaded;
    pick = (s: number) => `${prefix}${base + ((s * 7919) % (waiting - base))}`;
    picked = 0;
    const started = Date.now();
    await cloneWaitingInstances(env.db, { templateInstanceId: template, userPrefix: prefix, from: loaded, to: waiting, deadlineSql, tag });
    log(`${waiting.toLocaleString('en-US')} waiting instances (${round((Date.now() - started) / 1000, 1)} s to load ${(waiting - loaded).toLocaleString('en-US')})`);
    loaded = waiting;
    const active = await env.count(`SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1 AND status = 'ACTIVE'`, [journey.id]);

    // A warm-up first, not measured.
    const warm = Array.from({ length: Math.min(200, sizes.matchEvents) }, () => pick(picked++));
    await matchUsers(warm);
    const users = Array.from({ length: sizes.matchEvents }, () => pick(picked++));
    const rss = sampleRss(env.workerPid);
    const { accepted } = await matchUsers(users);
    await sleep(1_000);
    const memory = rss.stop();

    const lookup = await lookupMillis(Array.from({ length: sizes.matchEvents }, () => pick(picked++)));
    const job = percentiles(await jobMillis(users));
    const matchedAt = await matchedTimes(users);
    const endToEnd = percentiles([...accepted].flatMap(([user, at]) => (matchedAt.has(user) ? [matchedAt.get(user)! - at] : [])));
    log(
      `${active.toLocaleString('en-US')} active: lookup p50 ${round(lookup.p50, 2)} ms p99 ${round(lookup.p99, 2)} ms; job p50 ${round(job.p50, 1)} ms p99 ${round(job.p99, 1)} ms; 200 → matched p50 ${round(endToEnd.p50)} ms p99 ${round(endToEnd.p99)} ms; worker RSS ${round(memory.last)} MB (peak ${round(memory.peak)})`,
    );
    phases.push({ label: waiting.toLocaleString('en-US'), waiting: active, lookup, job, endToEnd, rss: memory.last, peak: memory.peak });
  }

  // The database alone doing what matching does to these rows (lock the user's active instances,
  // update one, append an activity), at the same scale.
  const rawUsers = Array.from({ length: sizes.matchEvents }, () => pick(picked++));
  raw.matchTransactionP99Ms = (await matchTransactionLatency(env.db, ws.workspaceId, rawUsers, sizes.matchRate)).p99;
  log(`DB alone, the same transaction shape at ${loaded.toLocaleString('en-US')} rows: p99 ${round(raw.matchTransactionP99Ms, 2)} ms`);

  const [small, large] = phases;
  const growth = ((large.rss - small.rss) / small.rss) * 100;
  return [
    ...phases.map(
      (phase): Measure => ({
        scenario: '4 scale of waiting',
        measure: `matching one event: lookup p99 at ${phase.label} waiting (p50 in notes)`,
        value: phase.lookup.p99,
        unit: 'ms',
        target: phase === large ? { op: '<', value: 5 } : undefined,
        higherIsBetter: false,
        note: `p50 ${round(phase.lookup.p50, 2)} ms, max ${round(phase.lookup.max, 2)} ms (${phase.lookup.n} users still waiting, one at a time, from the load generator: includes the loopback round trip)`,
      }),
    ),
    ...phases.map(
      (phase): Measure => ({
        scenario: '4 scale of waiting',
        measure: `whole matching job p99 at ${phase.label} waiting (p50 in notes)`,
        value: phase.job.p99,
        unit: 'ms',
        rawKey: 'matchTransactionP99Ms',
        higherIsBetter: false,
        note: `job p50 ${round(phase.job.p50, 2)} ms (${phase.job.n} jobs); event 200 → HOLD_MATCHED p50 ${round(phase.endToEnd.p50)} ms, p99 ${round(phase.endToEnd.p99)} ms (${phase.endToEnd.n} events at ${sizes.matchRate}/s); ${phase.waiting.toLocaleString('en-US')} instances ACTIVE`,
      }),
    ),
    ...phases.map(
      (phase): Measure => ({
        scenario: '4 scale of waiting',
        measure: `worker RSS at ${phase.label} waiting`,
        value: phase.rss,
        unit: 'MB',
        higherIsBetter: false,
        note: `after the matching phase; peak during it ${round(phase.peak)} MB`,
      }),
    ),
    {
      scenario: '4 scale of waiting',
      measure: `worker RSS growth from ${small.label} to ${large.label} waiting`,
      value: growth,
      unit: '%',
      target: { op: '<=', value: 20 },
      higherIsBetter: false,
      note: `${round(small.rss)} MB → ${round(large.rss)} MB`,
    },
  ];

  async function matchUsers(userIds: string[]) {
    const accepted = new Map<string, number>();
    await openLoop({ rate: sizes.matchRate, count: userIds.length, maxMs: (userIds.length / sizes.matchRate) * 1000 + 5_000 }, async (k) => {
      const response = await ws.ingestion.track({ userId: userIds[k], event: 'Application_Completed', properties: { Application_id: '1234' } });
      if (response.status !== 200) return false;
      accepted.set(userIds[k], Date.now());
      return true;
    });
    await pollUntil(async () => (await matchedTimes(userIds)).size === userIds.length, { maxMs: 60_000, intervalMs: 250 });
    return { accepted };
  }

  async function matchedTimes(userIds: string[]): Promise<Map<string, number>> {
    const rows = (
      await env.db.query(
        `SELECT user_id, (extract(epoch FROM at) * 1000)::float8 AS at FROM activities
         WHERE workspace_id = $1 AND user_id = ANY($2) AND type = 'HOLD_MATCHED'`,
        [ws.workspaceId, userIds],
      )
    ).rows;
    return new Map(rows.map((r) => [r.user_id, Number(r.at)]));
  }

  /** The runtime's lookup itself (its own code and SQL), on a connection of the load generator's. */
  async function lookupMillis(userIds: string[]): Promise<ReturnType<typeof percentiles>> {
    const client = await env.db.connect();
    try {
      // Shaped as a transaction's manager: queryPrepared runs the lookup on the runner's connection.
      const manager = { queryRunner: { connect: async () => client } } as unknown as EntityManager;
      const times: number[] = [];
      for (const userId of userIds) {
        await client.query('BEGIN');
        const t0 = performance.now();
        const found = await InstanceStore.lockActiveOfUsers(manager, [{ workspaceId: ws.workspaceId, userId }]);
        times.push(performance.now() - t0);
        await client.query('ROLLBACK');
        if (found.get(`${ws.workspaceId}:${userId}`)?.length !== 1) throw new Error(`lookup found no waiting instance of ${userId}`);
      }
      return percentiles(times);
    } finally {
      client.release();
    }
  }

  async function jobMillis(userIds: string[]): Promise<number[]> {
    const rows = (
      await env.db.query(
        `SELECT (extract(epoch FROM completed_on - started_on) * 1000)::float8 AS ms FROM pgboss.job
         WHERE name = 'user-events' AND state = 'completed' AND data->>'workspaceId' = $1 AND data->>'userId' = ANY($2)`,
        [ws.workspaceId, userIds],
      )
    ).rows;
    return rows.map((r) => Number(r.ms));
  }
}
