import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimDataDirectory, DataDirectoryInUseError } from './data-directory-owner';

/** A pid no process has: above the kernel's default pid_max. */
const DEAD_PID = 4_194_305;

describe('claimDataDirectory', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-claim-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const owner = () => readFileSync(path.join(dataDir, 'itinera.pid'), 'utf8').split(' ')[0];

  it('claims a free directory for this process and releases it', async () => {
    const claim = await claimDataDirectory(dataDir);
    expect(owner()).toBe(String(process.pid));
    claim.release();
    expect(existsSync(path.join(dataDir, 'itinera.pid'))).toBe(false);
  });

  it('refuses a directory whose owner is alive, naming its pid', async () => {
    writeFileSync(path.join(dataDir, 'itinera.pid'), `${process.ppid}\n`);
    await expect(claimDataDirectory(dataDir)).rejects.toThrow(new DataDirectoryInUseError(dataDir, process.ppid));
  });

  it('takes over a directory whose owner is gone', async () => {
    writeFileSync(path.join(dataDir, 'itinera.pid'), `${DEAD_PID} 12345\n`);
    await claimDataDirectory(dataDir);
    expect(owner()).toBe(String(process.pid));
  });

  it('removes a PostgreSQL lock file whose pid now belongs to an unrelated process', async () => {
    writeFileSync(path.join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n`);
    await claimDataDirectory(dataDir);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });
});
