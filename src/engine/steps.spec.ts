import type { Condition, JourneyDefinition, JourneyStep } from './definition';
import { MAX_STEP_ENTRIES_PER_CALL } from './advance-instance';
import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import { performedClauseKey } from './condition';
import { refreshConditions } from './refresh-conditions';
import { startInstance } from './start-instance';
import {
  activityTypes,
  endStep,
  facts,
  HOUR,
  ids,
  journey,
  journeyIdentity,
  later,
  seed,
  sendStep,
  start,
  T0,
  track,
} from './seed-events.fixture';

const vipTrait: Condition = { match: 'ALL', filters: [{ path: 'traits.vip', operator: 'EQUALS', values: [true] }], performed: [] };

describe('SEND', () => {
  const forwarding = journey('Order_Confirmation', [sendStep('forward_order', 'done'), endStep]);

  it('forwards the event at once, with the context as it is when the step runs', () => {
    const result = start(forwarding, track(seed.orderConfirmation99), T0, { email: 'ada@example.com' });
    expect(result.deliveries).toEqual([
      {
        stepKey: 'forward_order',
        visit: 1,
        idempotencyKey: 'inst-1:forward_order:1',
        destinationId: 'dest-email',
        action: 'send',
        eventName: 'forward_order',
        mapping: { data: { email: { '@path': '$.traits.email' } } },
        context: expect.objectContaining({
          userId: '99',
          entry: expect.objectContaining({ event: 'Order_Confirmation', properties: seed.orderConfirmation99.properties }),
          traits: { email: 'ada@example.com' },
        }),
      },
    ]);
    expect(result.activities.find((a) => a.stepKey === 'forward_order')?.detail).toEqual({
      type: 'SEND',
      visit: 1,
      destinationId: 'dest-email',
      idempotencyKey: 'inst-1:forward_order:1',
    });
  });

  it('hands each delivery its own copy of the context', () => {
    const result = start(forwarding, track(seed.orderConfirmation99));
    expect(result.deliveries[0].context).toEqual(result.state.context);
    expect(result.deliveries[0].context).not.toBe(result.state.context);
  });

  it('skips a disabled send but still moves on', () => {
    const disabled = journey('Order_Confirmation', [sendStep('forward_order', 'done', { enabled: false }), endStep]);
    const result = start(disabled, track(seed.orderConfirmation99));
    expect(result.deliveries).toEqual([]);
    expect(result.activities.find((a) => a.stepKey === 'forward_order')?.detail).toEqual({ type: 'SEND', visit: 1, skipped: 'disabled' });
    expect(result.state.status).toBe('COMPLETED');
  });
});

describe('END and a missing next', () => {
  it('completes at an END step', () => {
    const result = start(journey('Order_Confirmation', [sendStep('forward_order', 'done'), endStep]), track(seed.orderConfirmation99));
    expect(activityTypes(result)).toEqual(['ENTERED', 'STEP_ENTERED', 'STEP_ENTERED', 'COMPLETED']);
    expect(result.state).toMatchObject({ status: 'COMPLETED', currentStep: null, endedAt: T0, exitReason: null, waitingUntil: null });
    expect(result.activities[3]).toEqual({ type: 'COMPLETED', stepKey: 'done', detail: null, at: T0 });
  });

  it('completes after a step that has no next', () => {
    const result = start(journey('Order_Confirmation', [sendStep('forward_order')]), track(seed.orderConfirmation99));
    expect(activityTypes(result)).toEqual(['ENTERED', 'STEP_ENTERED', 'COMPLETED']);
    expect(result.activities[2].stepKey).toBe('forward_order');
    expect(result.state.status).toBe('COMPLETED');
  });
});

describe('HOLD_UNTIL on entry', () => {
  it('blocks with a timeout timer due maxDuration after now', () => {
    const result = start(
      journey('Cart_Viewed', [
        {
          key: 'await_checkout',
          name: 'Await checkout',
          type: 'HOLD_UNTIL',
          hold: { branches: [{ key: 'checked_out', match: { event: 'Checkout_Completed', filters: [] } }], updateEvents: [], maxDuration: 'PT1H' },
        },
      ]),
      track(seed.cartViewed),
    );
    expect(result.timers).toEqual([{ kind: 'HOLD_TIMEOUT', stepKey: 'await_checkout', stepSeq: 1, dueAt: later(HOUR) }]);
    expect(result.state).toMatchObject({ status: 'ACTIVE', currentStep: 'await_checkout', stepSeq: 1, waitingUntil: later(HOUR) });
    expect(result.state.visits).toEqual({ await_checkout: 1 });
  });
});

