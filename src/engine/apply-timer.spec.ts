import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import { endInstance } from './end-instance';
import { activityTypes, applicationAbandonment, cartModifiedFlow, facts, HOUR, later, seed, start, T0, track } from './seed-events.fixture';

const definition = applicationAbandonment();
const enterApplication = () => start(definition, track(seed.applicationStarted), T0, {}, '1234');

describe('applyTimer', () => {
  it('nudges when the hold expires without Application_Completed', () => {
    const entered = enterApplication();
    const result = applyTimer(definition, entered.state, entered.timers[0], facts(later(2 * HOUR)))!;
    expect(activityTypes(result)).toEqual(['HOLD_TIMED_OUT', 'STEP_ENTERED', 'STEP_ENTERED', 'COMPLETED']);
    expect(result.activities[0]).toEqual({ type: 'HOLD_TIMED_OUT', stepKey: 'await_completion', detail: { maxDuration: 'PT2H' }, at: later(2 * HOUR) });
    expect(result.deliveries).toHaveLength(1);
    expect(result.deliveries[0]).toMatchObject({ stepKey: 'nudge', idempotencyKey: 'inst-1:nudge:1' });
    expect(result.deliveries[0].context.instance.uniqueId).toBe('1234');
  });

  it('still fires, once, when it fires late after downtime', () => {
    const entered = enterApplication();
    const late = applyTimer(definition, entered.state, entered.timers[0], facts(later(3 * 24 * HOUR)))!;
    expect(late.activities[0].at).toBe(later(3 * 24 * HOUR));
    expect(late.deliveries).toHaveLength(1);
    expect(applyTimer(definition, late.state, entered.timers[0], facts(later(3 * 24 * HOUR + 1)))).toBeNull();
  });

  it('ignores a stale timer that an update event restarted', () => {
    const cart = cartModifiedFlow();
    const entered = start(cart, track(seed.productAdded));
    const updated = applyEvent(cart, entered.state, track(seed.cartModified, later(HOUR)), facts(later(HOUR)))!;
    expect(applyTimer(cart, updated.state, entered.timers[0], facts(later(2 * HOUR)))).toBeNull();
  });

  it('ignores a timer redelivered after the instance moved on', () => {
    const entered = enterApplication();
    const first = applyTimer(definition, entered.state, entered.timers[0], facts(later(2 * HOUR)))!;
    expect(applyTimer(definition, first.state, entered.timers[0], facts(later(2 * HOUR + 5)))).toBeNull();
  });

  it('ignores a timer whose kind does not fit the step', () => {
    const entered = enterApplication();
    expect(applyTimer(definition, entered.state, { ...entered.timers[0], kind: 'WAIT_ELAPSED' }, facts(later(2 * HOUR)))).toBeNull();
  });

  it('ignores a timer for another step', () => {
    const entered = enterApplication();
    expect(applyTimer(definition, entered.state, { ...entered.timers[0], stepKey: 'nudge' }, facts(later(2 * HOUR)))).toBeNull();
  });

  describe('an event and a timeout racing for the same hold', () => {
    const completion = track(seed.applicationCompleted, later(2 * HOUR));

    it('takes the event branch when the event is applied first; the timeout then changes nothing', () => {
      const entered = enterApplication();
      const byEvent = applyEvent(definition, entered.state, completion, facts(later(2 * HOUR)))!;
      expect(byEvent.activities[0].type).toBe('HOLD_MATCHED');
      expect(applyTimer(definition, byEvent.state, entered.timers[0], facts(later(2 * HOUR)))).toBeNull();
    });

    it('takes the timeout branch when the timeout is applied first; the event then changes nothing', () => {
      const entered = enterApplication();
      const byTimeout = applyTimer(definition, entered.state, entered.timers[0], facts(later(2 * HOUR)))!;
      expect(byTimeout.deliveries).toHaveLength(1);
      expect(applyEvent(definition, byTimeout.state, completion, facts(later(2 * HOUR)))).toBeNull();
    });
  });
});

describe('endInstance', () => {
  it('exits an active instance with the reason given, e.g. when its journey is archived', () => {
    const entered = enterApplication();
    const result = endInstance(entered.state, 'archived', later(HOUR))!;
    expect(result.activities).toEqual([{ type: 'EXITED', stepKey: 'await_completion', detail: { reason: 'archived' }, at: later(HOUR) }]);
    expect(result.state).toMatchObject({ status: 'EXITED', exitReason: 'archived', currentStep: null, endedAt: later(HOUR) });
    expect(applyTimer(definition, result.state, entered.timers[0], facts(later(2 * HOUR)))).toBeNull();
  });

  it('changes nothing for an instance that has already ended', () => {
    const entered = enterApplication();
    const completed = applyEvent(definition, entered.state, track(seed.applicationCompleted, later(60)), facts(later(60)))!;
    expect(endInstance(completed.state, 'archived', later(HOUR))).toBeNull();
  });
});
