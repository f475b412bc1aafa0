/**
 * What every scenario runs against: a fresh embedded PostgreSQL in its own temporary data directory,
 * one API process and one worker process of Itinera (real OS processes, as `npm start` runs them),
 * and a webhook sink on 127.0.0.1. Nothing here listens on or sends to any other address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient } from '../test/harness/clients';
import { ItineraProcess, spawnItinera } from '../test/harness/itinera-process';
import { LoadClient } from './load-client';

const ROOT_TOKEN = 'bench-root-token';

/**
 * PostgreSQL as an operator would run it on this machine: durable commits (fsync and synchronous_commit
 * stay on), with memory and checkpoint spacing sized for 24 GB rather than the 128 MB defaults.
 */
export const POSTGRES_SETTINGS: Record<string, string | number> = {
  shared_buffers: '2GB',
  effective_cache_size: '8GB',
  maintenance_work_mem: '512MB',
  max_wal_size: '8GB',
  checkpoint_timeout: '15min',
  // Statement counts per event for scenario 7; its own small cost is in every figure alike, the raw ones too.
  shared_preload_libraries: 'pg_stat_statements',
};

export interface BenchWorkspace {
  name: string;
  graphql: GraphqlClient;
  ingestion: LoadClient;
  workspaceId: string;
  writeKey: string;
}

export class BenchEnvironment {
  /** Processes being stopped on purpose; any other exit is reported. */
  private readonly stopping = new Set<ItineraProcess>();

  private constructor(
    private readonly log: (line: string) => void,
    private readonly postgres: RunningPostgres,
    private readonly dataDir: string,
    readonly databaseUrl: string,
    readonly db: Pool,
    readonly api: ItineraProcess,
    public worker: ItineraProcess,
    readonly sink: RecordingServer,
  ) {}

  static async start(log: (line: string) => void): Promise<BenchEnvironment> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-bench-pg-'));
    log(`starting PostgreSQL in ${dataDir}`);
    const postgres = await startEmbeddedPostgres({ dataDir, persistent: false, settings: POSTGRES_SETTINGS });
    const databaseUrl = await createDatabase(postgres.url, 'itinera_bench');
    log('starting the API process');
    const api = await spawnItinera(processEnv(databaseUrl, 'api'), { readyTimeoutMs: 120_000 });
    log('starting the worker process');
    const worker = await spawnItinera(processEnv(databaseUrl, 'worker'), { readyTimeoutMs: 120_000 });
    const sink = await startRecordingServer();
    const db = new Pool({ connectionString: databaseUrl, max: 16 });
    // Idle connections see PostgreSQL go away at the end of the run: not a failure of the run.
    db.on('error', () => undefined);
    const env = new BenchEnvironment(log, postgres, dataDir, databaseUrl, db, api, worker, sink);
    env.watch(api, 'API');
    env.watch(worker, 'worker');
    return env;
  }

  /** A fresh database on the same server, migrated by the first Itinera process started on it. */
  async freshDatabase(name: string): Promise<string> {
    return createDatabase(this.postgres.url, name);
  }

  /**
   * One more Itinera process on `databaseUrl` (by default the single process of `npm start`, role
   * `all`); `nodeOptions` e.g. `--inspect=127.0.0.1:0` for a CPU profile; `root` another checkout to run
   * (a baseline). The caller stops it.
   */
  async spawn(databaseUrl: string, role: 'api' | 'worker' | 'all' = 'all', nodeOptions = '', root?: string): Promise<ItineraProcess> {
    const env = { ...processEnv(databaseUrl, role), ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    return spawnItinera(env, { readyTimeoutMs: 120_000, root });
  }

  /** A workspace of its own per scenario: journeys, limits and counts never mix. */
  async createWorkspace(name: string, apiUrl = this.api.url): Promise<BenchWorkspace> {
    const root = new GraphqlClient(apiUrl, ROOT_TOKEN);
    const { createWorkspace } = await root.query(`mutation ($name: String!) { createWorkspace(name: $name) { workspaceId adminToken writeKey } }`, { name });
    return {
      name,
      workspaceId: createWorkspace.workspaceId,
      writeKey: createWorkspace.writeKey,
      graphql: new GraphqlClient(apiUrl, createWorkspace.adminToken),
      ingestion: this.track(new LoadClient(apiUrl, createWorkspace.writeKey)),
    };
  }

  private readonly clients: LoadClient[] = [];

  private track(client: LoadClient): LoadClient {
    this.clients.push(client);
    return client;
  }

  /** Worker processes beyond the first (see replaceWorkers). */
  private extraWorkers: ItineraProcess[] = [];

  /**
   * Stops every worker process, runs `meanwhile` (e.g. ingestion that builds a backlog no one applies),
   * then starts `count` fresh ones at once and resolves when all are ready.
   */
  async replaceWorkers(count: number, meanwhile: () => Promise<void> = async () => undefined): Promise<void> {
    const old = [this.worker, ...this.extraWorkers];
    for (const w of old) this.stopping.add(w);
    await Promise.all(old.map((w) => w.stop()));
    await meanwhile();
    const started = await Promise.all(Array.from({ length: count }, () => spawnItinera(processEnv(this.databaseUrl, 'worker'), { readyTimeoutMs: 120_000 })));
    [this.worker, ...this.extraWorkers] = started;
    started.forEach((w, i) => this.watch(w, `worker ${i + 1}`));
  }

  /** A fresh worker process, e.g. so that its memory reflects one scenario only. */
  async restartWorker(): Promise<void> {
    this.stopping.add(this.worker);
    await this.worker.stop();
    this.worker = await spawnItinera(processEnv(this.databaseUrl, 'worker'), { readyTimeoutMs: 120_000 });
    this.watch(this.worker, 'worker');
  }

  /** An Itinera process that exits by itself invalidates the run: say so at once, with its last words. */
  private watch(itinera: ItineraProcess, name: string): void {
    itinera.child.once('exit', (code, signal) => {
      if (this.stopping.has(itinera)) return;
      this.log(`ERROR: the ${name} process exited (code ${code}, signal ${signal}); its last output:\n${itinera.output().slice(-3000)}`);
    });
  }

  get workerPid(): number {
    return this.worker.child.pid!;
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    return Number((await this.db.query(sql, params)).rows[0].n);
  }

  /** Jobs of `queue` not yet finished (waiting or running). */
  async pendingJobs(queue: string, dueOnly = true): Promise<number> {
    return this.count(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state < 'completed' ${dueOnly ? 'AND start_after <= now()' : ''}`, [queue]);
  }

  async stop(): Promise<void> {
    const all = [this.worker, ...this.extraWorkers, this.api];
    for (const p of all) this.stopping.add(p);
    await Promise.allSettled(all.map((p) => p.stop()));
    for (const client of this.clients) client.close();
    await this.db.end().catch(() => undefined);
    await this.sink.close().catch(() => undefined);
    await this.postgres.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function processEnv(databaseUrl: string, role: 'api' | 'worker' | 'all'): Record<string, string> {
  return { DATABASE_URL: databaseUrl, ITINERA_ROLE: role, ITINERA_ROOT_TOKEN: ROOT_TOKEN, LOG_LEVEL: 'warn' };
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
