import { performedClauseKey } from '../engine';
import type { Condition, Performed } from '../engine/definition';
import { evaluateAudience, holdsWhenEmpty } from './audience-evaluation';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.parse('2025-03-01T10:00:00.000Z');

const productAdded: Performed = { event: 'Product Added', filters: [], atLeast: 1, within: 'P1D' };
const noOrder: Performed = { event: 'Order Completed', filters: [], atMost: 0, within: 'P1D' };
const cartAbandoners: Condition = { match: 'ALL', filters: [], performed: [productAdded, noOrder] };

const times = (entries: [Performed, number[]][]) => Object.fromEntries(entries.map(([clause, list]) => [performedClauseKey(clause), list]));

describe('evaluateAudience', () => {
  describe('cart abandoners: Product Added at least once within 1 day and Order Completed zero times within 1 day', () => {
    it('admits a user who added a product an hour ago, until that Product Added leaves the 1-day window', () => {
      const verdict = evaluateAudience(cartAbandoners, {}, times([[productAdded, [t0]]]), new Date(t0 + HOUR));
      expect(verdict).toEqual({ member: true, recheckAt: new Date(t0 + DAY + 1) });
    });

    it('keeps the user as long as the latest Product Added is inside the window', () => {
      const verdict = evaluateAudience(cartAbandoners, {}, times([[productAdded, [t0, t0 + 5 * HOUR]]]), new Date(t0 + 6 * HOUR));
      expect(verdict.recheckAt).toEqual(new Date(t0 + 5 * HOUR + DAY + 1));
    });

    it('leaves the user out once the window has passed, and needs no recheck then', () => {
      expect(evaluateAudience(cartAbandoners, {}, times([[productAdded, [t0]]]), new Date(t0 + DAY + 1))).toEqual({ member: false, recheckAt: null });
    });

    it('leaves out a user who completed an order, and looks again when a window next changes the verdict', () => {
      const events = times([
        [productAdded, [t0]],
        [noOrder, [t0 + HOUR]],
      ]);
      const verdict = evaluateAudience(cartAbandoners, {}, events, new Date(t0 + 2 * HOUR));
      expect(verdict.member).toBe(false);
      // Product Added leaves first (after which the order leaving changes nothing): a cheap, early look.
      expect(verdict.recheckAt).toEqual(new Date(t0 + DAY + 1));
    });
  });

  describe('low recency purchasers: Order Completed at least once, and zero times within 180 days', () => {
    const everOrdered: Performed = { event: 'Order Completed', filters: [], atLeast: 1 };
    const notRecently: Performed = { event: 'Order Completed', filters: [], atMost: 0, within: 'P180D' };
    const lowRecency: Condition = { match: 'ALL', filters: [], performed: [everOrdered, notRecently] };

    it('admits the purchaser by time alone, when the last order leaves the 180-day window', () => {
      const events = times([
        [everOrdered, [t0]],
        [notRecently, [t0]],
      ]);
      expect(evaluateAudience(lowRecency, {}, events, new Date(t0 + DAY))).toEqual({ member: false, recheckAt: new Date(t0 + 180 * DAY + 1) });
      expect(evaluateAudience(lowRecency, {}, events, new Date(t0 + 180 * DAY + 1))).toEqual({ member: true, recheckAt: null });
    });
  });

  it('schedules no recheck for clauses without a window: only new events change them', () => {
    const trialStarted: Performed = { event: 'Trial Started', filters: [], atLeast: 1 };
    const verdict = evaluateAudience({ match: 'ALL', filters: [], performed: [trialStarted] }, {}, times([[trialStarted, [t0]]]), new Date(t0 + HOUR));
    expect(verdict).toEqual({ member: true, recheckAt: null });
  });

  it('counts an event stamped in the future only from its timestamp on, and rechecks then', () => {
    const verdict = evaluateAudience(cartAbandoners, {}, times([[productAdded, [t0 + HOUR]]]), new Date(t0));
    expect(verdict).toEqual({ member: false, recheckAt: new Date(t0 + HOUR) });
  });

  it('honours atLeast greater than one: the flip comes when fewer than N events are left in the window', () => {
    const twice: Performed = { event: 'Product Added', filters: [], atLeast: 2, within: 'P1D' };
    const events = times([[twice, [t0, t0 + HOUR, t0 + 2 * HOUR]]]);
    expect(evaluateAudience({ match: 'ALL', filters: [], performed: [twice] }, {}, events, new Date(t0 + 3 * HOUR)).recheckAt).toEqual(
      new Date(t0 + HOUR + DAY + 1),
    );
  });

  describe('the seed-002 segment: living in Atlanta, San Francisco or Seattle and born after 1980', () => {
    const segment: Condition = {
      match: 'ALL',
      filters: [
        { path: 'traits.city', operator: 'EQUALS_ANY_OF', values: ['Atlanta', 'San Francisco', 'Seattle'] },
        { path: 'traits.birth_year', operator: 'GT', values: [1980] },
      ],
      performed: [],
    };

    it.each([
      [{ city: 'Seattle', birth_year: 1990 }, true],
      [{ city: 'Atlanta', birth_year: '1985' }, true],
      [{ city: 'Seattle', birth_year: 1975 }, false],
      [{ city: 'Boston', birth_year: 1990 }, false],
      [{}, false],
    ])('%j belongs: %s', (traits, member) => {
      expect(evaluateAudience(segment, traits, {}, new Date(t0))).toEqual({ member, recheckAt: null });
    });
  });
});

describe('holdsWhenEmpty', () => {
  it('is true for "Order Completed zero times" and for a missing trait, false for "Product Added at least once"', () => {
    expect(holdsWhenEmpty({ match: 'ALL', filters: [], performed: [noOrder] })).toBe(true);
    expect(holdsWhenEmpty({ match: 'ALL', filters: [{ path: 'traits.email', operator: 'NOT_EXISTS' }], performed: [] })).toBe(true);
    expect(holdsWhenEmpty(cartAbandoners)).toBe(false);
  });
});
