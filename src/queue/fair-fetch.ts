import type PgBoss from 'pg-boss';

/**
 * A share of a queue's jobs one fetch may take, by the value of one field of the job data (e.g. each
 * destination): at most `free.get(value)` jobs of a value, `max` of a value not in `free`; values with
 * nothing free are skipped, so their jobs stay waiting and cost the fetch nothing but the index scan.
 */
export interface FetchShare {
  /** A field of the job data; a job without it counts under ''. */
  field: string;
  free: ReadonlyMap<string, number>;
  max: number;
}

/** Due jobs looked at per job asked for: enough to see past a few values that have used their share. */
const LOOK_AHEAD = 8;

/**
 * pg-boss 10's fetch (plans.js fetchNextJob) in deadline order (the partial index job_i5 on
 * (name, start_after)), taking from each value of each share's field no more than it has free.
 * Fields are names from our code, never input.
 */
export async function fetchWithShares(db: PgBoss.Db, queue: string, count: number, shares: FetchShare[]): Promise<{ id: string; data: unknown }[]> {
  const params: unknown[] = [queue, count];
  const param = (value: unknown) => `$${params.push(value)}`;
  const keys = shares.map((share) => `COALESCE(data->>${literal(share.field)}, '')`);
  const columns = ['id', 'start_after', ...shares.map((_, i) => `p${i}`)].join(', ');
  const skipped = shares.map((share, i) => `AND ${keys[i]} <> ALL(${param([...share.free].filter(([, free]) => free <= 0).map(([value]) => value))}::text[])`);
  // One stage per share, each ranking only what the previous ones kept: a workspace's share is not
  // spent on jobs its destinations' shares left out.
  const stages = shares.map((share, i) => {
    const free = `COALESCE((${param(JSON.stringify(Object.fromEntries(share.free)))}::jsonb ->> p${i})::int, ${param(share.max)})`;
    return `s${i + 1} AS (SELECT ${columns} FROM (
       SELECT ${columns}, row_number() OVER (PARTITION BY p${i} ORDER BY start_after, id) AS nth FROM s${i}) ranked
       WHERE nth <= ${free})`;
  });
  const { rows } = await db.executeSql(
    `WITH s0 AS (
       SELECT id, start_after${keys.map((key, i) => `, ${key} AS p${i}`).join('')} FROM pgboss.job
       WHERE name = $1 AND state < 'active' AND start_after < now() ${skipped.join(' ')}
       ORDER BY start_after, id LIMIT $2 * ${LOOK_AHEAD}),
     ${[...stages, ''].join(',\n     ')}
     next AS (
       -- The state is checked again on the row locked: s0 read without locks, and a job another worker
       -- took since (and committed) would otherwise be locked and taken a second time.
       SELECT j.id FROM s${shares.length} r JOIN pgboss.job j ON j.name = $1 AND j.id = r.id AND j.state < 'active'
       ORDER BY r.start_after, r.id LIMIT $2 FOR UPDATE OF j SKIP LOCKED)
     UPDATE pgboss.job j SET state = 'active', started_on = now(),
       retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END
     FROM next WHERE j.name = $1 AND j.id = next.id
     RETURNING j.id, j.data`,
    params,
  );
  return rows as { id: string; data: unknown }[];
}

function literal(text: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) throw new Error(`not a job data field name: ${text}`);
  return `'${text}'`;
}
