import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/database/embedded-postgres';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient, IngestionClient } from '../harness/clients';
import { ItineraProcess, runItineraToExit, spawnItinera as spawnItineraProcess } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { waitFor } from '../harness/wait-for';

const ADMIN_TOKEN = 'itn_admin_stop_test';
const WRITE_KEY = 'itn_wk_stop_test';

const dataDirs: string[] = [];

function freshDataDir(): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-stop-'));
  dataDirs.push(dataDir);
  return dataDir;
}

function envFor(dataDir: string): Record<string, string> {
  return { DATABASE_URL: '', ITINERA_DATA_DIR: dataDir, ITINERA_ADMIN_TOKEN: ADMIN_TOKEN, ITINERA_WRITE_KEY: WRITE_KEY, LOG_LEVEL: 'info' };
}

/** The pid of the postgres that serves `dataDir` (first line of its lock file), while there is one. */
function postmasterPid(dataDir: string): number | null {
  const file = path.join(dataDir, 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** The shell and cat that watch for their owner's death: every process of the server's group but postgres itself. */
function watchdogOf(server: number): number[] {
  const group = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2];
  const serverGroup = group(server);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return group(pid) === serverGroup && ['sh', 'cat'].includes(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    });
}

/** Log records at error level or above, and PostgreSQL's own complaints, wherever they were printed. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)|terminating connection|FATAL|ERROR|Error:/.test(line));
}

describe('stopping and starting npm start on an embedded PostgreSQL', () => {
  let receiver: RecordingServer;
  const started: ItineraProcess[] = [];
  const spawnItinera = async (...args: Parameters<typeof spawnItineraProcess>) => {
    const itinera = await spawnItineraProcess(...args);
    started.push(itinera);
    return itinera;
  };
  beforeAll(async () => {
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    // A failed test must not leave a server running.
    await Promise.all(started.filter((itinera) => itinera.child.exitCode === null && itinera.child.signalCode === null).map((itinera) => itinera.stop()));
    await receiver.close();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops cleanly on Ctrl-C (SIGINT to the process group of npm start), with no error lines, and stops its PostgreSQL', async () => {
    const dataDir = freshDataDir();
    const itinera = await spawnItinera(envFor(dataDir), { viaNpm: true });
    const server = postmasterPid(dataDir)!;
    expect(isAlive(server)).toBe(true);
    expect((await new IngestionClient(itinera.url, WRITE_KEY).identify({ userId: '88', traits: { plan: 'pro' } })).status).toBe(200);

    const node = Number(readFileSync(path.join(dataDir, 'itinera.pid'), 'utf8').split(' ')[0]);
    await itinera.interrupt();
    // npm dies of the SIGINT at once, as it does in a terminal; node finishes its shutdown and exits.
    expect(errorLines(itinera.output())).toEqual([]);
    expect(itinera.output()).toContain('"msg":"stopped"');
    await waitFor(() => !isAlive(node), { what: 'node to exit' });
    expect(isAlive(server)).toBe(false);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('stops cleanly on SIGTERM too', async () => {
    const itinera = await spawnItinera(envFor(freshDataDir()));
    const exit = await itinera.stop();
    expect({ exit, errors: errorLines(itinera.output()) }).toEqual({ exit: 0, errors: [] });
  }, 120_000);

  it('after kill -9 of the node process, its PostgreSQL stops by itself and the next start comes up with nothing lost', async () => {
    const dataDir = freshDataDir();
    // A job the killed process had taken comes back after its expiry: seconds here, not the default 30 s.
    const env = { ...envFor(dataDir), ITINERA_JOB_EXPIRE_SECONDS: '3', ITINERA_QUEUE_MAINTENANCE_SECONDS: '1', ITINERA_DELIVERY_JOB_EXPIRE_SECONDS: '4' };
    const first = await spawnItinera(env);
    const graphql = new GraphqlClient(first.url, ADMIN_TOKEN);
    const webhook = await createWebhookDestination(graphql, receiver.url);
    const journey = await publishJourney(graphql, {
      name: 'survives a crash',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      steps: [
        { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT3S' }, next: 'nudge' },
        { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { id: { '@path': '$.entry.properties.Application_id' } } } } },
      ],
    });
    const ingestion = new IngestionClient(first.url, WRITE_KEY);
    expect((await ingestion.identify({ userId: '88', traits: { first_name: 'Ada' } })).status).toBe(200);
    expect((await ingestion.track({ userId: '88', event: 'Application_Started', properties: { Application_id: '1234' } })).status).toBe(200);
    const server = postmasterPid(dataDir)!;

    await first.kill();
    await waitFor(() => !isAlive(server), { timeoutMs: 10_000, what: 'the orphaned PostgreSQL to stop' });

    const second = await spawnItinera(env);
    try {
      const profile = await new GraphqlClient(second.url, ADMIN_TOKEN).query('{ profile(userId: "88") { traits } }');
      expect(profile).toEqual({ profile: { traits: { first_name: 'Ada' } } });
      // The event, its instance and its timer survived: the wait ends and the nudge is sent.
      const sent = await waitFor(() => receiver.requests.map((r) => r.json as { journeyId: string; data: unknown }).find((body) => body?.journeyId === journey.id), {
        timeoutMs: 30_000,
        what: 'the nudge after the restart',
      });
      expect(sent.data).toEqual({ id: '1234' });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 180_000);

  it('stops a PostgreSQL orphaned together with its watchdog, then starts', async () => {
    const dataDir = freshDataDir();
    const first = await spawnItinera(envFor(dataDir));
    const server = postmasterPid(dataDir)!;
    const watchdog = watchdogOf(server);
    expect(watchdog.length).toBeGreaterThan(0);
    // What the previous version left behind: a server whose owner is gone, still holding the directory.
    // The watchdog is frozen rather than killed: killed one by one, a part of it could still stop the server.
    for (const pid of watchdog) process.kill(pid, 'SIGSTOP');
    try {
      await first.kill();
      expect(isAlive(server)).toBe(true);

      const second = await spawnItinera(envFor(dataDir));
      expect(isAlive(server)).toBe(false);
      expect(second.output()).not.toContain('lock file');
      expect(await second.stop()).toBe(0);
    } finally {
      for (const pid of watchdog) process.kill(pid, 'SIGKILL');
    }
  }, 180_000);

  it('refuses a second start on a data directory in use, naming the pid and how to pick another', async () => {
    const dataDir = freshDataDir();
    const first = await spawnItinera(envFor(dataDir));
    try {
      const second = await runItineraToExit({ ...envFor(dataDir), PORT: String(await findFreePort()) });
      expect(second.code).toBe(1);
      const lines = second.output.trim().split('\n');
      expect(lines.filter((line) => line.includes('"level":60'))).toHaveLength(1);
      expect(second.output).toContain(`in use by another Itinera process (pid ${first.child.pid})`);
      expect(second.output).toContain('ITINERA_DATA_DIR');
      // The first one is untouched.
      expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  }, 180_000);

  it('logs the first-start credentials as one structured record (no plain block off a terminal), and a restart with ITINERA_ADMIN_TOKEN recovers a lost one', async () => {
    const dataDir = freshDataDir();
    const first = await spawnItinera({ DATABASE_URL: '', ITINERA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    await first.stop();
    const records = first.output().split('\n').filter((line) => line.includes('default_workspace_created'));
    expect(records).toHaveLength(1);
    const { adminToken, writeKey } = JSON.parse(records[0]);
    expect(adminToken).toMatch(/^itn_admin_/);
    expect(writeKey).toMatch(/^itn_wk_/);
    expect(first.output()).not.toContain('Keep these, they are not shown again');

    const recovered = await spawnItinera({ DATABASE_URL: '', ITINERA_DATA_DIR: dataDir, ITINERA_ADMIN_TOKEN: 'itn_admin_recovered_7e1' });
    try {
      // The token from the environment is a new ADMIN token; with it the lost one is found and revoked.
      const admin = new GraphqlClient(recovered.url, 'itn_admin_recovered_7e1');
      expect(await admin.query('{ profile(userId: "nobody") { userId } }')).toEqual({ profile: null });
      const { apiTokens } = await admin.query<{ apiTokens: { id: string; name: string }[] }>('{ apiTokens { id name } }');
      expect(apiTokens).toHaveLength(2);
      const recoveredId = (await admin.query<{ viewer: { tokenName: string } }>('{ viewer { tokenName } }')).viewer.tokenName;
      const lost = apiTokens.find((token) => token.name !== recoveredId)!;
      expect(await admin.query('mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: lost.id })).toEqual({ revokeApiToken: { id: lost.id } });
      expect((await new GraphqlClient(recovered.url, adminToken).error('{ journeys { nodes { id } } }')).extensions?.code).toBe('UNAUTHENTICATED');
      expect(recovered.output()).not.toContain('default_workspace_created');
    } finally {
      expect(await recovered.stop()).toBe(0);
    }
  }, 180_000);

  it('says in one line that the port is in use', async () => {
    const port = await findFreePort();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(port, resolve));
    try {
      const { code, output } = await runItineraToExit({ ...envFor(freshDataDir()), PORT: String(port) });
      expect(code).toBe(1);
      expect(output.trim().split('\n')).toEqual([expect.stringContaining(`port ${port} is already in use by another process`)]);
    } finally {
      busy.close();
    }
  }, 60_000);
});
