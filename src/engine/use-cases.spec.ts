/** The seed use cases, end to end through the engine, with the seed's own sample events. */
import type { JourneyDefinition, JourneyStep } from './definition';
import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import type { EngineResult } from './engine-result';
import { decideEntry } from './entry-decision';
import { activityTypes, endStep, facts, HOUR, journey, later, seed, sendStep, start, track } from './seed-events.fixture';

function hold(key: string, waitFor: string, next: string | undefined, timeoutNext: string, updateEvents: string[] = [], maxDuration = 'PT1H'): JourneyStep {
  return {
    key,
    name: key,
    type: 'HOLD_UNTIL',
    hold: {
      branches: [{ key: waitFor.toLowerCase(), match: { event: waitFor, filters: [] }, next }],
      updateEvents: updateEvents.map((event) => ({ event, filters: [] })),
      maxDuration,
      timeoutNext,
    },
  };
}

/** Applies the timer the last result scheduled, at its due time. */
function fireTimer(definition: JourneyDefinition, previous: EngineResult): EngineResult {
  const timer = previous.timers.at(-1)!;
  return applyTimer(definition, previous.state, timer, facts(timer.dueAt))!;
}

describe('Real-time event forwarding', () => {
  const forwarding: JourneyDefinition = {
    ...journey('Order_Confirmation', [sendStep('forward_order', 'done'), endStep]),
    trigger: {
      type: 'EVENT',
      event: { event: 'Order_Confirmation', filters: [{ path: 'properties.event_location', operator: 'EQUALS', values: ['A'] }] },
      useHistoricalData: false,
    },
  };

  it('forwards an Order_Confirmation from location A the moment it arrives, and completes', () => {
    const order = track(seed.orderConfirmation99);
    expect(decideEntry(forwarding, order, { activeUniqueIds: [], everEntered: false })).toEqual({ enter: true, uniqueId: null });
    const result = start(forwarding, order);
    expect(result.deliveries).toHaveLength(1);
    expect(result.deliveries[0].context.entry.properties).toMatchObject({ productName: 'T-Shirt', cart_ID: '123456' });
    expect(result.state.status).toBe('COMPLETED');
  });

  it('does not forward an order from another location', () => {
    const elsewhere = track({ ...seed.orderConfirmation99, properties: { ...seed.orderConfirmation99.properties, event_location: 'B' } });
    expect(decideEntry(forwarding, elsewhere, { activeUniqueIds: [], everEntered: false })).toMatchObject({ enter: false });
  });
});

describe('Cart abandonment (cart viewed flow)', () => {
  const definition = journey('Cart_Viewed', [hold('await_checkout', 'Checkout_Completed', 'done', 'cart_reminder'), sendStep('cart_reminder', 'done'), endStep]);

  it('does not remind a user who completes checkout within the hour', () => {
    const entered = start(definition, track(seed.cartViewed));
    const checkedOut = applyEvent(definition, entered.state, track(seed.checkoutCompleted, later(20 * 60)), facts(later(20 * 60)))!;
    expect(checkedOut.deliveries).toEqual([]);
    expect(checkedOut.state.status).toBe('COMPLETED');
  });

  it('reminds a user who does not, with the cart they viewed', () => {
    const reminded = fireTimer(definition, start(definition, track(seed.cartViewed)));
    expect(reminded.deliveries[0].context.entry.properties.checkout_cart).toHaveLength(2);
  });
});

describe('Browse abandonment (multi-step flow)', () => {
  const definition = journey('Viewed_Product', [
    hold('first_hold', 'Product_Added', 'done', 'second_hold'),
    hold('second_hold', 'Product_Added', 'done', 'browse_nudge'),
    sendStep('browse_nudge', 'done'),
    endStep,
  ]);

  it('lets later views pass without a second instance or any change to the first', () => {
    const entered = start(definition, track(seed.viewedProduct));
    const secondView = track({ ...seed.viewedProduct, properties: { ...seed.viewedProduct.properties, productId: '002', productName: 'Jeans' } }, later(60));
    expect(decideEntry(definition, secondView, { activeUniqueIds: [entered.state.uniqueId], everEntered: true })).toEqual({ enter: false, reason: 'already_active' });
    expect(applyEvent(definition, entered.state, secondView, facts(later(60)))).toBeNull();
  });

  it('nudges only after both holds expire without Product_Added', () => {
    const afterFirst = fireTimer(definition, start(definition, track(seed.viewedProduct)));
    expect(afterFirst.deliveries).toEqual([]);
    expect(afterFirst.state.currentStep).toBe('second_hold');
    const afterSecond = fireTimer(definition, afterFirst);
    expect(afterSecond.deliveries.map((d) => d.stepKey)).toEqual(['browse_nudge']);
  });

  it('stops at the second hold when the user adds a product', () => {
    const afterFirst = fireTimer(definition, start(definition, track(seed.viewedProduct)));
    const added = applyEvent(definition, afterFirst.state, track({ ...seed.productAdded, userId: '26' }, later(90 * 60)), facts(later(90 * 60)))!;
    expect(added.deliveries).toEqual([]);
    expect(added.state.status).toBe('COMPLETED');
  });
});

