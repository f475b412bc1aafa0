import { spawn } from 'node:child_process';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface SeparatePostgres {
  url: string;
  /** A fast shutdown of the server (its data stays); resolves once it is down. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server of a test file's own, on `port` with its data in `dataDir` (kept across stops,
 * so it can be started again), run by `startEmbeddedPostgres` in a child process: embedded-postgres is
 * an ES module, which jest's module system cannot load in the test process itself.
 */
export async function startSeparatePostgres(dataDir: string, port: number): Promise<SeparatePostgres> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, dataDir, String(port)], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const ready = /READY (\S+)/.exec(output);
      if (ready) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}): ${output}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  const [dataDir, port] = process.argv.slice(2);
  void (async () => {
    const server = await startEmbeddedPostgres({ dataDir, port: Number(port), persistent: true, settings: { fsync: 'off' } });
    process.once('SIGTERM', () => void server.stop().finally(() => process.exit(0)));
    process.stdout.write(`READY ${server.url}\n`);
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
