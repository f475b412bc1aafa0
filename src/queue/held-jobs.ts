/**
 * The waiting job of each key of a `short` queue, inserted or row-locked by one SQL statement, for use as
 * a data-modifying CTE of a larger statement (see IngestionService): the same guarantee as
 * QueueService.enqueueHeldUntilCommit, without its round trips.
 *
 * `ON CONFLICT ... DO UPDATE` on pg-boss's unique index of waiting `short` jobs (job_i1) inserts the key's
 * job, or locks the one already waiting until the statement's transaction ends (its WHERE is false, so it
 * changes nothing, but PostgreSQL locks the conflicting row anyway). A waiting job that a worker takes
 * meanwhile is no longer waiting: PostgreSQL then retries the insertion, which now finds no conflict and
 * inserts a new waiting job. Workers' fetches skip locked rows, and an inserted row is invisible to them
 * until commit: no worker can take the key's job before what this statement wrote is visible.
 *
 * `partition` is the queue's own table (QueueService.partitionOf): pg-boss 10 keeps each queue in a
 * partition of pgboss.job and indexes the partitions only, and ON CONFLICT needs the index it names.
 *
 * The columns are filled as pg-boss 10's own insert (plans.js insertJobs) fills them from the queue's
 * settings, so a job inserted here is indistinguishable from one sent through pg-boss.
 */
export function heldShortJobsInsert(partition: string, queueParam: string, source: string): string {
  return `INSERT INTO ${partition} AS job (id, name, data, priority, start_after, singleton_key, dead_letter, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
    SELECT gen_random_uuid(), q.name, s.data, 0, now(), s.singleton_key, q.dead_letter,
           COALESCE(q.expire_seconds * interval '1s', interval '15 minutes'),
           now() + CAST(COALESCE((q.retention_minutes * 60)::text, '14 days') AS interval),
           COALESCE(q.retry_limit, 2),
           CASE WHEN COALESCE(q.retry_backoff, false) THEN GREATEST(COALESCE(q.retry_delay, 0), 1) ELSE COALESCE(q.retry_delay, 0) END,
           COALESCE(q.retry_backoff, false), q.policy
    FROM (${source}) AS s(singleton_key, data) JOIN pgboss.queue q ON q.name = ${queueParam}
    ORDER BY s.singleton_key
    ON CONFLICT (name, COALESCE(singleton_key, '')) WHERE state = 'created' AND policy = 'short'
      DO UPDATE SET data = job.data WHERE false
    RETURNING 1`;
}
