import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { runMigrations } from '../../src/database/run-migrations';
import { GraphqlClient } from '../harness/clients';
import { spawnItinera, type ItineraProcess } from '../harness/itinera-process';
import { createTestDatabase } from '../harness/test-database';

const ADMIN_TOKEN = 'outside-plugin-admin-token';
const API_KEY = 'outside_key_5b2e91c7d3';

/**
 * A plugin as an integrator writes it: in a folder of its own outside this repository, a package that
 * depends on `@itinera/plugin-kit` and imports it by name, with nothing installed beside it. A real
 * `npm start` process (plain Node module resolution, ts-node) loads it through ITINERA_PLUGIN_PATHS.
 */
const PLUGIN_SOURCE = `
import { defineDestination, KIT_VERSION, PermanentError } from '@itinera/plugin-kit';

export default defineDestination({
  name: 'greeter',
  kitVersion: '^2.0.0',
  displayName: 'Greeter',
  settings: {
    url: { type: 'string', format: 'uri', required: true },
    apiKey: { type: 'string', secret: true, required: true },
  },
  actions: {
    greet: {
      title: 'Greet',
      fields: { name: { type: 'string', required: true } },
      async perform({ payload, settings, request }) {
        const { url, apiKey } = settings as { url: string; apiKey: string };
        const { name } = payload as { name: string };
        if (name === 'nobody') throw new PermanentError('nobody to greet with ' + apiKey);
        const response = await request(url, { method: 'PUT', json: { greeting: 'Hello ' + name, kit: KIT_VERSION }, headers: { 'x-api-key': apiKey } });
        return { status: response.status, response: response.body };
      },
    },
  },
});
`;

describe('a plugin outside the repository, from ITINERA_PLUGIN_PATHS', () => {
  let folder: string;
  let itinera: ItineraProcess;
  let graphql: GraphqlClient;
  let receiver: RecordingServer;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'itinera-outside-plugins-'));
    const plugin = path.join(folder, 'plugins', 'greeter');
    mkdirSync(plugin, { recursive: true });
    writeFileSync(
      path.join(plugin, 'package.json'),
      JSON.stringify({ name: 'itinera-plugin-greeter', version: '1.0.0', main: 'index.ts', peerDependencies: { '@itinera/plugin-kit': '^2.0.0' } }, null, 2),
    );
    writeFileSync(path.join(plugin, 'index.ts'), PLUGIN_SOURCE);

    const databaseUrl = await createTestDatabase();
    await runMigrations(databaseUrl);
    itinera = await spawnItinera({ DATABASE_URL: databaseUrl, ITINERA_ADMIN_TOKEN: ADMIN_TOKEN, ITINERA_PLUGIN_PATHS: path.join(folder, 'plugins') });
    graphql = new GraphqlClient(itinera.url, ADMIN_TOKEN);
    receiver = await startRecordingServer();
  }, 120_000);
  afterAll(async () => {
    await itinera?.stop();
    await receiver?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('imports @itinera/plugin-kit by name, gets Itinera’s own copy of it, and delivers through it', async () => {
    expect(itinera.output()).not.toContain('plugin skipped');
    const { destinationPlugins } = await graphql.query(`{ destinationPlugins { name actions { name } } }`);
    expect(destinationPlugins.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['greeter', 'tracking-api', 'webhook']));

    const { createDestination } = await graphql.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
      input: { name: 'Greeter', plugin: 'greeter', settings: { url: `${receiver.url}/greet`, apiKey: API_KEY } },
    });
    const sendTestEvent = `mutation ($id: ID!, $payload: JSON!) { sendTestEvent(destinationId: $id, action: "greet", payload: $payload) { ok status error retryable } }`;
    const sent = await graphql.query(sendTestEvent, { id: createDestination.id, payload: { name: 'Ada' } });
    expect(sent.sendTestEvent).toEqual({ ok: true, status: 200, error: null, retryable: null });
    // KIT_VERSION came from the kit Itinera runs: there is no other copy to come from.
    expect(receiver.requests[0]).toMatchObject({ method: 'PUT', path: '/greet', json: { greeting: 'Hello Ada', kit: '2.0.0' }, headers: { 'x-api-key': API_KEY } });

    // Its PermanentError is classified permanent, and the secret setting in its message redacted.
    const refused = await graphql.query(sendTestEvent, { id: createDestination.id, payload: { name: 'nobody' } });
    expect(refused.sendTestEvent).toEqual({ ok: false, status: null, error: 'nobody to greet with [redacted]', retryable: false });
  });
});
