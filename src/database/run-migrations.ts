import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** Any constant works; it only has to be the same for every Itinera process sharing a database. */
const MIGRATION_LOCK_KEY = 7_270_301;

/**
 * Brings the schema up to date. Many processes may start at once against one database,
 * so the run is serialised with an advisory lock: the first migrates, the others find nothing to do.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = new DataSource(dataSourceOptions(url, { entities: [], migrationsTransactionMode: 'each', logging: false }));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required, e.g. postgres://user:pass@localhost:5432/itinera');
    process.exit(2);
  }
  runMigrations(url).then(
    (names) => console.log(JSON.stringify({ msg: 'migrations applied', migrations: names })),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
