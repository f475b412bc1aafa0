import type { FilterOperator } from './definition';
import { matchesEvent, matchesFilter, matchesFilters, readPath } from './property-filter';
import { seed, track } from './seed-events.fixture';

const cartViewed = track(seed.cartViewed);
const subject = {
  properties: seed.orderConfirmation99.properties,
  context: { page: { path: '/checkout' } },
  traits: { ltv: 120, plan: 'pro', tags: ['vip', 'beta'], score: '55.34', nothing: null },
  events: { hold_1: { event: 'Cart_Modified', properties: { total: '170.78' }, timestamp: '2025-03-03T09:00:00.000Z' } },
};

function filter(path: string, operator: FilterOperator, values?: unknown[]) {
  return matchesFilter({ path, operator, values }, subject);
}

describe('readPath', () => {
  it('reads properties, nested context and captured hold events', () => {
    expect(readPath(subject, 'properties.cart_ID')).toBe('123456');
    expect(readPath(subject, 'context.page.path')).toBe('/checkout');
    expect(readPath(subject, 'events.hold_1.properties.total')).toBe('170.78');
  });

  it('indexes arrays with brackets, as in the seed checkout_cart', () => {
    expect(readPath(cartViewed, 'properties.checkout_cart[1].productName')).toBe('Jeans');
    expect(readPath(cartViewed, 'properties.checkout_cart[5].productName')).toBeUndefined();
  });

  it('accepts the `$.` prefix that mappings use', () => {
    expect(readPath(subject, '$.traits.plan')).toBe('pro');
  });

  it('reads nothing through missing keys, scalars or prototypes', () => {
    expect(readPath(subject, 'properties.missing.deeper')).toBeUndefined();
    expect(readPath(subject, 'properties.cart_ID.length')).toBeUndefined();
    expect(readPath(subject, 'traits.constructor')).toBeUndefined();
    expect(readPath(subject, 'traits.__proto__')).toBeUndefined();
  });
});

describe('matchesFilter', () => {
  describe('EQUALS and EQUALS_ANY_OF', () => {
    it('holds when the value equals any of the values', () => {
      expect(filter('properties.event_location', 'EQUALS', ['B', 'A'])).toBe(true);
      expect(filter('properties.event_location', 'EQUALS_ANY_OF', ['A', 'C'])).toBe(true);
      expect(filter('properties.event_location', 'EQUALS', ['B'])).toBe(false);
    });

    it('treats a number and a numeric string of the same value as equal', () => {
      expect(filter('traits.ltv', 'EQUALS', ['120'])).toBe(true);
      expect(filter('traits.score', 'EQUALS', [55.34])).toBe(true);
      expect(filter('properties.productPrice', 'EQUALS', [55.34])).toBe(false);
    });

    it('keeps two strings textual, so id "001" is not id "1"', () => {
      expect(filter('properties.productId', 'EQUALS', ['1'])).toBe(false);
      expect(filter('properties.productId', 'EQUALS', ['001'])).toBe(true);
    });

    it('never holds for a missing value, and compares null only with null', () => {
      expect(filter('properties.missing', 'EQUALS', ['A'])).toBe(false);
      expect(filter('traits.nothing', 'EQUALS', [null])).toBe(true);
      expect(filter('traits.nothing', 'EQUALS', [0])).toBe(false);
    });

    it('compares arrays and objects by content, whatever the key order', () => {
      expect(filter('traits.tags', 'EQUALS', [['vip', 'beta']])).toBe(true);
      expect(filter('context.page', 'EQUALS', [{ path: '/checkout' }])).toBe(true);
      expect(filter('context.page', 'EQUALS', [{ path: '/cart' }])).toBe(false);
    });
  });

  describe('NOT_EQUALS', () => {
    it('holds when the value equals none of the values', () => {
      expect(filter('traits.plan', 'NOT_EQUALS', ['free', 'trial'])).toBe(true);
      expect(filter('traits.plan', 'NOT_EQUALS', ['free', 'pro'])).toBe(false);
      expect(filter('traits.ltv', 'NOT_EQUALS', ['120'])).toBe(false);
    });

    it('holds for a missing value', () => {
      expect(filter('traits.missing', 'NOT_EQUALS', ['pro'])).toBe(true);
    });
  });

  describe('EXISTS and NOT_EXISTS', () => {
    it('treat missing and null as not existing, and empty or false values as existing', () => {
      expect(filter('properties.cart_ID', 'EXISTS')).toBe(true);
      expect(filter('properties.missing', 'EXISTS')).toBe(false);
      expect(filter('traits.nothing', 'EXISTS')).toBe(false);
      expect(filter('traits.nothing', 'NOT_EXISTS')).toBe(true);
      expect(filter('properties.cart_ID', 'NOT_EXISTS')).toBe(false);
      expect(matchesFilter({ path: 'properties.VIP', operator: 'EXISTS' }, { properties: { VIP: false } })).toBe(true);
      expect(matchesFilter({ path: 'properties.note', operator: 'EXISTS' }, { properties: { note: '' } })).toBe(true);
    });
  });

  describe('GT, GTE, LT, LTE', () => {
    it.each<[FilterOperator, unknown, boolean]>([
      ['GT', 100, true],
      ['GT', 120, false],
      ['GTE', 120, true],
      ['GTE', '120', true],
      ['LT', 200, true],
      ['LT', 120, false],
      ['LTE', 120, true],
      ['LTE', 119.99, false],
    ])('traits.ltv (120) %s %j is %s', (operator, value, expected) => {
      expect(filter('traits.ltv', operator, [value])).toBe(expected);
    });

    it('compares numeric strings such as "55.34" as numbers', () => {
      expect(filter('traits.score', 'GT', [55])).toBe(true);
      expect(filter('traits.score', 'LT', ['100'])).toBe(true);
      expect(filter('events.hold_1.properties.total', 'GTE', [170.78])).toBe(true);
    });

    it('does not read "$55.34" as a number: a price with a currency sign never compares', () => {
      expect(filter('properties.productPrice', 'GT', [0])).toBe(false);
      expect(filter('properties.productPrice', 'LT', [1000])).toBe(false);
    });

    it('is false for missing, boolean or non-numeric values and bounds', () => {
      expect(filter('traits.missing', 'GT', [0])).toBe(false);
      expect(filter('traits.ltv', 'GT', ['lots'])).toBe(false);
      expect(filter('traits.ltv', 'GT', [])).toBe(false);
      expect(matchesFilter({ path: 'properties.VIP', operator: 'GT', values: [0] }, { properties: { VIP: true } })).toBe(false);
    });
  });

  describe('CONTAINS', () => {
    it('holds when a string contains any of the values', () => {
      expect(filter('properties.scenario', 'CONTAINS', ['Cart', 'Ordered'])).toBe(true);
      expect(filter('properties.scenario', 'CONTAINS', ['ordered'])).toBe(false);
      expect(filter('properties.productPrice', 'CONTAINS', [55])).toBe(true);
    });

    it('holds when an array includes any of the values', () => {
      expect(filter('traits.tags', 'CONTAINS', ['beta'])).toBe(true);
      expect(filter('traits.tags', 'CONTAINS', ['alpha'])).toBe(false);
      expect(matchesFilter({ path: 'properties.checkout_cart', operator: 'CONTAINS', values: [seed.cartViewed.properties.checkout_cart[0]] }, cartViewed)).toBe(true);
    });

    it('is false for other kinds of value', () => {
      expect(filter('traits.ltv', 'CONTAINS', ['12'])).toBe(false);
      expect(filter('traits.missing', 'CONTAINS', ['a'])).toBe(false);
    });
  });

  it('matches nothing for an operator it does not know', () => {
    expect(matchesFilter({ path: 'traits.plan', operator: 'MATCHES_REGEX' as FilterOperator, values: ['.*'] }, subject)).toBe(false);
  });
});

