import { admitEntry, type UserEntryFacts } from './admit-entry';
import { applicationAbandonment, facts, ids, journeyIdentity, later, seed, T0, track } from './seed-events.fixture';

const nobody: UserEntryFacts = { instances: [], enteredJourneys: new Set(), memberships: new Set(), lastEnteredAt: null };
const started1234 = track(seed.applicationStarted);

describe('admitEntry: the engine decides who enters', () => {
  it('admits a user who performs the trigger and starts the instance with its unique identifier value', () => {
    const admission = admitEntry(applicationAbandonment(), journeyIdentity, ids, started1234, nobody, facts());
    expect(admission.admitted && admission.result.state).toMatchObject({ id: 'inst-1', uniqueId: '1234', status: 'ACTIVE', enteredAt: T0 });
  });

  it('refuses a second entry into a ONCE journey, from what the caller loaded of the user', () => {
    const once = applicationAbandonment({ entry: { mode: 'ONCE' } });
    expect(admitEntry(once, journeyIdentity, ids, started1234, { ...nobody, enteredJourneys: new Set([journeyIdentity.id]) }, facts())).toEqual({
      admitted: false,
      reason: 'already_entered_once',
    });
    expect(admitEntry(once, journeyIdentity, ids, started1234, { ...nobody, enteredJourneys: new Set(['another-journey']) }, facts()).admitted).toBe(true);
  });

  it('refuses a parallel instance for the same unique identifier value while one is active', () => {
    const active = { ...nobody, instances: [{ journeyId: journeyIdentity.id, uniqueId: '1234', status: 'ACTIVE' as const }] };
    expect(admitEntry(applicationAbandonment(), journeyIdentity, ids, started1234, active, facts())).toEqual({ admitted: false, reason: 'already_active' });
    const ended = { ...nobody, instances: [{ journeyId: journeyIdentity.id, uniqueId: '1234', status: 'COMPLETED' as const }] };
    expect(admitEntry(applicationAbandonment(), journeyIdentity, ids, started1234, ended, facts()).admitted).toBe(true);
  });

  it('admits only members of the audience filter', () => {
    const filtered = applicationAbandonment();
    filtered.trigger.audienceFilterId = 'aud-premium';
    expect(admitEntry(filtered, journeyIdentity, ids, started1234, nobody, facts())).toEqual({ admitted: false, reason: 'not_in_audience' });
    expect(admitEntry(filtered, journeyIdentity, ids, started1234, { ...nobody, memberships: new Set(['aud-premium']) }, facts()).admitted).toBe(true);
  });

  it('enters a millisecond after the previous entry of the same transaction, so instances list in entry order', () => {
    const admission = admitEntry(applicationAbandonment(), journeyIdentity, ids, started1234, { ...nobody, lastEnteredAt: T0 }, facts(T0));
    expect(admission.admitted && admission.result.state.enteredAt).toBe('2025-03-03T09:00:00.001Z');
    const afterwards = admitEntry(applicationAbandonment(), journeyIdentity, ids, started1234, { ...nobody, lastEnteredAt: T0 }, facts(later(5)));
    expect(afterwards.admitted && afterwards.result.state.enteredAt).toBe(later(5));
  });
});
