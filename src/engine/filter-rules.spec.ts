import fc from 'fast-check';
import type { Condition, EventMatch, PropertyFilter } from './definition';
import { checkEventMatch, conditionProblems } from './filter-validation';
import { asNumber, eventFilterSubject, matchesEvent, readPath } from './property-filter';
import type { TrackedEvent } from './tracked-event';

/** Validation and matching read one rule each: whatever publishes can match, and the other way round. */
describe('validation and matching agree', () => {
  const event: TrackedEvent = {
    userId: 'u1',
    event: 'Order Completed',
    properties: { total: 16 },
    context: { page: { path: '/cart' }, traits: { plan: 'pro' } },
    timestamp: '2026-03-01T10:00:00.000Z',
    receivedAt: '2026-03-01T10:00:00.000Z',
    messageId: 'm1',
  };
  const eventFilterProblems = (filter: PropertyFilter) => {
    const problems: string[] = [];
    checkEventMatch({ event: event.event, filters: [filter] }, 'match', 'the match', (_path, message) => problems.push(message));
    return problems;
  };

  it.each(['traits.plan', 'properties.total', 'context.traits.plan', 'context.page.path', 'userId', 'event', 'timestamp', 'entry.properties.total'])(
    'an event filter on %j validates exactly when the engine can read it from an event',
    (path) => {
      const readable = readPath(eventFilterSubject(event), path) !== undefined;
      expect(eventFilterProblems({ path, operator: 'EXISTS' })).toHaveLength(readable ? 0 : 1);
    },
  );

  it('an event filter that validates on an event that carries the value matches it', () => {
    const match: EventMatch = { event: 'Order Completed', filters: [{ path: 'context.traits.plan', operator: 'EQUALS', values: ['pro'] }] };
    expect(eventFilterProblems(match.filters[0])).toEqual([]);
    expect(matchesEvent(match, event)).toBe(true);
  });

  it.each(['0x10', '0b1', '0o7', ' 12 ', '1e3', '-.5', '1.', 'Infinity', '1_000', '', '$5'])(
    'a numeric operator accepts %j exactly when the engine compares it as a number',
    (value) => {
      expect(eventFilterProblems({ path: 'properties.total', operator: 'GT', values: [value] })).toHaveLength(asNumber(value) === null ? 1 : 0);
    },
  );

  it('a numeric operator accepts any string exactly when the engine compares it as a number', () => {
    const numberish = fc.oneof(fc.string(), fc.constantFrom('0x1F', '0B11', '0O17', '+1', '1e', 'e1', '. 5', '\t7\n'), fc.double().map(String));
    fc.assert(
      fc.property(numberish, (value) => {
        const condition: Condition = { match: 'ALL', filters: [{ path: 'traits.ltv', operator: 'LT', values: [value] }], performed: [] };
        expect(conditionProblems(condition, 'condition', 'the condition', 'context')).toHaveLength(asNumber(value) === null ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