describe('WAIT', () => {
  const waitThenSend = journey('Trial_Started', [
    { key: 'wait_3_days', name: 'Wait 3 days', type: 'WAIT', wait: { duration: 'P3D' }, next: 'trial_tips' },
    sendStep('trial_tips', 'done'),
    endStep,
  ]);

  it('blocks for its duration, then runs the next step', () => {
    const entered = start(waitThenSend, track(seed.trialStarted747));
    expect(entered.timers).toEqual([{ kind: 'WAIT_ELAPSED', stepKey: 'wait_3_days', stepSeq: 1, dueAt: later(3 * 24 * HOUR) }]);
    expect(entered.state.waitingUntil).toBe(later(3 * 24 * HOUR));

    const elapsed = applyTimer(waitThenSend, entered.state, entered.timers[0], facts(later(3 * 24 * HOUR)))!;
    expect(activityTypes(elapsed)).toEqual(['WAIT_ELAPSED', 'STEP_ENTERED', 'STEP_ENTERED', 'COMPLETED']);
    expect(elapsed.deliveries.map((d) => d.idempotencyKey)).toEqual(['inst-1:trial_tips:1']);
  });

  it('ignores events other than exits and goals while waiting', () => {
    const entered = start(waitThenSend, track(seed.trialStarted747));
    expect(applyEvent(waitThenSend, entered.state, track(seed.trialEnded747), facts(later(60)))).toBeNull();
  });
});

describe('SPLIT', () => {
  const vipSplit = journey('Application_Started', [
    { key: 'is_vip', name: 'Is VIP', type: 'SPLIT', split: { condition: vipTrait, trueNext: 'vip_welcome', falseNext: 'standard_welcome' } },
    sendStep('vip_welcome'),
    sendStep('standard_welcome'),
  ]);

  it('takes trueNext when the condition holds on the current traits', () => {
    const result = start(vipSplit, track(seed.applicationStarted), T0, { vip: true });
    expect(result.activities.find((a) => a.type === 'BRANCH_TAKEN')).toEqual({ type: 'BRANCH_TAKEN', stepKey: 'is_vip', detail: { branch: 'true' }, at: T0 });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['vip_welcome']);
  });

  it('takes falseNext otherwise', () => {
    const result = start(vipSplit, track(seed.applicationStarted), T0, { vip: false });
    expect(result.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'false' });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['standard_welcome']);
  });
});

describe('MULTI_BRANCH', () => {
  const tierEquals = (tier: string): Condition => ({
    match: 'ALL',
    filters: [{ path: 'entry.properties.Tier', operator: 'EQUALS', values: [tier] }],
    performed: [],
  });
  const byTier = journey('Application_Started', [
    {
      key: 'by_tier',
      name: 'By tier',
      type: 'MULTI_BRANCH',
      multiBranch: {
        branches: [
          { key: 'vip', condition: vipTrait, next: 'vip_welcome' },
          { key: 'premium', condition: tierEquals('Premium'), next: 'premium_welcome' },
          { key: 'anyone', condition: { match: 'ALL', filters: [], performed: [] }, next: 'generic_welcome' },
        ],
        elseNext: 'generic_welcome',
      },
    },
    sendStep('vip_welcome'),
    sendStep('premium_welcome'),
    sendStep('generic_welcome'),
  ]);

  it('takes the first branch whose condition holds, even when later ones hold too', () => {
    const result = start(byTier, track(seed.applicationStarted), T0, { vip: false });
    expect(result.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'premium' });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['premium_welcome']);

    const vip = start(byTier, track(seed.applicationStarted), T0, { vip: true });
    expect(vip.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'vip' });
  });

  it('takes elseNext when no branch holds', () => {
    const noCatchAll: JourneyDefinition = structuredClone(byTier);
    const step = noCatchAll.steps[0] as Extract<JourneyStep, { type: 'MULTI_BRANCH' }>;
    step.multiBranch.branches.pop();
    const basic = track({ ...seed.applicationStarted, properties: { ...seed.applicationStarted.properties, Tier: 'Basic' } });
    const result = start(noCatchAll, basic, T0, { vip: false });
    expect(result.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'else' });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['generic_welcome']);
  });
});

