import 'reflect-metadata';
import { Client } from 'pg';
import { createApp } from './app';
import { createRootLogger } from './common/logger';
import { readConfigFromEnv } from './config/app-config';
import { resolveSecretKey } from './config/secret-key';
import { RunningPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/run-migrations';
import { WorkspaceService } from './workspaces/workspace.service';

const EMBEDDED_DATABASE = 'itinera';

/**
 * `npm start`: with DATABASE_URL, runs against that PostgreSQL; without, starts an embedded one
 * whose data lives in ./.data and survives restarts.
 */
async function main(): Promise<void> {
  const logger = createRootLogger(process.env.LOG_LEVEL ?? 'info');
  let embedded: RunningPostgres | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  const dataDir = process.env.ITINERA_DATA_DIR ?? './.data';
  if (!databaseUrl) {
    logger.info({ msg: 'starting embedded PostgreSQL', dataDir });
    embedded = await startEmbeddedPostgres({
      dataDir,
      persistent: true,
      port: process.env.ITINERA_EMBEDDED_PG_PORT ? Number(process.env.ITINERA_EMBEDDED_PG_PORT) : undefined,
      onLog: (line) => logger.debug({ context: 'postgres', msg: line.trim() }),
    });
    databaseUrl = await ensureDatabase(embedded.url, EMBEDDED_DATABASE);
  }

  const config = readConfigFromEnv(process.env, databaseUrl);
  config.secretKey = resolveSecretKey(config, dataDir);
  const applied = await runMigrations(databaseUrl);
  if (applied.length) logger.info({ msg: 'migrations applied', migrations: applied });

  const app = await createApp(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ msg: 'shutting down: finishing in-flight work', signal });
    await app.close().catch((error) => logger.error({ msg: 'error during shutdown', error: String(error) }));
    await embedded?.stop();
    logger.info({ msg: 'stopped' });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await app.listen(config.port);
  if (config.role !== 'worker') {
    const credentials = await app.get(WorkspaceService).ensureDefaultWorkspace();
    if (credentials) {
      // Printed once, on the start that creates the workspace: only hashes are stored.
      process.stdout.write(
        `\nItinera created the "default" workspace. Keep these, they are not shown again:\n` +
          `  admin token (GraphQL, Authorization: Bearer ...): ${credentials.adminToken}\n` +
          `  write key (ingestion API):                        ${credentials.writeKey}\n\n`,
      );
    }
  }
  logger.info({ msg: 'Itinera is ready', port: config.port, role: config.role, graphql: `http://localhost:${config.port}/graphql` });
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
