/**
 * `npm run bench -- --reliability`: the reliability suite (test/reliability) at heavy sizes. The
 * test files read their sizes from ITINERA_RELIABILITY_* variables and default to sizes that keep
 * `npm test` fast; here they run bigger, one file at a time, with longer time limits.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const HEAVY_RELIABILITY_ENV: Record<string, string> = {
  /** Instances in the crash run (a worker SIGKILLed mid-run, then restarted). */
  ITINERA_RELIABILITY_CRASH_INSTANCES: '10000',
  /** Concurrent requests carrying the same messageIds. */
  ITINERA_RELIABILITY_DUPLICATE_REQUESTS: '200',
  /** Users whose events two worker processes race on. */
  ITINERA_RELIABILITY_RACE_USERS: '2000',
  /** Users finishing, and users entering, while a version is published with MOVE_BY_STEP_KEY. */
  ITINERA_RELIABILITY_VERSION_RACE_WAITING_USERS: '1000',
  ITINERA_RELIABILITY_VERSION_RACE_ENTERING_USERS: '1000',
  /** fast-check runs per property. */
  ITINERA_RELIABILITY_PROPERTY_RUNS: '1000',
  /** Seconds PostgreSQL stays down in the outage test. */
  ITINERA_RELIABILITY_OUTAGE_SECONDS: '30',
  /** Jest's per-test time limit for these sizes. */
  ITINERA_RELIABILITY_TIMEOUT_MS: '900000',
};

export function runHeavyReliability(): Promise<number> {
  const root = path.resolve(__dirname, '..');
  console.log(`reliability suite at heavy sizes: ${Object.entries(HEAVY_RELIABILITY_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const child = spawn(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), 'test/reliability', '--runInBand', `--testTimeout=${HEAVY_RELIABILITY_ENV.ITINERA_RELIABILITY_TIMEOUT_MS}`], {
    cwd: root,
    env: { ...process.env, ...HEAVY_RELIABILITY_ENV },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}
