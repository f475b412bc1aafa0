import { performedClauseKey } from './condition';
import type { JourneyDefinition, Performed } from './definition';
import type { EngineFacts } from './engine-facts';
import { applicationAbandonment, ids, journey, journeyIdentity, later, seed, sendStep, start, T0, track } from './seed-events.fixture';
import { startInstance } from './start-instance';
import { wakeAt } from './wake-at';

const started1234 = track(seed.applicationStarted);

describe('wakeAt: the engine says when time alone can move an instance', () => {
  const ordered: Performed = { event: 'Order_Completed', filters: [], atMost: 0, within: 'PT3S' };
  const noOrderFor3Seconds: JourneyDefinition = journey('Product_Added', [
    {
      key: 'await_quiet',
      name: 'Await three quiet seconds',
      type: 'WAIT_FOR_CONDITION',
      waitForCondition: { condition: { match: 'ALL', filters: [], performed: [ordered] }, maxDuration: 'PT30S', timeoutNext: 'reminder' },
      next: 'nudge',
    },
    sendStep('nudge'),
    sendStep('reminder'),
  ]);
  const orderedAt = (at: string): EngineFacts => ({ now: at, traits: {}, performedTimes: { [performedClauseKey(ordered)]: [Date.parse(at)] } });

  it('wakes when the last order leaves the window, long before the deadline', () => {
    // Ordered just now: the condition does not hold yet, so the instance waits.
    const entered = startInstance(noOrderFor3Seconds, journeyIdentity, ids, track(seed.productAdded), null, orderedAt(T0));
    expect(entered.state.currentStep).toBe('await_quiet');
    expect(wakeAt(noOrderFor3Seconds, entered.state, orderedAt(T0))).toBe('2025-03-03T09:00:03.001Z');
  });

  it('does not wake after an event its window does not count, nor after the step would time out anyway', () => {
    const entered = startInstance(noOrderFor3Seconds, journeyIdentity, ids, track(seed.productAdded), null, orderedAt(T0));
    expect(wakeAt(noOrderFor3Seconds, entered.state, orderedAt(T0), 'Page_Viewed')).toBeNull();
    expect(wakeAt(noOrderFor3Seconds, entered.state, orderedAt(T0), 'Order_Completed')).toBe('2025-03-03T09:00:03.001Z');
    expect(wakeAt(noOrderFor3Seconds, { ...entered.state, waitingUntil: later(2) }, orderedAt(T0))).toBeNull();
  });

  it('never wakes an instance at a step that only events or its timer move', () => {
    const entered = start(applicationAbandonment(), started1234, T0);
    expect(wakeAt(applicationAbandonment(), entered.state, orderedAt(T0))).toBeNull();
  });
});
