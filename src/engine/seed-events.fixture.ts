/**
 * Sample events from the seed use cases (seeds/000: Journeys V2 use cases), and small builders for
 * the engine specs. Test-only; nothing outside specs imports it.
 */
import type { JourneyDefinition, JourneyStep, SendConfig } from './definition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import { startInstance } from './start-instance';
import type { TrackedEvent } from './tracked-event';

export const T0 = '2025-03-03T09:00:00.000Z';

/** `T0` plus a number of seconds, as ISO text. */
export function later(seconds: number, from = T0): string {
  return new Date(Date.parse(from) + seconds * 1000).toISOString();
}

export const HOUR = 3600;

interface SeedSample {
  userId: string;
  event: string;
  properties: Record<string, unknown>;
  context?: Record<string, unknown>;
}

let messageCounter = 0;

/** A seed sample as the ingestion API would hand it over, accepted at `receivedAt`. */
export function track(sample: SeedSample, receivedAt = T0, overrides: Partial<TrackedEvent> = {}): TrackedEvent {
  messageCounter += 1;
  return {
    userId: sample.userId,
    event: sample.event,
    properties: structuredClone(sample.properties),
    context: structuredClone(sample.context ?? {}),
    timestamp: receivedAt,
    receivedAt,
    messageId: `msg-${messageCounter}`,
    ...overrides,
  };
}

/** Facts at `now`; `performedCounts` become that many events performed at `now`, inside any window. */
export function facts(now = T0, traits: Record<string, unknown> = {}, performedCounts: Record<string, number> = {}): EngineFacts {
  const performedTimes = Object.fromEntries(Object.entries(performedCounts).map(([key, count]) => [key, new Array<number>(count).fill(Date.parse(now))]));
  return { now, traits, performedTimes };
}

const checkoutCart = [
  { productId: '001', productName: 'T-Shirt', productColor: 'green', productSize: 'Large', productPrice: '$55.34' },
  { productId: '002', productName: 'Jeans', productColor: 'blue', productSize: 'Medium', productPrice: '$99.56' },
];

export const seed = {
  orderConfirmation99: {
    userId: '99',
    event: 'Order_Confirmation',
    properties: {
      productId: '001',
      productName: 'T-Shirt',
      productColor: 'green',
      productSize: 'Large',
      productPrice: '$55.34',
      event_location: 'A',
      cart_ID: '123456',
      scenario: '01 Ordered Product',
    },
  },
  applicationStarted: {
    userId: '88',
    event: 'Application_Started',
    properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234', scenario: 'Trigger campaign with Application Started' },
  },
  applicationCompleted: {
    userId: '88',
    event: 'Application_Completed',
    properties: {
      Category: 'A',
      Tier: 'Premium',
      VIP: true,
      Application_id: '1234',
      scenario: 'Complete campaign without a nudge b/c Application was Completed',
    },
  },
  cartViewed: {
    userId: '88',
    event: 'Cart_Viewed',
    properties: { cart_ID: '123', scenario: '01 Simple Cart Abandonment', checkout_cart: checkoutCart },
  },
  checkoutCompleted: {
    userId: '88',
    event: 'Checkout_Completed',
    properties: { cart_ID: '123', scenario: '01 Simple Cart Abandonment', checkout_cart: checkoutCart },
  },
  productAdded: {
    userId: '23',
    event: 'Product_Added',
    properties: {
      productId: '001',
      productName: 'T-Shirt',
      productColor: 'green',
      productSize: 'Large',
      productPrice: '$55.34',
      cart_ID: '12345',
      scenario: '01 Simple Loopback Abandonment',
    },
  },
  cartModified: {
    userId: '23',
    event: 'Cart_Modified',
    properties: {
      productId: '002',
      productName: 'Jeans',
      productColor: 'Blue',
      productSize: 'medium',
      productPrice: '$88.43',
      productCategory: 'A',
      cart_ID: '12345',
      scenario: '01 Simple Loopback Abandonment',
      checkout_cart: checkoutCart,
    },
  },
  orderConfirmation23: {
    userId: '23',
    event: 'Order_Confirmation',
    properties: {
      productPrice: '$170.78',
      cart_ID: '12345',
      scenario: '01 Simple Loopback Abandonment',
      checkout_cart: [
        ...checkoutCart,
        { productId: '003', productName: 'Sweatshirt', productColor: 'Black', productSize: 'Medium', productPrice: '$99.08' },
      ],
    },
  },
  viewedProduct: {
    userId: '26',
    event: 'Viewed_Product',
    properties: {
      productId: '001',
      productName: 'T-Shirt',
      productColor: 'green',
      productSize: 'Large',
      productPrice: '$55.34',
      productCategory: 'A',
      session_ID: '12345',
      scenario: '01 Browse Abandonment',
    },
  },
  trialStarted747: {
    userId: '747',
    event: 'Trial_Started',
    properties: {
      productId: '001',
      productName: 'Basic Plan',
      productCategory: 'Enterprise',
      productPrice: '$55.34',
      Account_ID: '12345',
      scenario: '01 Siemens',
    },
  },
  trialEnded747: {
    userId: '747',
    event: 'Trial_Ended',
    properties: {
      productId: '001',
      productName: 'Basic Plan',
      productCategory: 'Enterprise',
      productPrice: '$55.34',
      Account_ID: '12345',
      scenario: '01 Siemens',
    },
  },
  websiteViewed: {
    userId: '999',
    event: 'Website_Viewed',
    properties: { pageViewed: 'Home', path: 'site/home', sessionID: '12345', scenario: '01 Complex Multi-step' },
  },
  accountCreated: {
    userId: '999',
    event: 'Account_Created',
    properties: { name: 'Tom', email: 'tom@twilio.com', accountID: '09876', sessionID: '12345', scenario: '01 Complex Multi-step' },
  },
  paymentMethod: {
    userId: '999',
    event: 'Payment_Method',
    properties: {
      paymentMerchant: 'Visa',
      paymentType: 'Credit Card',
      accountID: '09876',
      sessionID: '12345',
      scenario: '01 Complex Multi-step',
    },
  },
  trialStarted999: {
    userId: '999',
    event: 'Trial_Started',
    properties: {
      productId: '001',
      productName: 'Basic Plan',
      productCategory: 'Enterprise',
      productPrice: '$55.34',
      sessionID: '12345',
      accountID: '09876',
      scenario: '01 Complex Multi-step',
    },
  },
} satisfies Record<string, SeedSample>;

