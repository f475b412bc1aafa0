import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import { decideEntry } from './entry-decision';
import { endInstance } from './end-instance';
import { refreshConditions } from './refresh-conditions';
import { cartModifiedFlow, deepFreeze, facts, HOUR, ids, journeyIdentity, later, seed, start, T0, track } from './seed-events.fixture';
import { startInstance } from './start-instance';

describe('the engine is pure', () => {
  const definition = deepFreeze(cartModifiedFlow());
  const entry = deepFreeze(track(seed.productAdded));
  const entered = start(definition, entry, T0, { email: 'sam@example.com' });
  const state = deepFreeze(entered.state);
  const modified = deepFreeze(track(seed.cartModified, later(HOUR)));
  const atHour = deepFreeze(facts(later(HOUR), { email: 'sam@example.com', tags: ['vip'] }));

  it('never writes to its inputs', () => {
    expect(() => {
      startInstance(definition, deepFreeze({ ...journeyIdentity }), deepFreeze({ ...ids }), entry, null, atHour);
      decideEntry(definition, entry, deepFreeze({ activeUniqueIds: [], everEntered: false }));
      const updated = applyEvent(definition, state, modified, atHour)!;
      applyTimer(definition, deepFreeze(updated.state), deepFreeze({ ...updated.timers[0] }), atHour);
      applyTimer(definition, state, deepFreeze({ ...entered.timers[0] }), atHour);
      refreshConditions(definition, state, atHour);
      endInstance(state, 'archived', later(HOUR));
    }).not.toThrow();
  });

  it('shares no objects between its result and its inputs', () => {
    const result = applyEvent(definition, state, modified, atHour)!;
    expect(result.state).not.toBe(state);
    expect(result.state.context).not.toBe(state.context);
    expect(result.state.context.events.cart_hold.properties).not.toBe(modified.properties);
    const nudged = applyTimer(definition, result.state, result.timers[0], atHour)!;
    expect(nudged.deliveries[0].context.traits).not.toBe(atHour.traits);
    expect(nudged.deliveries[0].context.traits).toEqual(atHour.traits);
  });

  it('gives the same result for the same inputs', () => {
    expect(applyEvent(definition, state, modified, atHour)).toEqual(applyEvent(definition, state, modified, atHour));
    expect(start(definition, entry)).toEqual(start(definition, entry));
  });

  it('takes time only from its inputs', () => {
    const nextYear = '2026-03-03T09:00:00.000Z';
    const result = applyEvent(definition, state, modified, facts(nextYear))!;
    expect(result.activities[0].at).toBe(nextYear);
    expect(result.timers[0].dueAt).toBe('2026-03-03T11:00:00.000Z');
  });

  it('refuses a `now` that is not an instant rather than scheduling a timer at an invalid time', () => {
    expect(() => applyEvent(definition, state, modified, facts('soon'))).toThrow(/facts.now/);
  });
});
