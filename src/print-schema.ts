import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from './app';
import { createRootLogger } from './common/logger';
import { readConfigFromEnv } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/run-migrations';
import { SCHEMA_FILE, servedSchemaText } from './graphql-schema-text';

/**
 * `npm run schema`: writes the served GraphQL schema to schema.graphql. The schema is built from the
 * code (code-first), so the application is booted, on a throwaway embedded PostgreSQL, to print it.
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-schema-pg-'));
  const postgres = await startEmbeddedPostgres({ dataDir, persistent: false });
  try {
    await runMigrations(postgres.url);
    const app = await createApp(readConfigFromEnv({ ITINERA_ROLE: 'api' }, postgres.url), createRootLogger('warn'));
    try {
      await app.init();
      const file = path.resolve(__dirname, '..', SCHEMA_FILE);
      writeFileSync(file, servedSchemaText(app));
      console.log(`wrote ${file}`);
    } finally {
      await app.close();
    }
  } finally {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
