import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SettingsSchema } from '@itinera/plugin-kit';

/** How a secret setting is stored: `{ "@encrypted": "v1.<iv>.<tag>.<ciphertext>" }` (base64url parts). */
const SEALED_KEY = '@encrypted';
const FORMAT = 'v1';
const IV_BYTES = 12;

export interface SealedValue {
  [SEALED_KEY]: string;
}

/** A stored secret that cannot be opened with this process's key. */
export class SettingsUnreadableError extends Error {
  constructor(setting: string) {
    super(
      `the destination's secret setting "${setting}" cannot be decrypted: ITINERA_SECRET_KEY differs from the key it was saved with ` +
        '(restore that key, or save the destination again with its secrets)',
    );
    this.name = 'SettingsUnreadableError';
  }
}

/**
 * Encrypts secret settings at rest with AES-256-GCM, one value at a time. Each value is bound to its
 * destination and setting name (GCM additional data), so a sealed value copied into another row or
 * under another name does not open.
 */
export class SettingsCipher {
  /** The first key seals; every key opens (older keys, while their values are re-encrypted). */
  private constructor(private readonly keys: Buffer[]) {}

  /**
   * The key comes from `ITINERA_SECRET_KEY` (any string; a 256-bit key is derived from it). Unset, it is
   * derived from the database URL's user, password and database name: stable across restarts (the
   * embedded PostgreSQL's port changes on every start, so host and port are left out), but known to
   * anyone who knows the URL, so only an explicit setting allows it in production. `previous` keys
   * (`ITINERA_SECRET_KEY_PREVIOUS`) still open values sealed before a rotation, and so does the key derived
   * from the database URL, so secrets saved before a key was set can be re-encrypted.
   */
  static fromSecret(secretKey: string | undefined, databaseUrl: string, previous: string[] = []): SettingsCipher {
    const derived = `database:${stablePartsOf(databaseUrl)}`;
    const materials = [secretKey ? `key:${secretKey}` : derived, ...previous.filter(Boolean).map((key) => `key:${key}`), derived];
    return new SettingsCipher([...new Set(materials)].map(keyFrom));
  }

  /**
   * The stored settings with every value sealed under an older key sealed again under the current one,
   * or null when there is nothing to re-encrypt. Throws `SettingsUnreadableError` for a value no key opens.
   */
  resealed(stored: Record<string, unknown>, destinationId: string): Record<string, unknown> | null {
    let changed = false;
    const result: Record<string, unknown> = { ...stored };
    for (const [name, value] of Object.entries(stored)) {
      if (!isSealed(value)) continue;
      const { value: opened, keyIndex } = this.openWithAnyKey(value, destinationId, name);
      if (keyIndex === 0) continue;
      result[name] = this.sealValue(opened, destinationId, name);
      changed = true;
    }
    return changed ? result : null;
  }

  /** The settings to store: every value of a setting the schema marks `secret` sealed, the rest as given. */
  seal(schema: SettingsSchema, settings: Record<string, unknown>, destinationId: string): Record<string, unknown> {
    const stored: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(settings)) {
      stored[name] = Object.hasOwn(schema, name) && schema[name].secret && value !== undefined ? this.sealValue(value, destinationId, name) : value;
    }
    return stored;
  }

  /**
   * The settings as the plugin declared them. Sealed values are recognised by their shape, not by the
   * current schema, so a setting that stopped being secret in a newer plugin version still opens.
   */
  open(stored: Record<string, unknown>, destinationId: string): Record<string, unknown> {
    const settings: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(stored)) {
      settings[name] = isSealed(value) ? this.openValue(value, destinationId, name) : value;
    }
    return settings;
  }

  private sealValue(value: unknown, destinationId: string, name: string): SealedValue {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(additionalData(destinationId, name));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return { [SEALED_KEY]: [FORMAT, ...parts].join('.') };
  }

  private openValue(sealed: SealedValue, destinationId: string, name: string): unknown {
    return this.openWithAnyKey(sealed, destinationId, name).value;
  }

  private openWithAnyKey(sealed: SealedValue, destinationId: string, name: string): { value: unknown; keyIndex: number } {
    const [format, iv, tag, ciphertext] = sealed[SEALED_KEY].split('.');
    if (format !== FORMAT || ciphertext === undefined) throw new SettingsUnreadableError(name);
    for (const [keyIndex, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(additionalData(destinationId, name));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const text = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
        return { value: JSON.parse(text), keyIndex };
      } catch {
        // Sealed under another key (or tampered with): try the next one.
      }
    }
    throw new SettingsUnreadableError(name);
  }
}

function keyFrom(material: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, 'itinera', 'destination settings v1', 32));
}

export function isSealed(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as Record<string, unknown>)[SEALED_KEY] === 'string'
  );
}

function additionalData(destinationId: string, name: string): Buffer {
  return Buffer.from(`${destinationId}\u0000${name}`, 'utf8');
}

function stablePartsOf(databaseUrl: string): string {
  if (!URL.canParse(databaseUrl)) return databaseUrl;
  const url = new URL(databaseUrl);
  return [decodeURIComponent(url.username), decodeURIComponent(url.password), url.pathname].join('\u0000');
}
