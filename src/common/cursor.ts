import { badUserInput } from './errors';

/** Cursors are opaque to clients: base64url of the ordering key's parts. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number, argument = 'after'): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity) return parts.map(String);
  } catch {
    // Reported below.
  }
  throw badUserInput([{ path: argument, message: 'not a cursor returned by this API' }]);
}

/** Page sizes are bounded so one query cannot ask for everything. */
export function checkPageSize(first: number, max: number, argument = 'first'): number {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badUserInput([{ path: argument, message: `must be between 1 and ${max}` }]);
  }
  return first;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs: anything else cannot name a record, and must not reach PostgreSQL as one. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
