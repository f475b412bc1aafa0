import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One PostgreSQL server for the whole run: the embedded one unless DATABASE_URL names another.
 * Each test file then creates its own database on it (see test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.ITINERA_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'itinera-test-pg-')),
    persistent: false,
    // Tests need speed, not crash safety of the test server itself.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  (globalThis as { itineraTestServer?: typeof server }).itineraTestServer = server;
  process.env.ITINERA_TEST_SERVER_URL = server.url;
}
