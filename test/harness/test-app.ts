import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import { createApp } from '../../src/app';
import { createRootLogger } from '../../src/common/logger';
import { AppConfig, readConfigFromEnv } from '../../src/config/app-config';
import { runMigrations } from '../../src/database/run-migrations';
import { WorkspaceCredentials, WorkspaceService } from '../../src/workspaces/workspace.service';
import { GraphqlClient, IngestionClient } from './clients';
import { createTestDatabase } from './test-database';
import { TEST_SECRET_KEY } from './test-secrets';

export interface TestApp {
  app: INestApplication;
  url: string;
  databaseUrl: string;
  config: AppConfig;
  /** A workspace created for the test, with an admin client and an ingestion client. */
  workspace: WorkspaceCredentials;
  graphql: GraphqlClient;
  ingestion: IngestionClient;
  /** Direct SQL, for reading back what the API stored. */
  db: Pool;
  createWorkspace(name: string): Promise<{ credentials: WorkspaceCredentials; graphql: GraphqlClient; ingestion: IngestionClient }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Reuse a database (e.g. to restart on the same data); a fresh one is created otherwise. */
  databaseUrl?: string;
  config?: Partial<AppConfig>;
  /** Use this existing workspace instead of creating one (e.g. after a restart on the same database). */
  workspace?: WorkspaceCredentials;
}

/** Boots the real application on 127.0.0.1 against a real PostgreSQL database of its own. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  await runMigrations(databaseUrl);
  const config: AppConfig = {
    // No per-profile ingestion limit: tests send bursts for one user on purpose; limit tests set it.
    ...readConfigFromEnv({ ITINERA_ROOT_TOKEN: 'test-root-token', ITINERA_SECRET_KEY: TEST_SECRET_KEY, ITINERA_INGEST_RATE_PER_PROFILE: '0' }, databaseUrl),
    queuePollSeconds: 0.5,
    ...options.config,
  };
  const app = await createApp(config, createRootLogger(process.env.LOG_LEVEL ?? 'warn'));
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new Pool({ connectionString: databaseUrl, max: 4 });
  const workspaces = app.get(WorkspaceService);

  const createWorkspace = async (name: string) => {
    const credentials = await workspaces.create(name);
    return {
      credentials,
      graphql: new GraphqlClient(url, credentials.adminToken),
      ingestion: new IngestionClient(url, credentials.writeKey),
    };
  };
  const main = options.workspace
    ? {
        credentials: options.workspace,
        graphql: new GraphqlClient(url, options.workspace.adminToken),
        ingestion: new IngestionClient(url, options.workspace.writeKey),
      }
    : await createWorkspace('test');

  return {
    app,
    url,
    databaseUrl,
    config,
    workspace: main.credentials,
    graphql: main.graphql,
    ingestion: main.ingestion,
    db,
    createWorkspace,
    close: async () => {
      await app.close();
      await db.end();
    },
  };
}
