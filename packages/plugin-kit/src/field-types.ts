import type { FieldType } from './destination';

/** A JSON object (not an array, not null, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Compared by shape, not to this realm's Object.prototype: values may come from structuredClone or a vm context.
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// Date-time with an explicit offset, or a plain date: anything looser (`03/01/2025`) parses differently per runtime.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * What `value` should have been when it is not of `type` (`a string`), or undefined when it is.
 * Settings and action fields share these rules.
 */
export function typeMismatch(type: FieldType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'object':
      return isPlainObject(value) ? undefined : 'an object';
    case 'array':
      return Array.isArray(value) ? undefined : 'an array';
    case 'datetime':
      return typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'an ISO-8601 date-time such as 2025-03-01T10:00:00Z';
  }
}

/** What `value` should have been when it is not one of `allowed`, or undefined when it is. */
export function enumMismatch(allowed: readonly (string | number)[] | undefined, value: unknown): string | undefined {
  if (!allowed || allowed.includes(value as string | number)) return undefined;
  return `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
}

/** A short rendering of a value for messages: the value itself for scalars, the kind for the rest. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Path of `key` under `parent` (`settings` + `url` → `settings.url`, `data` + `a b` → `data["a b"]`); '' is the root. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}
