import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IngestionClient } from '../harness/clients';
import { spawnItinera } from '../harness/itinera-process';

/** What `npm start` does with no configuration: embedded PostgreSQL in a data directory, kept across restarts. */
describe('npm start without DATABASE_URL', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-start-'));
  const env = {
    DATABASE_URL: '',
    ITINERA_DATA_DIR: dataDir,
    ITINERA_ADMIN_TOKEN: 'itn_admin_start_test',
    ITINERA_WRITE_KEY: 'itn_wk_start_test',
  };

  it('is ready within 60 s on an embedded PostgreSQL and keeps its data across a restart', async () => {
    const first = await spawnItinera(env, { readyTimeoutMs: 60_000 });
    const live = await fetch(`${first.url}/health/live`);
    expect(live.status).toBe(200);
    const ingestion = new IngestionClient(first.url, env.ITINERA_WRITE_KEY);
    await ingestion.send({ userId: '99', event: 'Order_Confirmation', properties: { cart_ID: '123456' }, messageId: 'start-1' });
    await ingestion.identify({ userId: '99', traits: { first_name: 'Ada' } });
    const firstExit = await first.stop();
    expect({ exit: firstExit, output: firstExit === 0 ? '' : first.output().slice(-3000) }).toEqual({ exit: 0, output: '' });

    const second = await spawnItinera(env, { readyTimeoutMs: 60_000 });
    try {
      const response = await fetch(`${second.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${env.ITINERA_ADMIN_TOKEN}` },
        body: JSON.stringify({ query: '{ profile(userId: "99") { userId traits } }' }),
      });
      expect(await response.json()).toEqual({ data: { profile: { userId: '99', traits: { first_name: 'Ada' } } } });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 180_000);
});
