import { encodeCursor } from './cursor';
import { decodeKeysetCursor, keysetPage } from './keyset-page';

describe('keysetPage: the one paginator', () => {
  const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
  const key = (row: { id: number }) => [row.id];

  it('keeps `first` rows, says whether more follow, and ends at the last row kept', () => {
    expect(keysetPage(rows, 2, null, key)).toEqual({ rows: [{ id: 1 }, { id: 2 }], pageInfo: { hasNextPage: true, endCursor: encodeCursor([2]) } });
    expect(keysetPage(rows, 3, null, key).pageInfo).toEqual({ hasNextPage: false, endCursor: encodeCursor([3]) });
  });

  it('keeps the caller’s place on an empty page, and has no cursor on an empty first page', () => {
    const after = encodeCursor([3]);
    expect(keysetPage([], 2, after, key).pageInfo).toEqual({ hasNextPage: false, endCursor: after });
    expect(keysetPage([], 2, undefined, key).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('checks every part of a cursor before it reaches PostgreSQL', () => {
    const uuid = 'c0ffee00-0000-4000-8000-000000000001';
    expect(decodeKeysetCursor(encodeCursor(['2026-01-01T00:00:00.000Z', uuid]), ['timestamp', 'uuid'])).toEqual(['2026-01-01T00:00:00.000Z', uuid]);
    expect(() => decodeKeysetCursor(encodeCursor(['yesterday', uuid]), ['timestamp', 'uuid'])).toThrow('not a cursor returned by this API');
    expect(() => decodeKeysetCursor(encodeCursor(['1; DROP TABLE']), ['bigint'])).toThrow();
    expect(() => decodeKeysetCursor('garbage', ['bigint'])).toThrow();
  });
});
