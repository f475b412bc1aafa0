import { ChildProcess, spawn, SpawnOptionsWithStdioTuple } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../../src/database/embedded-postgres';
import { TEST_SECRET_KEY } from './test-secrets';
import { waitFor } from './wait-for';

export interface ItineraProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit (graceful shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing finishes. */
  kill(): Promise<void>;
  /**
   * SIGINT to the whole process group, as Ctrl-C in a terminal does (with `viaNpm`: npm, its shell and
   * node), then waits until every process of it has closed its output (npm itself may exit first).
   */
  interrupt(): Promise<void>;
}

export interface SpawnOptions {
  readyTimeoutMs?: number;
  /** `npm start` in a process group of its own, as a person runs it, instead of node directly. */
  viaNpm?: boolean;
  /** Another checkout of Itinera to run (the benchmark compares a baseline with this tree). */
  root?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Starts `src/main.ts` as its own OS process, as `npm start` does, and waits until it is ready. */
export async function spawnItinera(env: Record<string, string>, { readyTimeoutMs = 120_000, viaNpm = false, root = ROOT }: SpawnOptions = {}): Promise<ItineraProcess> {
  const port = env.PORT ? Number(env.PORT) : await findFreePort();
  let output = '';
  const child = spawnMain({ ...env, PORT: String(port) }, viaNpm, root);
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output.slice(-2000)}`);
        const response = await fetch(`${url}/health/ready`).catch(() => null);
        return response?.status === 200;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 200, what: `itinera on port ${port} to be ready` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error}\n--- output ---\n${output.slice(-3000)}`);
  }
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    interrupt: async () => {
      process.kill(viaNpm ? -child.pid! : child.pid!, 'SIGINT');
      await closed;
    },
  };
}

/** Runs a start expected to fail, to its exit: its exit code and everything it printed. */
export async function runItineraToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnMain(env, false);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, output };
}

function spawnMain(env: Record<string, string>, viaNpm: boolean, root = ROOT): ChildProcess {
  const options: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'pipe'> = {
    cwd: root,
    // A spawned process with DATABASE_URL runs as production: it needs a secret key (the one in-process
    // test apps use), test receivers on 127.0.0.1 must be allowed, and load is not to be rate limited.
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ITINERA_SECRET_KEY: TEST_SECRET_KEY,
      ITINERA_ALLOWED_DESTINATION_HOSTS: '127.0.0.1',
      ITINERA_INGEST_RATE_PER_WORKSPACE: '0',
      ITINERA_INGEST_RATE_PER_PROFILE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: viaNpm,
  };
  return viaNpm ? spawn('npm', ['start'], options) : spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], options);
}
