import type { JourneyDefinition } from './definition';
import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import {
  activityTypes,
  applicationAbandonment,
  cartModifiedFlow,
  facts,
  HOUR,
  journey,
  later,
  seed,
  sendStep,
  start,
  T0,
  track,
} from './seed-events.fixture';

const application = (id: string, event: 'applicationStarted' | 'applicationCompleted') =>
  track({ ...seed[event], properties: { ...seed[event].properties, Application_id: id } }, later(30 * 60));

function startApplication(definition: JourneyDefinition = applicationAbandonment()) {
  return start(definition, track(seed.applicationStarted), T0, {}, '1234');
}

describe('applyEvent at a HOLD_UNTIL step', () => {
  it('does not nudge when Application_Completed arrives before the hold expires', () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    const completed = track(seed.applicationCompleted, later(30 * 60));
    const result = applyEvent(definition, entered.state, completed, facts(later(30 * 60)))!;

    expect(activityTypes(result)).toEqual(['HOLD_MATCHED', 'STEP_ENTERED', 'COMPLETED']);
    expect(result.activities[0].detail).toEqual({ branch: 'completed', event: 'Application_Completed', messageId: completed.messageId });
    expect(result.deliveries).toEqual([]);
    expect(result.state.status).toBe('COMPLETED');
    expect(result.state.context.events.await_completion).toEqual({
      event: 'Application_Completed',
      properties: seed.applicationCompleted.properties,
      timestamp: later(30 * 60),
    });
  });

  it('takes the first listed branch when an event matches several', () => {
    const definition = journey('Viewed_Product', [
      {
        key: 'await_add',
        name: 'Await add',
        type: 'HOLD_UNTIL',
        hold: {
          branches: [
            { key: 'added_category_a', match: { event: 'Product_Added', filters: [{ path: 'properties.productName', operator: 'EQUALS', values: ['T-Shirt'] }] }, next: 'shirt_tips' },
            { key: 'added_anything', match: { event: 'Product_Added', filters: [] }, next: 'generic_tips' },
          ],
          updateEvents: [],
          maxDuration: 'PT1H',
        },
      },
      sendStep('shirt_tips'),
      sendStep('generic_tips'),
    ]);
    const entered = start(definition, track(seed.viewedProduct));
    const added = track({ ...seed.productAdded, userId: '26' }, later(60));
    const result = applyEvent(definition, entered.state, added, facts(later(60)))!;
    expect(result.activities[0].detail).toMatchObject({ branch: 'added_category_a' });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['shirt_tips']);
  });

  it('leaves the hold alone for an event of a parallel application (another Application_id)', () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    expect(applyEvent(definition, entered.state, application('5678', 'applicationCompleted'), facts(later(60)))).toBeNull();
  });

  it('releases the hold for a completion event that carries no Application_id', () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    const anyApplication = track({ ...seed.applicationCompleted, properties: { Category: 'A' } }, later(60));
    expect(activityTypes(applyEvent(definition, entered.state, anyApplication, facts(later(60))))).toContain('HOLD_MATCHED');
  });

  it('returns null for an event the hold does not wait for', () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    expect(applyEvent(definition, entered.state, track(seed.cartViewed, later(60)), facts(later(60)))).toBeNull();
  });

  it('never treats the entry event as its own follow-up', () => {
    const definition = journey('Viewed_Product', [
      {
        key: 'await_next_view',
        name: 'Await next view',
        type: 'HOLD_UNTIL',
        hold: { branches: [{ key: 'viewed', match: { event: 'Viewed_Product', filters: [] } }], updateEvents: [], maxDuration: 'PT1H' },
      },
    ]);
    const entry = track(seed.viewedProduct);
    const entered = start(definition, entry);
    expect(applyEvent(definition, entered.state, entry, facts(later(1)))).toBeNull();
    expect(applyEvent(definition, entered.state, track(seed.viewedProduct, later(60)), facts(later(60)))).not.toBeNull();
  });

  it("ignores another user's event", () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    const otherUser = track({ ...seed.applicationCompleted, userId: '99' }, later(60));
    expect(applyEvent(definition, entered.state, otherUser, facts(later(60)))).toBeNull();
  });

  describe('update events (Cart_Modified)', () => {
    const definition = cartModifiedFlow();

    it('records the update into the context and restarts the timer with a new stepSeq', () => {
      const entered = start(definition, track(seed.productAdded));
      expect(entered.timers).toEqual([{ kind: 'HOLD_TIMEOUT', stepKey: 'cart_hold', stepSeq: 1, dueAt: later(2 * HOUR) }]);

      const modified = track(seed.cartModified, later(HOUR));
      const updated = applyEvent(definition, entered.state, modified, facts(later(HOUR)))!;
      expect(activityTypes(updated)).toEqual(['HOLD_UPDATED']);
      expect(updated.activities[0].detail).toEqual({ event: 'Cart_Modified', messageId: modified.messageId, dueAt: later(3 * HOUR) });
      expect(updated.timers).toEqual([{ kind: 'HOLD_TIMEOUT', stepKey: 'cart_hold', stepSeq: 2, dueAt: later(3 * HOUR) }]);
      expect(updated.state).toMatchObject({ currentStep: 'cart_hold', stepSeq: 2, waitingUntil: later(3 * HOUR), visits: { cart_hold: 1 } });
      expect(updated.state.context.events.cart_hold.properties.productName).toBe('Jeans');
    });

    it('nudges with the latest cart once the restarted hold expires', () => {
      const entered = start(definition, track(seed.productAdded));
      const updated = applyEvent(definition, entered.state, track(seed.cartModified, later(HOUR)), facts(later(HOUR)))!;
      expect(applyTimer(definition, updated.state, entered.timers[0], facts(later(2 * HOUR)))).toBeNull();

      const nudged = applyTimer(definition, updated.state, updated.timers[0], facts(later(3 * HOUR)))!;
      expect(activityTypes(nudged)).toEqual(['HOLD_TIMED_OUT', 'STEP_ENTERED', 'STEP_ENTERED', 'COMPLETED']);
      expect(nudged.deliveries[0].context.events.cart_hold.properties).toMatchObject({ productName: 'Jeans', productPrice: '$88.43' });
    });

    it('does not nudge when Order_Confirmation arrives after a Cart_Modified', () => {
      const entered = start(definition, track(seed.productAdded));
      const updated = applyEvent(definition, entered.state, track(seed.cartModified, later(HOUR)), facts(later(HOUR)))!;
      const ordered = applyEvent(definition, updated.state, track(seed.orderConfirmation23, later(HOUR + 60)), facts(later(HOUR + 60)))!;
      expect(ordered.activities[0]).toMatchObject({ type: 'HOLD_MATCHED', detail: { branch: 'ordered' } });
      expect(ordered.deliveries).toEqual([]);
      expect(ordered.state.context.events.cart_hold.properties.productPrice).toBe('$170.78');
      expect(applyTimer(definition, ordered.state, updated.timers[0], facts(later(3 * HOUR)))).toBeNull();
    });
  });
});

