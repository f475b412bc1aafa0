import type { SettingsSchema } from '@itinera/plugin-kit';
import { isSealed, SettingsCipher, SettingsUnreadableError } from './settings-cipher';

const schema: SettingsSchema = {
  url: { type: 'string', required: true },
  secret: { type: 'string', secret: true },
  headers: { type: 'object', secret: true },
};
const settings = { url: 'https://example.com/hooks', secret: 'whsec_itinera', headers: { Authorization: 'Bearer sk_live_42' } };
const DATABASE_URL = 'postgres://itinera:pw@127.0.0.1:5432/itinera';
const destinationId = '5b0a4a86-4c8e-4a55-9a57-1d9b8f2e0c11';

describe('SettingsCipher', () => {
  const cipher = SettingsCipher.fromSecret('a long operator secret', DATABASE_URL);

  it('seals secret settings only, and opens them back to the same values', () => {
    const stored = cipher.seal(schema, settings, destinationId);
    expect(stored.url).toBe(settings.url);
    expect(isSealed(stored.secret)).toBe(true);
    expect(isSealed(stored.headers)).toBe(true);
    expect(JSON.stringify(stored)).not.toMatch(/whsec_itinera|sk_live_42/);
    expect(cipher.open(stored, destinationId)).toEqual(settings);
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.seal(schema, settings, destinationId).secret).not.toEqual(cipher.seal(schema, settings, destinationId).secret);
  });

  it('cannot open a value with another key, or one copied to another destination or setting', () => {
    const stored = cipher.seal(schema, settings, destinationId);
    expect(() => SettingsCipher.fromSecret('another secret', DATABASE_URL).open(stored, destinationId)).toThrow(SettingsUnreadableError);
    expect(() => cipher.open(stored, '0d1f7c3e-0000-4000-8000-000000000000')).toThrow(SettingsUnreadableError);
    expect(() => cipher.open({ headers: stored.secret }, destinationId)).toThrow(/"headers" cannot be decrypted/);
  });

  it('derives the default key from the database URL without its host and port (the embedded server changes port)', () => {
    const first = SettingsCipher.fromSecret(undefined, DATABASE_URL);
    const restarted = SettingsCipher.fromSecret(undefined, 'postgres://itinera:pw@127.0.0.1:61234/itinera');
    const otherDatabase = SettingsCipher.fromSecret(undefined, 'postgres://itinera:pw@127.0.0.1:5432/other');
    const stored = first.seal(schema, settings, destinationId);
    expect(restarted.open(stored, destinationId)).toEqual(settings);
    expect(() => otherDatabase.open(stored, destinationId)).toThrow(SettingsUnreadableError);
  });

  it('opens values sealed under the previous key, and reseals them under the current one', () => {
    const old = SettingsCipher.fromSecret('old key', DATABASE_URL);
    const rotated = SettingsCipher.fromSecret('new key', DATABASE_URL, ['old key']);
    const stored = old.seal(schema, settings, destinationId);
    expect(rotated.open(stored, destinationId)).toEqual(settings);
    const resealed = rotated.resealed(stored, destinationId)!;
    expect(resealed.url).toBe(settings.url);
    expect(SettingsCipher.fromSecret('new key', DATABASE_URL).open(resealed, destinationId)).toEqual(settings);
    expect(rotated.resealed(resealed, destinationId)).toBeNull();
  });

  it('opens values sealed under the key derived from the database URL once a key is set, so they can be resealed', () => {
    const stored = SettingsCipher.fromSecret(undefined, DATABASE_URL).seal(schema, settings, destinationId);
    const keyed = SettingsCipher.fromSecret('operator key', DATABASE_URL);
    expect(keyed.resealed(stored, destinationId)).not.toBeNull();
  });
});
