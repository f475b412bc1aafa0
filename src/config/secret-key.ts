import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from './app-config';

/** The file in the laptop data directory that holds the generated key. */
export const SECRET_KEY_FILE = 'itinera-secret-key';

/**
 * The key that encrypts destination secrets, for main.ts: ITINERA_SECRET_KEY when set; in laptop mode a
 * random key kept in the data directory (created on the first start, readable by its owner only); in
 * production an error, unless the operator explicitly accepts the key derived from the database URL
 * (undefined then), which anyone who knows that URL can recompute.
 */
export function resolveSecretKey(config: AppConfig, dataDir: string): string | undefined {
  if (config.secretKey) return config.secretKey;
  if (config.laptopMode) return laptopSecretKey(dataDir);
  if (config.allowDerivedSecretKey) return undefined;
  throw new Error(
    'ITINERA_SECRET_KEY is required when DATABASE_URL is set: it encrypts destinations\u2019 secret settings. ' +
      'Set it to a long random string, identical in every process (e.g. `openssl rand -base64 32`), ' +
      'or set ITINERA_ALLOW_DERIVED_SECRET_KEY=true to accept a key derived from the database URL.',
  );
}

export function laptopSecretKey(dataDir: string): string {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(file)) {
    try {
      // 'wx': a second process starting at the same moment keeps the first one's key.
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  const key = readFileSync(file, 'utf8').trim();
  if (!key) throw new Error(`${file} is empty: restore the key it held, or remove the file to start with a new key`);
  return key;
}