describe('exit triggers', () => {
  const purchaseExit = { event: 'Order_Confirmation', filters: [] };

  it('end the instance at once, wherever it is', () => {
    const definition = journey('Trial_Started', [
      { key: 'wait_3_days', name: 'Wait 3 days', type: 'WAIT', wait: { duration: 'P3D' }, next: 'trial_tips' },
      sendStep('trial_tips'),
    ], { exit: [{ event: 'Trial_Ended', filters: [] }] });
    const entered = start(definition, track(seed.trialStarted747));
    const ended = track(seed.trialEnded747, later(HOUR));
    const result = applyEvent(definition, entered.state, ended, facts(later(HOUR)))!;

    expect(result.activities).toEqual([
      { type: 'EXITED', stepKey: 'wait_3_days', detail: { reason: 'exit_event', event: 'Trial_Ended', messageId: ended.messageId }, at: later(HOUR) },
    ]);
    expect(result.state).toMatchObject({ status: 'EXITED', exitReason: 'exit_event', currentStep: null, endedAt: later(HOUR), waitingUntil: null });
    expect(applyTimer(definition, result.state, entered.timers[0], facts(later(72 * HOUR)))).toBeNull();
  });

  it('win over a hold branch for the same event', () => {
    const definition = { ...cartModifiedFlow(), exit: [purchaseExit] };
    const entered = start(definition, track(seed.productAdded));
    const result = applyEvent(definition, entered.state, track(seed.orderConfirmation23, later(60)), facts(later(60)))!;
    expect(activityTypes(result)).toEqual(['EXITED']);
  });

  describe('scoped by the unique identifier', () => {
    const definition = applicationAbandonment({ exit: [{ event: 'Application_Withdrawn', filters: [] }] });
    const withdrawn = (properties: Record<string, unknown>) => track({ userId: '88', event: 'Application_Withdrawn', properties }, later(60));

    it('end the instance whose Application_id the exit event carries', () => {
      const entered = startApplication(definition);
      expect(applyEvent(definition, entered.state, withdrawn({ Application_id: '1234' }), facts(later(60)))?.state.status).toBe('EXITED');
    });

    it('leave a parallel instance with another Application_id running', () => {
      const entered = startApplication(definition);
      expect(applyEvent(definition, entered.state, withdrawn({ Application_id: '5678' }), facts(later(60)))).toBeNull();
    });

    it('end every instance of the user when the exit event carries no Application_id', () => {
      const entered = startApplication(definition);
      expect(applyEvent(definition, entered.state, withdrawn({}), facts(later(60)))?.state.status).toBe('EXITED');
    });
  });
});

