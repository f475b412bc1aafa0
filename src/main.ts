import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createApp } from './app';
import { createRootLogger } from './common/logger';
import { readConfigFromEnv } from './config/app-config';
import { resolveSecretKey } from './config/secret-key';
import { RunningPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/run-migrations';
import { announceFirstStartCredentials } from './operations/first-start-credentials';
import { checkPortIsFree, describeStartupFailure } from './operations/startup-failure';
import { WorkspaceService } from './workspaces/workspace.service';

const EMBEDDED_DATABASE = 'itinera';

/**
 * `npm start`: with DATABASE_URL, runs against that PostgreSQL; without, starts an embedded one
 * whose data lives in ./.data and survives restarts.
 */
async function main(): Promise<void> {
  const logger = createRootLogger(process.env.LOG_LEVEL ?? 'info');
  let embedded: RunningPostgres | null = null;
  let app: INestApplication | null = null;
  let stopping = false;
  // Ctrl-C signals the whole process group, and npm forwards the signal again: one shutdown, however many signals.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ msg: 'shutting down: finishing in-flight work', signal });
    await app?.close().catch((error) => logger.error({ msg: 'error during shutdown', error: String(error) }));
    await embedded?.stop();
    logger.info({ msg: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const port = Number(process.env.PORT || 3000);
  try {
    await checkPortIsFree(port);
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

    app = await createApp(config, logger);
    await app.listen(config.port);
    if (config.role !== 'worker') {
      const credentials = await app.get(WorkspaceService).ensureDefaultWorkspace();
      if (credentials) announceFirstStartCredentials(logger, credentials);
    }
    logger.info({ msg: 'Itinera is ready', port: config.port, role: config.role, graphql: `http://localhost:${config.port}/graphql` });
  } catch (error) {
    if (stopping) return;
    stopping = true;
    const known = describeStartupFailure(error, port);
    if (known) logger.fatal({ msg: known });
    else logger.fatal({ msg: 'Itinera could not start', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
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

void main();
