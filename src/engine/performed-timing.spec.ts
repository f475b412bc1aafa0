import type { Performed } from './definition';
import { performedClauseKey } from './condition';
import { nextPerformedChangeAt, performedCountAt } from './performed-timing';

const SECOND = 1_000;
const t0 = Date.parse('2025-03-01T10:00:00.000Z');
const timesOf = (clause: Performed, list: number[]) => ({ [performedClauseKey(clause)]: list });

describe('performedCountAt', () => {
  const productAdded: Performed = { event: 'Product Added', filters: [], within: 'PT3S' };

  it('counts events from `within` ago up to now, both ends included, as the runtime does', () => {
    const times = timesOf(productAdded, [t0, t0 + SECOND, t0 + 5 * SECOND]);
    expect(performedCountAt(productAdded, times, t0 + 3 * SECOND)).toBe(2);
    expect(performedCountAt(productAdded, times, t0 + 3 * SECOND + 1)).toBe(1);
    expect(performedCountAt(productAdded, times, t0 + 4 * SECOND + 1)).toBe(0);
  });
});

describe('nextPerformedChangeAt', () => {
  it('is when the last Product Added leaves the window, for "at least once within 3 s"', () => {
    const clause: Performed = { event: 'Product Added', filters: [], atLeast: 1, within: 'PT3S' };
    expect(nextPerformedChangeAt([clause], timesOf(clause, [t0, t0 + SECOND]), t0 + SECOND)).toBe(t0 + 4 * SECOND + 1);
  });

  it('is when the Order Completed leaves the window, for "zero times within 3 s"', () => {
    const clause: Performed = { event: 'Order Completed', filters: [], atMost: 0, within: 'PT3S' };
    expect(nextPerformedChangeAt([clause], timesOf(clause, [t0]), t0)).toBe(t0 + 3 * SECOND + 1);
  });

  it('is null when time alone cannot change the clause', () => {
    const ever: Performed = { event: 'Trial Started', filters: [], atLeast: 1 };
    const twice: Performed = { event: 'Product Added', filters: [], atLeast: 2, within: 'PT3S' };
    expect(nextPerformedChangeAt([ever], timesOf(ever, [t0]), t0 + SECOND)).toBeNull();
    expect(nextPerformedChangeAt([twice], timesOf(twice, [t0]), t0 + SECOND)).toBeNull();
  });

  it('is the earliest flip among several clauses', () => {
    const added: Performed = { event: 'Product Added', filters: [], atLeast: 1, within: 'PT3S' };
    const ordered: Performed = { event: 'Order Completed', filters: [], atMost: 0, within: 'PT10S' };
    const times = { ...timesOf(added, [t0 + 2 * SECOND]), ...timesOf(ordered, [t0]) };
    expect(nextPerformedChangeAt([added, ordered], times, t0 + 2 * SECOND)).toBe(t0 + 5 * SECOND + 1);
  });
});