describe('goal', () => {
  const withGoal = (exit: JourneyDefinition['exit'] = []) =>
    journey('Trial_Started', [
      { key: 'wait_3_days', name: 'Wait 3 days', type: 'WAIT', wait: { duration: 'P3D' }, next: 'trial_tips' },
      sendStep('trial_tips'),
    ], { goal: { match: { event: 'Trial_Ended', filters: [] }, targetPercent: 40 }, exit });

  it('marks the instance converted when the user performs the goal event, and it keeps going', () => {
    const definition = withGoal();
    const entered = start(definition, track(seed.trialStarted747));
    const goalEvent = track(seed.trialEnded747, later(HOUR));
    const result = applyEvent(definition, entered.state, goalEvent, facts(later(HOUR)))!;
    expect(result.activities).toEqual([
      { type: 'GOAL_MET', stepKey: 'wait_3_days', detail: { event: 'Trial_Ended', messageId: goalEvent.messageId }, at: later(HOUR) },
    ]);
    expect(result.state).toMatchObject({ converted: true, status: 'ACTIVE', currentStep: 'wait_3_days', stepSeq: entered.state.stepSeq });
    expect(result.timers).toEqual([]);
  });

  it('counts once per instance', () => {
    const definition = withGoal();
    const entered = start(definition, track(seed.trialStarted747));
    const converted = applyEvent(definition, entered.state, track(seed.trialEnded747, later(HOUR)), facts(later(HOUR)))!;
    expect(applyEvent(definition, converted.state, track(seed.trialEnded747, later(2 * HOUR)), facts(later(2 * HOUR)))).toBeNull();
  });

  it('still counts when the goal event is also an exit', () => {
    const definition = withGoal([{ event: 'Trial_Ended', filters: [] }]);
    const entered = start(definition, track(seed.trialStarted747));
    const result = applyEvent(definition, entered.state, track(seed.trialEnded747, later(HOUR)), facts(later(HOUR)))!;
    expect(activityTypes(result)).toEqual(['GOAL_MET', 'EXITED']);
    expect(result.state).toMatchObject({ converted: true, status: 'EXITED', exitReason: 'exit_event' });
  });

  it('does not count the entry event, even when it matches the goal', () => {
    const definition = { ...withGoal(), goal: { match: { event: 'Trial_Started', filters: [] } } };
    const entry = track(seed.trialStarted747);
    const entered = start(definition, entry);
    expect(applyEvent(definition, entered.state, entry, facts(later(1)))).toBeNull();
  });
});

describe('ended instances', () => {
  it('are not concerned by any event', () => {
    const definition = applicationAbandonment();
    const entered = startApplication(definition);
    const completed = applyEvent(definition, entered.state, track(seed.applicationCompleted, later(60)), facts(later(60)))!;
    expect(completed.state.status).toBe('COMPLETED');
    expect(applyEvent(definition, completed.state, track(seed.applicationCompleted, later(120)), facts(later(120)))).toBeNull();
  });
});
