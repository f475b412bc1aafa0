import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs one of the hot path's constant statements as a named prepared statement, on the manager's
 * transaction if it has one: PostgreSQL then plans it once per connection (and keeps a generic plan when
 * that costs no more) instead of at every call. Planning the ingestion statement alone took ~0.7 ms of
 * PostgreSQL's CPU, a sixth of what a single track event cost it (BENCHMARKS.md, scenario 7).
 * `name` stands for `text`: one name, one text, in the whole process.
 */
export async function queryPrepared<Row>(on: DataSource | EntityManager, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const manager = on instanceof DataSource ? on.manager : on;
  const connection: Pick<Pool, 'query'> = manager.queryRunner ? await manager.queryRunner.connect() : (manager.connection.driver as PostgresDriver).master;
  const result = await connection.query({ name, text, values });
  return result.rows as Row[];
}
