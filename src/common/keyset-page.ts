import { decodeCursor, encodeCursor, isUuid } from './cursor';
import { badUserInput } from './errors';

export interface KeysetPageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** What each part of a cursor must be before it reaches PostgreSQL. */
export type CursorPart = 'timestamp' | 'uuid' | 'bigint';

const VALID: Record<CursorPart, (text: string) => boolean> = {
  timestamp: (text) => !Number.isNaN(Date.parse(text)),
  uuid: isUuid,
  bigint: (text) => /^\d{1,18}$/.test(text),
};

/** The key a cursor of this API holds, each part checked; anything else is the caller's mistake. */
export function decodeKeysetCursor(cursor: string, parts: CursorPart[]): string[] {
  const key = decodeCursor(cursor, parts.length);
  if (key.some((text, i) => !VALID[parts[i]](text))) throw badUserInput([{ path: 'after', message: 'not a cursor returned by this API' }]);
  return key;
}

/**
 * The page of a list read in key order with `LIMIT first + 1` (the extra row only says there is a next
 * page). `endCursor` holds the key of the page's last row; on an empty page it is the `after` given, so a
 * caller polling for new records keeps its place (null on an empty first page).
 */
export function keysetPage<Row>(rows: Row[], first: number, after: string | null | undefined, keyOf: (row: Row) => (string | number)[]): { rows: Row[]; pageInfo: KeysetPageInfo } {
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  return {
    rows: page,
    pageInfo: { hasNextPage: rows.length > first, endCursor: last !== undefined ? encodeCursor(keyOf(last)) : (after ?? null) },
  };
}