/** An EVENT-triggered journey with re-entry and no exit or goal unless given. */
export function journey(triggerEvent: string, steps: JourneyStep[], extra: Partial<JourneyDefinition> = {}): JourneyDefinition {
  return {
    trigger: { type: 'EVENT', event: { event: triggerEvent, filters: [] }, useHistoricalData: false },
    entry: { mode: 'REENTER_EVERY_TIME' },
    exit: [],
    steps,
    startStep: steps[0].key,
    ...extra,
  };
}

export function sendStep(key: string, next?: string, overrides: Partial<SendConfig> = {}): JourneyStep {
  return {
    key,
    name: key,
    type: 'SEND',
    next,
    send: { destinationId: 'dest-email', action: 'send', eventName: key, mapping: { data: { email: { '@path': '$.traits.email' } } }, enabled: true, ...overrides },
  };
}

export const endStep: JourneyStep = { key: 'done', name: 'Done', type: 'END' };

/**
 * Application abandonment (seed): hold up to 2 hours for Application_Completed, else nudge; one
 * instance per Application_id.
 */
export function applicationAbandonment(extra: Partial<JourneyDefinition> = {}): JourneyDefinition {
  return journey(
    'Application_Started',
    [
      {
        key: 'await_completion',
        name: 'Await completion',
        type: 'HOLD_UNTIL',
        hold: {
          branches: [{ key: 'completed', match: { event: 'Application_Completed', filters: [] }, next: 'done' }],
          updateEvents: [],
          maxDuration: 'PT2H',
          timeoutNext: 'nudge',
        },
      },
      sendStep('nudge', 'done'),
      endStep,
    ],
    { entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' }, ...extra },
  );
}

/** Cart abandonment, complex flow (seed): Cart_Modified restarts the 2-hour hold, Order_Confirmation ends it. */
export function cartModifiedFlow(): JourneyDefinition {
  return journey('Product_Added', [
    {
      key: 'cart_hold',
      name: 'Cart hold',
      type: 'HOLD_UNTIL',
      hold: {
        branches: [{ key: 'ordered', match: { event: 'Order_Confirmation', filters: [] }, next: 'done' }],
        updateEvents: [{ event: 'Cart_Modified', filters: [] }],
        maxDuration: 'PT2H',
        timeoutNext: 'cart_reminder',
      },
    },
    sendStep('cart_reminder', 'done', { mapping: { data: { lastProduct: { '@path': '$.events.cart_hold.properties.productName' } } } }),
    endStep,
  ]);
}

export const ids = { instanceId: 'inst-1' };
export const journeyIdentity = { id: 'journey-1', name: 'Application abandonment', version: 1 };

/** Starts `definition` with `event` at `T0` (or `now`) and returns the result. */
export function start(definition: JourneyDefinition, event: TrackedEvent, now = T0, traits: Record<string, unknown> = {}, uniqueId: string | null = null): EngineResult {
  return startInstance(definition, journeyIdentity, ids, event, uniqueId, facts(now, traits));
}

export function activityTypes(result: EngineResult | null): string[] {
  return result ? result.activities.map((activity) => activity.type) : [];
}

/** Freezes an object graph, so a spec fails if the engine writes to its inputs. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

