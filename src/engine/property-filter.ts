import type { EventMatch, PropertyFilter } from './definition';
import type { TrackedEvent } from './tracked-event';

/**
 * Reads `properties.cart_ID`, `context.page.path`, `events.hold_1.properties.total` or `a[0].b`
 * (a leading `$.` is accepted, as in mappings). Only own properties are followed, so a path such as
 * `constructor.name` reads nothing instead of reaching into prototypes.
 */
export function readPath(subject: unknown, path: string): unknown {
  const segments = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
  let current: unknown = subject;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isPlainRecord(current) && Object.prototype.hasOwnProperty.call(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * What an event filter can read: the event as it was sent. The profile's traits are not part of an
 * event (a performed clause counts past events, whose traits at the time nobody kept), so conditions
 * read them from the journey context instead. Validation and matching both read this one list.
 */
export const EVENT_FILTER_FIELDS = {
  /** Read below: `properties.cart_ID`, `context.page.path`. */
  nested: ['properties', 'context'],
  /** Read as they are: `event`, never `event.x`. */
  leaves: ['userId', 'event', 'timestamp'],
} as const;

export function eventFilterSubject(event: TrackedEvent): Record<string, unknown> {
  const subject: Record<string, unknown> = {};
  for (const field of [...EVENT_FILTER_FIELDS.nested, ...EVENT_FILTER_FIELDS.leaves]) subject[field] = event[field];
  return subject;
}

/** Whether an event filter's path reads something `eventFilterSubject` holds. */
export function isEventFilterPath(path: string): boolean {
  const root = path.split(/[.[]/, 1)[0];
  const nested = path.length > root.length;
  return (
    ((EVENT_FILTER_FIELDS.nested as readonly string[]).includes(root) && path.startsWith(`${root}.`)) ||
    ((EVENT_FILTER_FIELDS.leaves as readonly string[]).includes(root) && !nested)
  );
}

export function matchesEvent(match: EventMatch, event: TrackedEvent): boolean {
  return match.event === event.event && matchesFilters(match.filters, eventFilterSubject(event));
}

/** Several filters combine with AND; no filters match everything. */
export function matchesFilters(filters: readonly PropertyFilter[], subject: unknown): boolean {
  return filters.every((filter) => matchesFilter(filter, subject));
}

/** An operator given several values holds when it holds for any of them (NOT_EQUALS: for none). */
export function matchesFilter(filter: PropertyFilter, subject: unknown): boolean {
  const actual = readPath(subject, filter.path);
  const values = filter.values ?? [];
  switch (filter.operator) {
    case 'EQUALS':
    case 'EQUALS_ANY_OF':
      return values.some((value) => valuesEqual(actual, value));
    case 'NOT_EQUALS':
      return !values.some((value) => valuesEqual(actual, value));
    case 'EXISTS':
      return actual !== undefined && actual !== null;
    case 'NOT_EXISTS':
      return actual === undefined || actual === null;
    case 'GT':
      return compareNumbers(actual, values, (a, b) => a > b);
    case 'GTE':
      return compareNumbers(actual, values, (a, b) => a >= b);
    case 'LT':
      return compareNumbers(actual, values, (a, b) => a < b);
    case 'LTE':
      return compareNumbers(actual, values, (a, b) => a <= b);
    case 'CONTAINS':
      return contains(actual, values);
    default:
      // A definition stored by a newer version may carry an operator this one does not know: match nothing.
      return false;
  }
}

const NUMERIC_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Numbers, and strings that are plainly numbers (`"55.34"`); `"$55.34"`, `""` and `"0x10"` are not. */
export function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/**
 * Strict equality, except that a number equals a numeric string of the same value (`55` and `"55"`),
 * since sources send numbers either way. Two strings still compare as text, so ids like `"001"` and
 * `"1"` stay distinct.
 */
export function valuesEqual(actual: unknown, expected: unknown): boolean {
  if (actual === undefined) return false;
  if (typeof actual === 'number' || typeof expected === 'number') {
    const a = asNumber(actual);
    const b = asNumber(expected);
    return a !== null && b !== null && a === b;
  }
  if (actual === null || expected === null || typeof actual !== 'object' || typeof expected !== 'object') {
    return actual === expected;
  }
  return canonicalJson(actual) === canonicalJson(expected);
}

function compareNumbers(actual: unknown, values: readonly unknown[], holds: (a: number, b: number) => boolean): boolean {
  const a = asNumber(actual);
  if (a === null) return false;
  return values.some((value) => {
    const b = asNumber(value);
    return b !== null && holds(a, b);
  });
}

function contains(actual: unknown, values: readonly unknown[]): boolean {
  if (typeof actual === 'string') {
    return values.some((value) => isScalar(value) && actual.includes(String(value)));
  }
  if (Array.isArray(actual)) {
    return values.some((value) => actual.some((item) => valuesEqual(item, value)));
  }
  return false;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so that equal documents give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainRecord(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
    return sorted;
  }
  return value;
}
