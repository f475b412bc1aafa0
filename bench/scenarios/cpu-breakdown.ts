/**
 * Scenario 7: CPU per event, per stage, of the default single process (`npm start`: API and worker in
 * one process), on a database of its own. Two loads, each profiled from its first request until the
 * worker has applied and delivered everything it accepted: `/v1/batch` of 100 from 4 clients, and single
 * `/v1/track` calls from 32 clients. 10% of the events enter a journey that sends to the webhook sink at
 * once. Reported per load: events/s end to end (accepted → applied and delivered) and the CPU ms per event
 * of each stage (bench/cpu-profile.ts: the profile's shares of the process's CPU time as the kernel
 * counted it), with PostgreSQL's own CPU per event beside it.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { createWebhookDestination, publishJourney } from '../../test/harness/journeys';
import { acceptedVsApplied, type AcceptedVsApplied } from '../accepted-vs-applied';
import type { BenchEnvironment } from '../bench-environment';
import { forwardingJourney } from '../bench-journeys';
import { cpuByStage, InspectorSession, PostgresCpu, processCpuMs } from '../cpu-profile';
import { closedLoop, pollUntil, round, sleep } from '../load';
import type { BenchSizes, Measure } from '../report';

const BATCH_SIZE = 100;
const BATCH_CLIENTS = 4;
const TRACK_CLIENTS = 32;
const IDLE_SAMPLE_MS = 3_000;
const BROWSING = ['Page_Browsed', 'Product_Viewed', 'Search_Performed', 'Banner_Clicked'];

export interface StageBreakdown {
  load: string;
  events: number;
  /** Accepted until applied and delivered. */
  seconds: number;
  /** From the last request's answer until everything was applied and delivered: how far the runtime fell behind. */
  catchUpSeconds: number;
  /** CPU ms per event, Itinera's process, by stage. */
  stages: Map<string, number>;
  postgresMsPerEvent: number;
  /** Statements PostgreSQL ran for Itinera per event (pg_stat_statements; BEGIN and COMMIT count): its round trips. */
  statementsPerEvent: number;
  /** The executor's time in them per event (includes waits for locks, not the commit's flush). */
  executorMsPerEvent: number;
}

function event(i: number, users: number) {
  return {
    type: 'track',
    userId: `u-${(i * 7919) % users}`,
    event: i % 10 === 0 ? 'Order_Confirmation' : BROWSING[i % BROWSING.length],
    messageId: randomUUID(),
    properties: { cart_ID: `c-${i}`, product_id: `p-${i % 500}`, price: (i % 100) + 0.99 },
    context: { library: { name: 'itinera-bench', version: '1' }, ip: '127.0.0.1' },
  };
}

/** In a column name of each of the benchmark's own statements, so they are not counted as Itinera's (pg_stat_statements drops leading comments). */
const BENCH_MARK = 'itinera_bench';