describe('WAIT_FOR_CONDITION', () => {
  const ordered = { event: 'Order_Completed', filters: [] };
  const waitForOrder = (maxDuration?: string) =>
    journey('Product_Added', [
      {
        key: 'await_order',
        name: 'Await order',
        type: 'WAIT_FOR_CONDITION',
        waitForCondition: { condition: { match: 'ALL', filters: [], performed: [ordered] }, maxDuration, timeoutNext: 'order_reminder' },
        next: 'thank_you',
      },
      sendStep('thank_you'),
      sendStep('order_reminder'),
    ]);
  const orderCount = (n: number) => ({ [performedClauseKey(ordered)]: n });

  it('moves on at once when the condition already holds', () => {
    const result = startInstance(waitForOrder('P1D'), journeyIdentity, ids, track(seed.productAdded), null, facts(T0, {}, orderCount(1)));
    expect(result.timers).toEqual([]);
    expect(result.activities.find((a) => a.type === 'BRANCH_TAKEN')).toMatchObject({ stepKey: 'await_order', detail: { branch: 'met' } });
    expect(result.deliveries.map((d) => d.stepKey)).toEqual(['thank_you']);
  });

  it('blocks with a timeout timer when it does not hold yet', () => {
    const result = start(waitForOrder('P1D'), track(seed.productAdded));
    expect(result.timers).toEqual([{ kind: 'CONDITION_TIMEOUT', stepKey: 'await_order', stepSeq: 1, dueAt: later(24 * HOUR) }]);
    expect(result.state).toMatchObject({ currentStep: 'await_order', waitingUntil: later(24 * HOUR) });
  });

  it('waits indefinitely, with no timer, when it has no maxDuration', () => {
    const result = start(waitForOrder(), track(seed.productAdded));
    expect(result.timers).toEqual([]);
    expect(result.state).toMatchObject({ status: 'ACTIVE', currentStep: 'await_order', waitingUntil: null });
  });

  it('re-evaluates when an event arrives, with the counts the caller computed', () => {
    const definition = waitForOrder('P1D');
    const entered = start(definition, track(seed.productAdded));
    const order = track({ userId: '23', event: 'Order_Completed', properties: { cart_ID: '12345' } }, later(600));
    expect(applyEvent(definition, entered.state, order, facts(later(600), {}, orderCount(0)))).toBeNull();
    const met = applyEvent(definition, entered.state, order, facts(later(600), {}, orderCount(1)))!;
    expect(met.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'met' });
    expect(met.deliveries.map((d) => d.stepKey)).toEqual(['thank_you']);
  });

  it('re-evaluates on a traits change through refreshConditions', () => {
    const vipWait = journey('Application_Started', [
      { key: 'await_vip', name: 'Await VIP', type: 'WAIT_FOR_CONDITION', waitForCondition: { condition: vipTrait }, next: 'vip_welcome' },
      sendStep('vip_welcome'),
    ]);
    const entered = start(vipWait, track(seed.applicationStarted), T0, { vip: false });
    expect(refreshConditions(vipWait, entered.state, facts(later(60), { vip: false }))).toBeNull();
    const refreshed = refreshConditions(vipWait, entered.state, facts(later(60), { vip: true }))!;
    expect(refreshed.deliveries[0].context.traits).toEqual({ vip: true });
    expect(refreshed.state.status).toBe('COMPLETED');
  });

  it('takes timeoutNext when the condition still does not hold at the deadline', () => {
    const definition = waitForOrder('P1D');
    const entered = start(definition, track(seed.productAdded));
    const timedOut = applyTimer(definition, entered.state, entered.timers[0], facts(later(24 * HOUR)))!;
    expect(timedOut.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual({ branch: 'timeout' });
    expect(timedOut.deliveries.map((d) => d.stepKey)).toEqual(['order_reminder']);
  });

  it('counts a condition that holds by the deadline as met, not timed out', () => {
    const definition = waitForOrder('P1D');
    const entered = start(definition, track(seed.productAdded));
    const met = applyTimer(definition, entered.state, entered.timers[0], facts(later(24 * HOUR), {}, orderCount(1)))!;
    expect(met.deliveries.map((d) => d.stepKey)).toEqual(['thank_you']);
  });

  it('ignores refreshConditions at any other kind of step', () => {
    const definition = journey('Trial_Started', [{ key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT1H' } }]);
    const entered = start(definition, track(seed.trialStarted747));
    expect(refreshConditions(definition, entered.state, facts(later(60)))).toBeNull();
  });
});

describe('traits', () => {
  it('are read when a step runs, so a nudge after a hold carries the traits of that moment', () => {
    const definition = journey('Cart_Viewed', [
      {
        key: 'await_checkout',
        name: 'Await checkout',
        type: 'HOLD_UNTIL',
        hold: { branches: [], updateEvents: [], maxDuration: 'PT1H', timeoutNext: 'cart_reminder' },
      },
      sendStep('cart_reminder'),
    ]);
    const entered = start(definition, track(seed.cartViewed), T0, { email: 'old@example.com' });
    expect(entered.state.context.traits).toEqual({ email: 'old@example.com' });
    const nudged = applyTimer(definition, entered.state, entered.timers[0], facts(later(HOUR), { email: 'new@example.com' }))!;
    expect(nudged.deliveries[0].context.traits).toEqual({ email: 'new@example.com' });
  });
});

describe('runaway loops', () => {
  it('ends an instance that would enter more than the step limit in one call', () => {
    const spin = journey('Website_Viewed', [
      { key: 'again', name: 'Again', type: 'SPLIT', split: { condition: { match: 'ALL', filters: [], performed: [] }, trueNext: 'ping', falseNext: 'ping' } },
      sendStep('ping', 'again'),
    ]);
    const result = start(spin, track(seed.websiteViewed));
    expect(result.state).toMatchObject({ status: 'EXITED', exitReason: 'step_limit', currentStep: null });
    expect(result.activities.filter((a) => a.type === 'STEP_ENTERED')).toHaveLength(MAX_STEP_ENTRIES_PER_CALL);
    expect(result.activities.at(-1)).toMatchObject({ type: 'EXITED', detail: { reason: 'step_limit', nextStep: 'again' } });
  });

  it('exits rather than throws when a next points at a step that does not exist', () => {
    const broken = journey('Website_Viewed', [sendStep('ping', 'nowhere')]);
    const result = start(broken, track(seed.websiteViewed));
    expect(result.state).toMatchObject({ status: 'EXITED', exitReason: 'unknown_step' });
  });
});
