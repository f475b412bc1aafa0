/**
 * Many waiting instances at once, in bulk SQL: each clone copies a real instance that the runtime
 * created through the API (same journey version, step, step_seq, visits and context, with its own id
 * and userId written into the context), together with the rows the runtime wrote for it:
 *  - `journey_instances`: the instance, ACTIVE at the hold, `waiting_until` = its own deadline;
 *  - `activities`: copies of the template's ENTERED / STEP_ENTERED records;
 *  - `profiles`: one profile per user, with the template user's traits;
 *  - `pgboss.job`: the hold's timeout job in the `instance-timers` queue (same data shape, retry and
 *    expiry settings), due at the clone's deadline.
 * The clones' ids and deadlines are also kept in `bench_clones`, so lateness can be read afterwards.
 */
import type { Pool } from 'pg';
import { INSTANCE_TIMERS_QUEUE } from '../src/instances/runtime-queues';

/** Rows per statement: bounds each transaction while keeping the load fast. */
const CHUNK = 100_000;

export interface CloneRequest {
  templateInstanceId: string;
  /** Clone users are `${userPrefix}${i}` for i in [from, to). */
  userPrefix: string;
  from: number;
  to: number;
  /** The i-th clone's deadline, as a SQL expression of `i` (e.g. `now() + interval '1 day' * random()`). */
  deadlineSql: string;
  /** Tag stored with the clones in bench_clones, to tell the scenarios' clones apart. */
  tag: string;
}

export async function cloneWaitingInstances(db: Pool, request: CloneRequest): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_clones (id uuid PRIMARY KEY, tag text NOT NULL, i int NOT NULL, user_id text NOT NULL, due timestamptz NOT NULL)`);
  await db.query(`CREATE INDEX IF NOT EXISTS bench_clones_by_tag ON bench_clones (tag, i)`);
  const template = (await db.query(`SELECT id FROM pgboss.job WHERE name = $1 AND data->>'instanceId' = $2 AND state = 'created'`, [INSTANCE_TIMERS_QUEUE, request.templateInstanceId])).rows[0];
  if (!template) throw new Error(`the template instance ${request.templateInstanceId} has no waiting timer job`);

  for (let from = request.from; from < request.to; from += CHUNK) {
    const to = Math.min(request.to, from + CHUNK);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO bench_clones (id, tag, i, user_id, due)
         SELECT gen_random_uuid(), $1, i, $2 || i, ${request.deadlineSql} FROM generate_series($3::int, $4::int - 1) AS i`,
        [request.tag, request.userPrefix, from, to],
      );
      const clones = `(SELECT * FROM bench_clones WHERE tag = $2 AND i >= $3 AND i < $4)`;
      await client.query(
        `INSERT INTO journey_instances (id, workspace_id, journey_id, journey_version, user_id, unique_id, status, current_step, step_seq,
                                        visits, context, converted, exit_reason, waiting_until, entered_at, ended_at, updated_at)
         SELECT c.id, s.workspace_id, s.journey_id, s.journey_version, c.user_id, s.unique_id, s.status, s.current_step, s.step_seq, s.visits,
                jsonb_set(jsonb_set(s.context, '{userId}', to_jsonb(c.user_id)), '{instance,id}', to_jsonb(c.id::text)),
                s.converted, s.exit_reason, c.due, s.entered_at, NULL, now()
         FROM journey_instances s, ${clones} c WHERE s.id = $1`,
        [request.templateInstanceId, request.tag, from, to],
      );
      await client.query(
        `INSERT INTO activities (workspace_id, journey_id, instance_id, user_id, type, step_key, detail, at)
         SELECT a.workspace_id, a.journey_id, c.id, c.user_id, a.type, a.step_key, a.detail, a.at
         FROM activities a, ${clones} c WHERE a.instance_id = $1 ORDER BY c.i, a.id`,
        [request.templateInstanceId, request.tag, from, to],
      );
      await client.query(
        `INSERT INTO profiles (workspace_id, user_id, traits)
         SELECT s.workspace_id, c.user_id, COALESCE(p.traits, '{}'::jsonb)
         FROM journey_instances s LEFT JOIN profiles p ON p.workspace_id = s.workspace_id AND p.user_id = s.user_id, ${clones} c
         WHERE s.id = $1
         ON CONFLICT DO NOTHING`,
        [request.templateInstanceId, request.tag, from, to],
      );
      await client.query(
        `INSERT INTO pgboss.job (id, name, data, priority, start_after, singleton_key, singleton_on, dead_letter, expire_in, keep_until,
                                 retry_limit, retry_delay, retry_backoff, policy)
         SELECT gen_random_uuid(), j.name, j.data || jsonb_build_object('userId', c.user_id, 'instanceId', c.id), j.priority, c.due, j.singleton_key,
                j.singleton_on, j.dead_letter, j.expire_in, c.due + (j.keep_until - j.start_after), j.retry_limit, j.retry_delay, j.retry_backoff, j.policy
         FROM pgboss.job j, ${clones} c WHERE j.id = $1`,
        [template.id, request.tag, from, to],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  // Fresh statistics, as autovacuum would have them on a database that grew over days.
  await db.query('ANALYZE journey_instances, activities, profiles, bench_clones');
  await db.query('ANALYZE pgboss.job');
}