/** What Itinera's statements on this database cost since the last reset (pg_stat_statements, preloaded by the bench's PostgreSQL). */
async function statementsOfItinera(db: Pool): Promise<{ calls: number; ms: number; top: { calls: number; ms: number; query: string }[] }> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT calls AS ${BENCH_MARK}_calls, total_exec_time AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE $1
     ORDER BY total_exec_time DESC`,
    [`%${BENCH_MARK}%`],
  );
  const entries = rows.map((r) => ({ calls: Number(r[`${BENCH_MARK}_calls`]), ms: Number(r.ms), query: r.query }));
  return { calls: entries.reduce((a, e) => a + e.calls, 0), ms: entries.reduce((a, e) => a + e.ms, 0), top: entries.slice(0, 5) };
}

/** A checkout of Itinera to profile: this tree (no root) or a baseline (`--baseline=DIR`). */
export interface ProfiledTree {
  name: string;
  root?: string;
}

/**
 * Each tree profiled `rounds` times, interleaved (A, B, A, B), so that a machine shared with other work
 * weighs on each alike; per tree and load the rounds are summed (CPU and events) before dividing.
 */
export async function cpuBreakdown(
  env: BenchEnvironment,
  sizes: BenchSizes,
  log: (line: string) => void,
  trees: ProfiledTree[] = [{ name: 'this tree' }],
  rounds = 1,
): Promise<{ measures: Measure[]; breakdowns: StageBreakdown[]; checks: AcceptedVsApplied[] }> {
  const runs: StageBreakdown[] = [];
  const checks: AcceptedVsApplied[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const tree of trees) {
      const label = trees.length > 1 || rounds > 1 ? `${tree.name}, round ${r + 1}` : tree.name;
      log(`profiling ${label}`);
      const once = await profileOnce(env, sizes, log, tree, label);
      runs.push(...once.breakdowns);
      checks.push(once.check);
    }
  }
  const breakdowns: StageBreakdown[] = [];
  for (const tree of trees) {
    for (const load of [...new Set(runs.map((b) => b.load.split(' @ ')[0]))]) {
      const mine = runs.filter((b) => b.load === `${load} @ ${tree.name}`);
      const events = mine.reduce((a, b) => a + b.events, 0);
      const perEvent = (of: (b: StageBreakdown) => number) => mine.reduce((a, b) => a + of(b) * b.events, 0) / events;
      const stages = new Map<string, number>();
      for (const b of mine) for (const [stage, ms] of b.stages) stages.set(stage, (stages.get(stage) ?? 0) + (ms * b.events) / events);
      breakdowns.push({
        load: trees.length > 1 ? `${load} @ ${tree.name}` : load,
        events,
        seconds: mine.reduce((a, b) => a + b.seconds, 0),
        catchUpSeconds: Math.max(...mine.map((b) => b.catchUpSeconds)),
        stages,
        postgresMsPerEvent: perEvent((b) => b.postgresMsPerEvent),
        statementsPerEvent: perEvent((b) => b.statementsPerEvent),
        executorMsPerEvent: perEvent((b) => b.executorMsPerEvent),
      });
    }
  }
  const measures: Measure[] = breakdowns.map((b) => {
    const batch = b.load.startsWith('/v1/batch');
    return {
      scenario: '7 single process',
      measure: `${b.load}, applied and delivered, events/s`,
      value: b.events / b.seconds,
      unit: 'ev/s',
      rawKey: batch ? 'batchInsertRowsPerSecond' : 'singleInsertRowsPerSecond',
      // Issue 19's goals: 12,000 batched events/s end to end; single track calls at 20% of the one-row INSERT rate.
      target: batch ? { op: '>=', value: 12_000 } : { op: '>=', value: 20, percentOfRaw: true },
      higherIsBetter: true,
      note: `${b.events.toLocaleString('en-US')} events in ${rounds} round(s) (10% forwarded to the webhook), from the first request until nothing was left to apply or deliver (at most ${round(b.catchUpSeconds, 1)} s after the last request was answered); CPU per event by stage below`,
    };
  });
  return { measures, breakdowns, checks };
}

async function profileOnce(
  env: BenchEnvironment,
  sizes: BenchSizes,
  log: (line: string) => void,
  tree: ProfiledTree,
  label: string,
): Promise<{ breakdowns: StageBreakdown[]; check: AcceptedVsApplied }> {
  const databaseUrl = await env.freshDatabase(`itinera_profile_${Date.now()}`);
  const itinera = await env.spawn(databaseUrl, 'all', '--inspect=127.0.0.1:0', tree.root);
  const db = new Pool({ connectionString: databaseUrl, max: 2 });
  db.on('error', () => undefined);
  const inspector = await InspectorSession.connect(itinera.output());
  // Long enough that the process's background work (polls, sweeps) is a small part of each event's share.
  const loadMs = Math.max(sizes.ingestionSeconds, 8) * 1000;
  try {
    const ws = await env.createWorkspace('bench-profile', itinera.url);
    const webhook = await createWebhookDestination(ws.graphql, env.sink.url);
    await publishJourney(ws.graphql, forwardingJourney('profiled forwarding', webhook));
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const pending = async () =>
      Number((await db.query(`SELECT count(*) AS ${BENCH_MARK}_pending FROM pgboss.job WHERE name IN ('user-events', 'deliveries') AND state < 'completed' AND start_after <= now()`)).rows[0][`${BENCH_MARK}_pending`]);
    const drain = () => pollUntil(async () => (await pending()) === 0, { maxMs: sizes.drainSeconds * 1000, intervalMs: 100 });

    // Warm-up: connections, caches, JIT.
    await closedLoop({ concurrency: 4, maxOps: 20, maxMs: 10_000 }, async (i) => (await ws.ingestion.batch(batchAt(5_000_000 + i * BATCH_SIZE))).status === 200);
    await drain();
    // What the process spends with nothing to do (timer polls, sweeps): part of every load's figure below,
    // the more so the fewer events a load got through.
    const idleFrom = processCpuMs(itinera.child.pid!);
    await sleep(IDLE_SAMPLE_MS);
    const idleMsPerSecond = (processCpuMs(itinera.child.pid!) - idleFrom) / (IDLE_SAMPLE_MS / 1000);

    const profiled = async (load: string, run: () => Promise<number>): Promise<StageBreakdown> => {
      const postgres = new PostgresCpu(process.pid);
      await db.query(`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0) AS ${BENCH_MARK}_reset`);
      postgres.start();
      const itineraBefore = processCpuMs(itinera.child.pid!);
      const started = performance.now();
      let loadEnded = 0;
      const { result, profile } = await inspector.profile(async () => {
        const events = await run();
        loadEnded = performance.now();
        const drained = await drain();
        if (!drained) log(`${load}: NOT drained within ${sizes.drainSeconds} s`);
        return events;
      });
      const seconds = (performance.now() - started) / 1000;
      const catchUpSeconds = (performance.now() - loadEnded) / 1000;
      const pgMs = postgres.stop();
      const itineraMs = processCpuMs(itinera.child.pid!) - itineraBefore;
      const statements = await statementsOfItinera(db);
      // Kept for a closer look (e.g. in Chrome's DevTools): the report only shows the stages.
      const file = path.join(os.tmpdir(), `itinera-${load.split(' ')[0].replace(/\W/g, '')}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const stages = new Map([...cpuByStage(profile, itineraMs)].map(([stage, ms]) => [stage, ms / result]));
      const total = [...stages.values()].reduce((a, b) => a + b, 0);
      log(`idle background: ${round(idleMsPerSecond)} CPU ms/s`);
      log(`${load} (${label}): ${result} events in ${round(seconds, 1)} s end to end; Itinera ${round(total, 3)} CPU ms/event, PostgreSQL ${round(pgMs / result, 3)}; profile in ${file}`);
      for (const top of statements.top) log(`  ${round(top.calls / result, 3)} per event, executor ${round(top.ms / result, 3)} ms per event: ${top.query}`);
      stages.set('(of all the above: idle background)', (idleMsPerSecond * seconds) / result);
      return {
        load: `${load} @ ${tree.name}`,
        events: result,
        seconds,
        catchUpSeconds,
        stages,
        postgresMsPerEvent: pgMs / result,
        statementsPerEvent: statements.calls / result,
        executorMsPerEvent: statements.ms / result,
      };
    };

    const batch = await profiled(`/v1/batch of ${BATCH_SIZE} from ${BATCH_CLIENTS} clients`, async () => {
      const r = await closedLoop(
        { concurrency: BATCH_CLIENTS, maxOps: Math.ceil(sizes.maxBatchEvents / BATCH_SIZE), maxMs: loadMs },
        async (i) => (await ws.ingestion.batch(batchAt(i * BATCH_SIZE))).status === 200,
      );
      return r.ok * BATCH_SIZE;
    });
    const track = await profiled(`/v1/track from ${TRACK_CLIENTS} clients`, async () => {
      const r = await closedLoop(
        { concurrency: TRACK_CLIENTS, maxOps: sizes.maxBatchEvents, maxMs: loadMs },
        async (i) => (await ws.ingestion.track(event(10_000_000 + i, sizes.users))).status === 200,
      );
      return r.ok;
    });
    // Its database is its own: the run's check after the scenario would not see it.
    const check = await acceptedVsApplied(databaseUrl, `scenario 7: single process (${label}, its own database)`);
    return { breakdowns: [batch, track], check };
  } finally {
    inspector.close();
    await db.end().catch(() => undefined);
    await itinera.stop();
  }

  function batchAt(first: number) {
    return Array.from({ length: BATCH_SIZE }, (_, j) => event(first + j, sizes.users));
  }
}

