/**
 * Scenario 5: what the same PostgreSQL does alone, with the same durability, from this process, so
 * every Itinera figure can also be read as a ratio to the database's own ceiling on this machine:
 *  - batched inserts: 100 event-shaped rows (same columns, JSON and indexes as `events`) per transaction;
 *  - single inserts: one such row per transaction, from 32 connections, and their commit latency at 200/s;
 *  - one-row transactions: UPDATE of one row by primary key per transaction, 12 connections (a timer's floor);
 *  - the matching transaction (run by scenario 4 on its instances): lock the user's active instances,
 *    update one, append an activity row.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { closedLoop, openLoop, percentiles, round, type Percentiles } from './load';
import type { BenchSizes, RawReference } from './report';

const TABLE = `
  CREATE TABLE IF NOT EXISTS bench_raw_events (
    seq bigserial PRIMARY KEY,
    workspace_id uuid NOT NULL,
    user_id text NOT NULL,
    anonymous_id text,
    type text NOT NULL,
    event text,
    properties jsonb NOT NULL DEFAULT '{}',
    traits jsonb,
    context jsonb NOT NULL DEFAULT '{}',
    message_id text NOT NULL,
    timestamp timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS bench_raw_events_by_user ON bench_raw_events (workspace_id, user_id, seq);
  CREATE INDEX IF NOT EXISTS bench_raw_events_by_user_event ON bench_raw_events (workspace_id, user_id, event, timestamp);
  CREATE TABLE IF NOT EXISTS bench_raw_activities (LIKE activities INCLUDING DEFAULTS);`;

const WORKSPACE = '00000000-0000-0000-0000-00000000beef';

function row(i: number) {
  return {
    user_id: `u-${(i * 7919) % 50_000}`,
    type: 'track',
    event: 'Page_Browsed',
    properties: { Application_id: `a-${i}`, product_id: `p-${i % 500}`, price: (i % 100) + 0.99, path: `/catalog/${i % 50}` },
    context: { library: { name: 'itinera-bench', version: '1' }, ip: '127.0.0.1' },
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
  };
}

const INSERT_ROWS = `
  INSERT INTO bench_raw_events (workspace_id, user_id, type, event, properties, context, message_id, timestamp)
  SELECT $1, r.user_id, r.type, r.event, r.properties, r.context, r.message_id, r.timestamp
  FROM jsonb_to_recordset($2::jsonb) AS r(user_id text, type text, event text, properties jsonb, context jsonb, message_id text, timestamp timestamptz)`;

export async function rawPostgres(databaseUrl: string, sizes: BenchSizes, log: (line: string) => void): Promise<Partial<RawReference>> {
  const setup = new Pool({ connectionString: databaseUrl, max: 1 });
  await setup.query(TABLE);
  await setup.end();

  const batches = await withPool(databaseUrl, sizes.batchConnections, (pool) =>
    closedLoop({ concurrency: sizes.batchConnections, maxOps: Math.ceil(sizes.maxBatchEvents / 100), maxMs: sizes.ingestionSeconds * 1000 }, async (i) => {
      await pool.query(INSERT_ROWS, [WORKSPACE, JSON.stringify(Array.from({ length: 100 }, (_, j) => row(i * 100 + j)))]);
      return true;
    }),
  );
  const batchInsertRowsPerSecond = (batches.ok * 100) / (batches.elapsedMs / 1000);
  log(`batched INSERT (100 rows per transaction, ${sizes.batchConnections} connections): ${round(batchInsertRowsPerSecond)} rows/s`);

  const singles = await withPool(databaseUrl, 32, (pool) =>
    closedLoop({ concurrency: 32, maxOps: sizes.maxBatchEvents, maxMs: sizes.ingestionSeconds * 1000 }, async (i) => {
      await pool.query(INSERT_ROWS, [WORKSPACE, JSON.stringify([row(i)])]);
      return true;
    }),
  );
  const singleInsertRowsPerSecond = singles.ok / (singles.elapsedMs / 1000);
  log(`single-row INSERT transactions (32 connections): ${round(singleInsertRowsPerSecond)} rows/s`);

  const commits: number[] = [];
  await withPool(databaseUrl, 16, (pool) =>
    openLoop({ rate: 200, count: 200 * sizes.latencySeconds, maxMs: sizes.latencySeconds * 1000 + 5_000 }, async (i) => {
      const t0 = performance.now();
      await pool.query(INSERT_ROWS, [WORKSPACE, JSON.stringify([row(i)])]);
      commits.push(performance.now() - t0);
      return true;
    }),
  );
  const commit = percentiles(commits);
  log(`one-row INSERT commit latency at 200/s: p50 ${round(commit.p50, 2)} ms, p99 ${round(commit.p99, 2)} ms`);

  const maxSeq = Number((await query(databaseUrl, 'SELECT max(seq) AS n FROM bench_raw_events'))[0].n);
  const updates = await withPool(databaseUrl, 12, (pool) =>
    closedLoop({ concurrency: 12, maxOps: 100_000, maxMs: Math.min(10, sizes.ingestionSeconds) * 1000 }, async (i) => {
      await pool.query(`UPDATE bench_raw_events SET event = 'Updated', received_at = now() WHERE seq = $1`, [1 + ((i * 7919) % maxSeq)]);
      return true;
    }),
  );
  const rowTransactionsPerSecond = updates.ok / (updates.elapsedMs / 1000);
  log(`one-row UPDATE transactions (12 connections): ${round(rowTransactionsPerSecond)} /s`);

  return { batchInsertRowsPerSecond, singleInsertRowsPerSecond, commitP50Ms: commit.p50, commitP99Ms: commit.p99, rowTransactionsPerSecond };
}

/** The matching transaction's database work alone, at `rate` per second, for `users` (one transaction each). */
export async function matchTransactionLatency(db: Pool, workspaceId: string, users: string[], rate: number): Promise<Percentiles> {
  await db.query(TABLE);
  const times: number[] = [];
  await openLoop({ rate, count: users.length, maxMs: (users.length / rate) * 1000 + 5_000 }, async (k) => {
    const client = await db.connect();
    const t0 = performance.now();
    try {
      await client.query('BEGIN');
      const active = await client.query(
        `SELECT id, context FROM journey_instances WHERE workspace_id = $1 AND user_id = $2 AND status = 'ACTIVE' ORDER BY entered_at, id FOR UPDATE`,
        [workspaceId, users[k]],
      );
      if (active.rows[0]) {
        await client.query('UPDATE journey_instances SET updated_at = now(), context = $2 WHERE id = $1', [active.rows[0].id, active.rows[0].context]);
        await client.query(
          `INSERT INTO bench_raw_activities (workspace_id, journey_id, instance_id, user_id, type, step_key, detail, at)
           VALUES ($1, $1, $2, $3, 'HOLD_MATCHED', 'wait_for_completion', '{}', now())`,
          [workspaceId, active.rows[0].id, users[k]],
        );
      }
      await client.query('COMMIT');
      times.push(performance.now() - t0);
      return true;
    } finally {
      client.release();
    }
  });
  return percentiles(times);
}

async function withPool<T>(databaseUrl: string, size: number, run: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool({ connectionString: databaseUrl, max: size });
  try {
    await Promise.all(Array.from({ length: size }, async () => (await pool.connect()).release()));
    return await run(pool);
  } finally {
    await pool.end();
  }
}

async function query(databaseUrl: string, sql: string) {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    return (await pool.query(sql)).rows;
  } finally {
    await pool.end();
  }
}
