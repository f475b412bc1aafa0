import type { JourneyDefinition } from './definition';
import { membershipEvent } from './audience-events';
import { decideEntry } from './entry-decision';
import { applicationAbandonment, endStep, journey, seed, track } from './seed-events.fixture';

const fresh = { activeUniqueIds: [], everEntered: false };
const started1234 = track(seed.applicationStarted);
const started5678 = track({ ...seed.applicationStarted, properties: { ...seed.applicationStarted.properties, Application_id: '5678' } });

describe('decideEntry', () => {
  it('admits a user who performs the trigger event, with its unique identifier value', () => {
    expect(decideEntry(applicationAbandonment(), started1234, fresh)).toEqual({ enter: true, uniqueId: '1234' });
  });

  it('refuses events that are not the trigger, or fail its filters', () => {
    expect(decideEntry(applicationAbandonment(), track(seed.applicationCompleted), fresh)).toEqual({ enter: false, reason: 'not_triggered' });
    const basicOnly = applicationAbandonment();
    basicOnly.trigger.event!.filters = [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Basic'] }];
    expect(decideEntry(basicOnly, started1234, fresh)).toEqual({ enter: false, reason: 'not_triggered' });
  });

  it('admits into an audience-triggered journey when the user enters that audience, and on nothing else', () => {
    const audience: JourneyDefinition = {
      ...applicationAbandonment(),
      entry: { mode: 'REENTER_EVERY_TIME' },
      trigger: { type: 'AUDIENCE', audienceId: 'aud-1', useHistoricalData: false },
    };
    const change = { audienceName: 'Cart abandoners', entered: true, at: '2026-11-23T10:00:00.000Z' };
    expect(decideEntry(audience, membershipEvent('88', { ...change, audienceId: 'aud-1' }), fresh)).toEqual({ enter: true, uniqueId: null });
    expect(decideEntry(audience, membershipEvent('88', { ...change, audienceId: 'aud-2' }), fresh)).toEqual({ enter: false, reason: 'not_triggered' });
    expect(decideEntry(audience, membershipEvent('88', { ...change, audienceId: 'aud-1', entered: false }), fresh)).toEqual({
      enter: false,
      reason: 'not_triggered',
    });
    expect(decideEntry(audience, started1234, fresh)).toEqual({ enter: false, reason: 'not_triggered' });
  });

  describe('re-entry with a unique identifier', () => {
    it('starts one parallel instance per Application_id', () => {
      expect(decideEntry(applicationAbandonment(), started5678, { activeUniqueIds: ['1234'], everEntered: true })).toEqual({ enter: true, uniqueId: '5678' });
    });

    it('does not start a second instance for an Application_id that is still active', () => {
      expect(decideEntry(applicationAbandonment(), started1234, { activeUniqueIds: ['1234'], everEntered: true })).toEqual({
        enter: false,
        reason: 'already_active',
      });
    });

    it('starts again for an Application_id whose earlier instance has ended', () => {
      expect(decideEntry(applicationAbandonment(), started1234, { activeUniqueIds: [], everEntered: true })).toEqual({ enter: true, uniqueId: '1234' });
    });

    it('refuses an entry event that carries no value at the identifier path', () => {
      const withoutId = track({ ...seed.applicationStarted, properties: { Tier: 'Premium' } });
      expect(decideEntry(applicationAbandonment(), withoutId, fresh)).toEqual({ enter: false, reason: 'missing_unique_identifier' });
    });

    it('reads numeric identifiers as text, so 1234 and "1234" are the same application', () => {
      const numeric = track({ ...seed.applicationStarted, properties: { Application_id: 1234 } });
      expect(decideEntry(applicationAbandonment(), numeric, { activeUniqueIds: ['1234'], everEntered: true })).toEqual({
        enter: false,
        reason: 'already_active',
      });
    });
  });

  describe('re-entry without a unique identifier', () => {
    const cartJourney = journey('Cart_Viewed', [endStep]);

    it('admits a user with no active instance, even one who entered before', () => {
      expect(decideEntry(cartJourney, track(seed.cartViewed), { activeUniqueIds: [], everEntered: true })).toEqual({ enter: true, uniqueId: null });
    });

    it('keeps a user to one active instance at a time', () => {
      expect(decideEntry(cartJourney, track(seed.cartViewed), { activeUniqueIds: [null], everEntered: true })).toEqual({
        enter: false,
        reason: 'already_active',
      });
    });
  });

  describe('ONCE', () => {
    const once = journey('Order_Confirmation', [endStep], { entry: { mode: 'ONCE' } });

    it('admits a user who never entered', () => {
      expect(decideEntry(once, track(seed.orderConfirmation99), fresh)).toEqual({ enter: true, uniqueId: null });
    });

    it('never admits a user twice, even after the first instance ended', () => {
      expect(decideEntry(once, track(seed.orderConfirmation99), { activeUniqueIds: [], everEntered: true })).toEqual({
        enter: false,
        reason: 'already_entered_once',
      });
    });
  });

  describe('re-entry cool-down', () => {
    const cooling = (): JourneyDefinition => ({ ...applicationAbandonment(), entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id', cooldown: 'PT5M' } });
    const enteredAt = '2025-03-03T09:00:00.000Z';
    const history = (now: string) => ({ activeUniqueIds: [], everEntered: true, lastEnteredAt: enteredAt, now });

    it('refuses a user who entered less than the cool-down ago, whatever the unique identifier', () => {
      expect(decideEntry(cooling(), started5678, history('2025-03-03T09:04:59.999Z'))).toEqual({ enter: false, reason: 'cooling_down' });
    });

    it('admits them again once the cool-down has passed, and a user who never entered at once', () => {
      expect(decideEntry(cooling(), started5678, history('2025-03-03T09:05:00.000Z'))).toEqual({ enter: true, uniqueId: '5678' });
      expect(decideEntry(cooling(), started5678, { ...fresh, lastEnteredAt: null, now: enteredAt })).toEqual({ enter: true, uniqueId: '5678' });
    });
  });
});
