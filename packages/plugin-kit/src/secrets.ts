import type { PluginLogger, SettingsSchema } from './destination';

/**
 * Keeping secret settings out of what people read: error messages stored with a delivery, plugin logs,
 * recorded responses. A destination's secret values are replaced wherever they appear as text.
 */

/** What replaces a secret value. */
export const REDACTED = '[redacted]';

/** Shorter values are not searched for: replacing every "ab" in a message would make it unreadable. */
const MIN_SECRET_LENGTH = 4;

/**
 * The texts to hide for a destination: each secret setting's value (every string inside it, for an object
 * such as headers), each word of it long enough to be a token on its own (`Bearer <token>`), and the
 * forms a plugin typically sends it in (URL-encoded, Base64 as in HTTP Basic authentication).
 */
export function secretValues(schema: SettingsSchema, settings: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const [name, field] of Object.entries(schema)) {
    if (!field.secret || !Object.hasOwn(settings, name)) continue;
    for (const text of stringsIn(settings[name])) {
      for (const value of [text, ...text.split(/\s+/).filter((word) => word.length >= 8)]) {
        if (value.length < MIN_SECRET_LENGTH) continue;
        found.add(value);
        found.add(encodeURIComponent(value));
        found.add(Buffer.from(value).toString('base64'));
        found.add(Buffer.from(`${value}:`).toString('base64'));
      }
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...found].filter((value) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) if (redacted.includes(secret)) redacted = redacted.split(secret).join(REDACTED);
  return redacted;
}

/** A copy of a JSON-like value with secrets redacted from every string in it (keys included). */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return walk(value, secrets, 0) as T;
}

function walk(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => walk(item, secrets, depth + 1));
  if (value instanceof Error) return redactSecrets(value.message, secrets);
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactSecrets(key, secrets), walk(item, secrets, depth + 1)]));
}

/** A logger that redacts secrets from each message and its fields before passing them on. */
export function redactingLogger(logger: PluginLogger, secrets: readonly string[]): PluginLogger {
  if (secrets.length === 0) return logger;
  const redact = (write: PluginLogger['info']): PluginLogger['info'] => (message, fields) =>
    write(redactSecrets(String(message), secrets), fields === undefined ? undefined : redactDeep(fields, secrets));
  return { info: redact(logger.info.bind(logger)), warn: redact(logger.warn.bind(logger)), error: redact(logger.error.bind(logger)) };
}

function stringsIn(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (depth > 5 || value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap((item) => stringsIn(item, depth + 1));
}