describe('Event-based re-engagement campaign', () => {
  const definition = journey(
    'Trial_Started',
    [
      hold('first_check', 'Trial_Ended', 'done', 'first_reminder', [], 'P3D'),
      sendStep('first_reminder', 'second_check'),
      hold('second_check', 'Trial_Ended', 'done', 'second_reminder', [], 'P3D'),
      sendStep('second_reminder', 'done'),
      endStep,
    ],
  );

  it('sends a reminder every 3 days until Trial_Ended', () => {
    const entered = start(definition, track(seed.trialStarted747));
    expect(entered.timers[0].dueAt).toBe(later(72 * HOUR));
    const first = fireTimer(definition, entered);
    expect(first.deliveries.map((d) => d.stepKey)).toEqual(['first_reminder']);
    expect(first.timers[0].dueAt).toBe(later(144 * HOUR));

    const ended = applyEvent(definition, first.state, track(seed.trialEnded747, later(100 * HOUR)), facts(later(100 * HOUR)))!;
    expect(ended.deliveries).toEqual([]);
    expect(ended.state.status).toBe('COMPLETED');
  });
});

describe('Complex multi-step with loopback abandonment campaign', () => {
  const definition = journey('Website_Viewed', [
    hold('await_account', 'Account_Created', 'await_trial', 'account_reminder'),
    sendStep('account_reminder', 'await_account'),
    hold('await_trial', 'Trial_Started', 'await_subscription', 'trial_reminder', ['Payment_Method']),
    sendStep('trial_reminder', 'done'),
    hold('await_subscription', 'Subscription Started', 'done', 'subscription_reminder'),
    sendStep('subscription_reminder', 'done'),
    endStep,
  ]);

  it('loops back to the account hold after each reminder, with a new idempotency key per visit', () => {
    const entered = start(definition, track(seed.websiteViewed));
    const firstReminder = fireTimer(definition, entered);
    expect(firstReminder.deliveries.map((d) => d.idempotencyKey)).toEqual(['inst-1:account_reminder:1']);
    expect(firstReminder.state).toMatchObject({ currentStep: 'await_account', visits: { await_account: 2, account_reminder: 1 } });

    const secondReminder = fireTimer(definition, firstReminder);
    expect(secondReminder.deliveries.map((d) => d.idempotencyKey)).toEqual(['inst-1:account_reminder:2']);
    expect(secondReminder.deliveries[0].visit).toBe(2);
    expect(secondReminder.state.visits).toEqual({ await_account: 3, account_reminder: 2 });
    expect(applyTimer(definition, secondReminder.state, firstReminder.timers[0], facts(later(3 * HOUR)))).toBeNull();
  });

  it('moves through the funnel as milestones arrive, capturing each in the context', () => {
    const entered = start(definition, track(seed.websiteViewed));
    const account = applyEvent(definition, entered.state, track(seed.accountCreated, later(600)), facts(later(600)))!;
    expect(account.state.currentStep).toBe('await_trial');

    const payment = applyEvent(definition, account.state, track(seed.paymentMethod, later(1200)), facts(later(1200)))!;
    expect(activityTypes(payment)).toEqual(['HOLD_UPDATED']);
    expect(payment.timers[0].dueAt).toBe(later(1200 + HOUR));

    const trial = applyEvent(definition, payment.state, track(seed.trialStarted999, later(1800)), facts(later(1800)))!;
    expect(trial.state.currentStep).toBe('await_subscription');
    expect(trial.state.context.events.await_account.properties.email).toBe('tom@twilio.com');
    expect(trial.state.context.events.await_trial.event).toBe('Trial_Started');
    expect(trial.deliveries).toEqual([]);
  });
});