/** Stages that belong to the API's side of the single process, and those that belong to the runtime's. */
const API_STAGES = ['HTTP framework', 'HTTP + validation', 'ingestion SQL'];
const RUNTIME_STAGES = ['runtime job', 'engine', 'activity', 'audiences', 'wake-ups', 'job bookkeeping', 'delivery fetch', 'delivery', 'plugin call'];

/**
 * The API's part of the CPU that is clearly the API's or the runtime's in one process (shared costs such as
 * the driver's replies, sockets and garbage collection are left out). Read with the runtime's catch-up
 * time: together they show whether one side took the process from the other.
 */
function apiShare(b: StageBreakdown): number {
  const sum = (stages: string[]) => stages.reduce((a, stage) => a + (b.stages.get(stage) ?? 0), 0);
  const api = sum(API_STAGES);
  return api / (api + sum(RUNTIME_STAGES));
}

/** The breakdown as a table: one row per stage, one column per load (CPU ms per event). */
export function breakdownTable(breakdowns: StageBreakdown[], markdown: boolean): string {
  if (breakdowns.length === 0) return '';
  const IDLE = '(of all the above: idle background)';
  const stages = [...new Set(breakdowns.flatMap((b) => [...b.stages.keys()]))].filter((stage) => stage !== IDLE).sort(
    (a, b) => Math.max(...breakdowns.map((x) => x.stages.get(b) ?? 0)) - Math.max(...breakdowns.map((x) => x.stages.get(a) ?? 0)),
  );
  const ms = (value: number) => (value >= 0.1 ? value.toFixed(2) : value.toFixed(3));
  const total = (b: StageBreakdown) => [...b.stages].filter(([stage]) => stage !== IDLE).reduce((x, [, y]) => x + y, 0);
  const rows = [
    ['stage (CPU ms per event)', ...breakdowns.map((b) => b.load)],
    ...stages.map((stage) => [stage, ...breakdowns.map((b) => ms(b.stages.get(stage) ?? 0))]),
    ['Itinera process, total', ...breakdowns.map((b) => ms(total(b)))],
    ['of it, what the idle process spends in as long', ...breakdowns.map((b) => ms(b.stages.get(IDLE) ?? 0))],
    ['PostgreSQL (all its processes)', ...breakdowns.map((b) => ms(b.postgresMsPerEvent))],
    ['PostgreSQL statements per event (round trips; BEGIN and COMMIT count)', ...breakdowns.map((b) => ms(b.statementsPerEvent))],
    ["of PostgreSQL's time, executing them (ms per event)", ...breakdowns.map((b) => ms(b.executorMsPerEvent))],
    ["API's share of the CPU that is clearly one side's (HTTP, validation, ingestion SQL vs runtime, deliveries)", ...breakdowns.map((b) => `${round(apiShare(b) * 100)}%`)],
    ['runtime caught up after the last request', ...breakdowns.map((b) => `${round(b.catchUpSeconds, 1)} s`)],
  ];
  if (markdown) return [`| ${rows[0].join(' | ')} |`, `| ${rows[0].map(() => '---').join(' | ')} |`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}