describe('matchesFilters', () => {
  it('combines filters with AND, and no filters match everything', () => {
    const tShirtInA = [
      { path: 'properties.productName', operator: 'EQUALS' as const, values: ['T-Shirt'] },
      { path: 'properties.event_location', operator: 'EQUALS' as const, values: ['A'] },
    ];
    expect(matchesFilters(tShirtInA, subject)).toBe(true);
    expect(matchesFilters([...tShirtInA, { path: 'properties.productSize', operator: 'EQUALS', values: ['Small'] }], subject)).toBe(false);
    expect(matchesFilters([], subject)).toBe(true);
  });
});

describe('matchesEvent', () => {
  const started = track(seed.applicationStarted);

  it('matches the event name and filters over properties, userId and the event name', () => {
    expect(matchesEvent({ event: 'Application_Started', filters: [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Premium'] }] }, started)).toBe(true);
    expect(matchesEvent({ event: 'Application_Started', filters: [{ path: 'userId', operator: 'EQUALS', values: ['88'] }] }, started)).toBe(true);
    expect(matchesEvent({ event: 'Application_Started', filters: [{ path: 'properties.VIP', operator: 'EQUALS', values: [true] }] }, started)).toBe(true);
  });

  it('does not match another event name, even with matching filters', () => {
    expect(matchesEvent({ event: 'Application_Completed', filters: [] }, started)).toBe(false);
    expect(matchesEvent({ event: 'application_started', filters: [] }, started)).toBe(false);
  });

  it('does not match when a filter fails', () => {
    expect(matchesEvent({ event: 'Application_Started', filters: [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Basic'] }] }, started)).toBe(false);
  });

  it('reads the event context by path', () => {
    const pageView = track({ userId: '999', event: 'Page Viewed', properties: {}, context: { page: { path: '/pricing' } } });
    expect(matchesEvent({ event: 'Page Viewed', filters: [{ path: 'context.page.path', operator: 'CONTAINS', values: ['pricing'] }] }, pageView)).toBe(true);
  });
});
