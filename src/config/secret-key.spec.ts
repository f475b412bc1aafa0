import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfigFromEnv } from './app-config';
import { resolveSecretKey, SECRET_KEY_FILE } from './secret-key';

describe('resolveSecretKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-secret-key-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const DATABASE_URL = 'postgres://itinera:pw@db.internal:5432/itinera';

  it('uses ITINERA_SECRET_KEY when it is set', () => {
    expect(resolveSecretKey(readConfigFromEnv({ ITINERA_SECRET_KEY: 'operator key' }, DATABASE_URL), dataDir)).toBe('operator key');
  });

  it('generates a random key in laptop mode on the first start, readable by its owner only, and keeps it', () => {
    const laptop = readConfigFromEnv({}, 'postgres://postgres:password@127.0.0.1:54321/itinera');
    const first = resolveSecretKey(laptop, dataDir);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(dataDir, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(resolveSecretKey(laptop, dataDir)).toBe(first);

    const otherLaptop = mkdtempSync(path.join(os.tmpdir(), 'itinera-secret-key-'));
    try {
      expect(resolveSecretKey(laptop, otherLaptop)).not.toBe(first);
    } finally {
      rmSync(otherLaptop, { recursive: true, force: true });
    }
  });

  it('refuses to start in production (DATABASE_URL set) without a key, unless explicitly told to derive one', () => {
    expect(() => resolveSecretKey(readConfigFromEnv({ DATABASE_URL }, DATABASE_URL), dataDir)).toThrow(/ITINERA_SECRET_KEY is required when DATABASE_URL is set/);
    expect(resolveSecretKey(readConfigFromEnv({ DATABASE_URL, ITINERA_ALLOW_DERIVED_SECRET_KEY: 'true' }, DATABASE_URL), dataDir)).toBeUndefined();
  });
});
