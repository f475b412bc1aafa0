import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Names the process that runs the embedded PostgreSQL of a data directory (beside PostgreSQL's own postmaster.pid). */
const OWNER_FILE = 'itinera.pid';
/** How long an orphaned server gets to stop after SIGINT (fast shutdown) before SIGQUIT. */
const ORPHAN_STOP_MS = 30_000;

/** Another live Itinera process runs this data directory's PostgreSQL. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dataDir} is in use by another Itinera process (pid ${pid}): stop that process, ` +
        `or start this one on another directory with ITINERA_DATA_DIR=<path> (or on a PostgreSQL of your own with DATABASE_URL)`,
    );
  }
}

export interface DataDirectoryClaim {
  /** Forgets the claim once the server has stopped. */
  release(): void;
}

/**
 * Makes this process the owner of `dataDir`'s embedded PostgreSQL. A live owner (another `npm start`)
 * is refused with its pid. A dead owner's server (its node process was killed with -9) is stopped
 * first: PostgreSQL would otherwise refuse to start on a directory whose postmaster.pid is alive.
 */
export async function claimDataDirectory(dataDir: string, log: (line: string) => void = () => undefined): Promise<DataDirectoryClaim> {
  const ownerFile = path.join(dataDir, OWNER_FILE);
  for (let tries = 0; ; tries++) {
    const owner = readOwner(ownerFile);
    if (owner && owner.pid !== process.pid && isSameProcess(owner)) throw new DataDirectoryInUseError(dataDir, owner.pid);
    if (owner || tries > 0) rmSync(ownerFile, { force: true });
    try {
      // Exclusive create: of two starts racing for the directory, one gets it and the other sees a live owner.
      const fd = openSync(ownerFile, 'wx', 0o644);
      writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 2) throw error;
    }
  }
  await stopOrphanedServer(dataDir, log);
  return { release: () => rmSync(ownerFile, { force: true }) };
}

interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux), which a reused pid does not share. */
  startTime: string | null;
}

function readOwner(ownerFile: string): ProcessIdentity | null {
  if (!existsSync(ownerFile)) return null;
  const [pid, startTime] = readFileSync(ownerFile, 'utf8').trim().split(/\s+/);
  return Number.isInteger(Number(pid)) && Number(pid) > 0 ? { pid: Number(pid), startTime: startTime || null } : null;
}

function isSameProcess(identity: ProcessIdentity): boolean {
  if (!isAlive(identity.pid)) return false;
  const startTime = processStartTime(identity.pid);
  return !identity.startTime || !startTime || startTime === identity.startTime;
}

/** A postmaster still running on `dataDir` whose owner is gone: stopped, and waited for. */
async function stopOrphanedServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const postmasterFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(postmasterFile)) return;
  const [pidLine, dirLine] = readFileSync(postmasterFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  if (!isPostgresOf(pid, dirLine ?? '', dataDir)) {
    // The pid was reused by an unrelated process (after a reboot, in a new container): PostgreSQL would
    // take its lock file for a live server and refuse to start.
    rmSync(postmasterFile, { force: true });
    return;
  }
  log(`stopping the embedded PostgreSQL (pid ${pid}) left running on ${dataDir} by a process that is gone`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ORPHAN_STOP_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Only a postgres process serving this very directory is ours to stop; a reused pid is left alone. */
function isPostgresOf(pid: number, lockedDir: string, dataDir: string): boolean {
  if (path.resolve(lockedDir.trim()) !== path.resolve(dataDir)) return false;
  const commandLine = readProc(pid, 'cmdline');
  return commandLine === null || commandLine.includes('postgres');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // A zombie is dead for our purposes: it holds nothing and only waits for its parent.
  return readProc(pid, 'stat')?.split(') ')[1]?.startsWith('Z') !== true;
}

function processStartTime(pid: number): string | null {
  // Field 22 of /proc/<pid>/stat; the fields after the command name, which may hold spaces, start at field 3.
  return readProc(pid, 'stat')?.split(') ')[1]?.split(' ')[19] ?? null;
}

/** `/proc/<pid>/<file>`, or null where there is no /proc (macOS) or no such process. */
function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}
