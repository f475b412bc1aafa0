import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SECRET_KEY_FILE } from '../../src/config/secret-key';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { createDestination } from '../deliveries/send-step';
import { spawnItinera } from '../harness/itinera-process';
import { startTestApp, type TestApp } from '../harness/test-app';
import { createTestDatabase } from '../harness/test-database';

const sendTestEvent = `mutation ($destinationId: ID!) {
  sendTestEvent(destinationId: $destinationId, action: "send", payload: { data: { probe: 1 } }) { ok status error }
}`;
const WEBHOOK_SECRET = 'whsec_rotation_e2e_73ab';

describe('the key that encrypts destination secrets', () => {
  let receiver: RecordingServer;
  beforeAll(async () => {
    receiver = await startRecordingServer();
  });
  afterAll(() => receiver.close());

  it('rotates: with the old key as ITINERA_SECRET_KEY_PREVIOUS, secrets still work and are re-encrypted at start', async () => {
    const databaseUrl = await createTestDatabase();
    const withKey = async (secretKey: string, previousSecretKey?: string): Promise<TestApp> =>
      startTestApp({ databaseUrl, config: { secretKey, previousSecretKey }, ...(workspace ? { workspace } : {}) });
    let workspace: TestApp['workspace'] | undefined;

    const first = await withKey('key-one');
    workspace = first.workspace;
    const { createDestination: created } = await first.graphql.query(createDestination, {
      input: { name: 'signed', plugin: 'webhook', settings: { url: receiver.url, secret: WEBHOOK_SECRET } },
    });
    const sealedByFirst = (await first.db.query('SELECT settings FROM destinations WHERE id = $1', [created.id])).rows[0].settings.secret;
    await first.close();

    const rotated = await withKey('key-two', 'key-one');
    const sealedAfterRotation = (await rotated.db.query('SELECT settings FROM destinations WHERE id = $1', [created.id])).rows[0].settings.secret;
    expect(sealedAfterRotation).not.toEqual(sealedByFirst);
    await rotated.close();

    const previousDropped = await withKey('key-two');
    try {
      const { sendTestEvent: result } = await previousDropped.graphql.query(sendTestEvent, { destinationId: created.id });
      expect(result).toMatchObject({ ok: true, status: 200 });
      const [request] = receiver.requests.slice(-1);
      expect(request.headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(request.rawBody).digest('hex')}`);
    } finally {
      await previousDropped.close();
    }

    const wrongKey = await withKey('key-three');
    try {
      const { sendTestEvent: result } = await wrongKey.graphql.query(sendTestEvent, { destinationId: created.id });
      expect(result).toMatchObject({ ok: false, error: expect.stringContaining('cannot be decrypted') });
    } finally {
      await wrongKey.close();
    }
  });

  it('is required in production: with DATABASE_URL and no ITINERA_SECRET_KEY the process refuses to start', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: await createTestDatabase(), ITINERA_SECRET_KEY: '', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(exitCode).toBe(1);
    expect(output).toMatch(/ITINERA_SECRET_KEY is required when DATABASE_URL is set/);
  });

  it('is generated on the first start in laptop mode and kept in the data directory, readable by its owner only', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-laptop-key-'));
    try {
      const itinera = await spawnItinera(
        { DATABASE_URL: '', ITINERA_SECRET_KEY: '', ITINERA_ALLOWED_DESTINATION_HOSTS: '', ITINERA_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
        { readyTimeoutMs: 60_000 },
      );
      expect(await itinera.stop()).toBe(0);
      expect(statSync(path.join(dataDir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
      // The start says which outbound address policy is in force.
      const policyLine = itinera.output().split('\n').find((line) => line.includes('"outbound address policy"'));
      expect(JSON.parse(policyLine ?? '{}')).toMatchObject({ mode: 'laptop', policy: expect.stringContaining('except: loopback (laptop mode)') });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
