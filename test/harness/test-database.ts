import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server globalSetup started (or DATABASE_URL); each test file gets its own database on it. */
export function testServerUrl(): string {
  const url = process.env.ITINERA_TEST_SERVER_URL;
  if (!url) throw new Error('ITINERA_TEST_SERVER_URL is not set: run the tests through jest (npm test)');
  return url;
}

export async function createTestDatabase(prefix = 'itinera_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
