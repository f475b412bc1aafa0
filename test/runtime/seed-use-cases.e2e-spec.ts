import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { activityTypesOf, createWebhookDestination, instancesOf, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * The use cases of seed 000 (and the abandoned cart of seed 004), end to end: events in over the
 * ingestion API, outcomes read from a real webhook receiver and from the stored instances.
 * Durations are scaled from hours and days down to seconds.
 */
describe('seed use cases, end to end', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const sent = (predicate: (body: any) => boolean) => receiver.requests.map((r) => r.json as any).filter((body) => body && predicate(body));
  const sentTo = (userId: string, key?: string) => sent((b) => b.userId === userId && (!key || b.key === key));
  const waitForSent = (userId: string, count = 1, key?: string, timeoutMs = 15_000) =>
    waitFor(
      () => {
        const found = sentTo(userId, key);
        return found.length >= count ? found : undefined;
      },
      { what: `${count} deliveries to ${userId}`, timeoutMs },
    );
  const track = (message: Record<string, unknown>) => itinera.ingestion.send(message);
  const timerJobsDone = (instanceId: string) =>
    itinera.db.query(`SELECT state FROM pgboss.job WHERE name = 'instance-timers' AND data->>'instanceId' = $1`, [instanceId]).then((r) =>
      r.rows.length > 0 && r.rows.every((row) => row.state === 'completed'),
    );
  const publish = (file: string, durations: Record<string, string> = {}) => publishJourney(itinera.graphql, loadExample(file, { destinationId: webhook, durations }));

  describe('real-time event forwarding', () => {
    it('forwards Order_Confirmation to the destination at once, with the event details mapped', async () => {
      const journey = await publish('01-order-confirmation-forwarding.json');
      await track({
        userId: '99',
        event: 'Order_Confirmation',
        properties: { productId: '001', productName: 'T-Shirt', productPrice: '$55.34', cart_ID: '123456', scenario: '01 Ordered Product' },
      });
      const [delivery] = await waitForSent('99');
      expect(delivery).toMatchObject({ key: 'forward_order_confirmation', journeyId: journey.id, userId: '99' });
      expect(JSON.stringify(delivery.data)).toContain('123456');
      const [instance] = await instancesOf(itinera.db, journey.id, '99');
      expect(instance.status).toBe('COMPLETED');
      expect(delivery.idempotencyKey).toBe(`${instance.id}:forward_order_confirmation:1`);
    });

    it('does not forward an Order_Confirmation that fails the property filter (no cart_ID)', async () => {
      const journey = await publishJourney(
        itinera.graphql,
        loadExample('01-order-confirmation-forwarding.json', { destinationId: webhook, name: 'forwarding without cart' }),
      );
      await track({ userId: 'no-cart', event: 'Order_Confirmation', properties: { productId: '001' } });
      await track({ userId: 'no-cart', event: 'Cart_Viewed', properties: { cart_ID: '1' } });
      // The user's events are applied in order: once the later event is applied, the earlier one was too.
      await waitFor(async () => (await itinera.db.query(`SELECT applied_seq FROM event_cursors WHERE user_id = 'no-cart'`)).rows[0]?.applied_seq > 0);
      expect(await instancesOf(itinera.db, journey.id, 'no-cart')).toEqual([]);
    });
  });

  describe('application abandonment', () => {
    let journeyId: string;
    beforeAll(async () => {
      journeyId = (await publish('02-application-abandonment.json', { PT2H: 'PT2S' })).id;
    });
    const started = (userId: string, id: string) => ({
      userId,
      event: 'Application_Started',
      properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: id, scenario: 'Trigger campaign with Application Started' },
    });
    const completed = (userId: string, id: string) => ({ ...started(userId, id), event: 'Application_Completed' });

    it('does not nudge when Application_Completed arrives before the hold expires', async () => {
      await track(started('88', '1234'));
      const [instance] = await waitFor(async () => {
        const waiting = (await instancesOf(itinera.db, journeyId, '88')).filter((i) => i.current_step === 'wait_for_completion');
        return waiting.length > 0 && waiting;
      });
      await track(completed('88', '1234'));
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, '88'))[0].status === 'COMPLETED');
      await waitFor(() => timerJobsDone(instance.id), { what: 'the stale hold timer to fire' });
      expect(sentTo('88')).toEqual([]);
      expect(await activityTypesOf(itinera.db, instance.id)).toEqual([
        'ENTERED',
        'STEP_ENTERED:wait_for_completion',
        'HOLD_MATCHED:wait_for_completion',
        'COMPLETED:wait_for_completion',
      ]);
    });

    it('nudges once when the application is not completed within the hold', async () => {
      await track(started('89', '2001'));
      const [nudge] = await waitForSent('89');
      expect(nudge.key).toBe('application_nudge');
      expect(nudge.data).toMatchObject({ user: '89', application_id: '2001', tier: 'Premium' });
      const [instance] = await instancesOf(itinera.db, journeyId, '89');
      await waitFor(() => timerJobsDone(instance.id));
      expect(sentTo('89')).toHaveLength(1);
      expect(instance.status).toBe('COMPLETED');
    });

    it('follows two applications with different Application_id apart: only the uncompleted one is nudged', async () => {
      await track(started('90', '1234'));
      await track(started('90', '5678'));
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, '90')).length === 2);
      await track(completed('90', '1234'));
      const [nudge] = await waitForSent('90');
      expect(nudge.data.application_id).toBe('5678');
      const instances = await instancesOf(itinera.db, journeyId, '90');
      expect(instances.map((i) => [i.unique_id, i.status])).toEqual([
        ['1234', 'COMPLETED'],
        ['5678', 'COMPLETED'],
      ]);
      await Promise.all(instances.map((i) => waitFor(() => timerJobsDone(i.id))));
      expect(sentTo('90')).toHaveLength(1);
    });

    it('does not start a second instance for an Application_id that is still active', async () => {
      await track(started('91', '7777'));
      await track(started('91', '7777'));
      await track({ userId: '91', event: 'Ping' });
      await waitFor(async () => (await itinera.db.query(`SELECT 1 FROM event_cursors WHERE user_id = '91' AND applied_seq > 0`)).rowCount);
      await waitFor(async () => Number((await itinera.db.query(`SELECT max(seq) AS s FROM events WHERE user_id = '91' AND applies`)).rows[0].s) ===
        Number((await itinera.db.query(`SELECT applied_seq FROM event_cursors WHERE user_id = '91'`)).rows[0].applied_seq));
      expect(await instancesOf(itinera.db, journeyId, '91')).toHaveLength(1);
    });
  });

  describe('cart abandonment', () => {
    let journeyId: string;
    beforeAll(async () => {
      journeyId = (await publish('03-cart-abandonment.json', { PT1H: 'PT2S' })).id;
    });
    const cart = [
      { productId: '001', productName: 'T-Shirt', productColor: 'green', productSize: 'Large', productPrice: '$55.34' },
      { productId: '002', productName: 'Jeans', productColor: 'blue', productSize: 'Medium', productPrice: '$99.56' },
    ];

    it('reminds a user who viewed the cart and did not check out', async () => {
      await track({ userId: 'cart-1', event: 'Cart_Viewed', properties: { cart_ID: '123', scenario: '01 Simple Cart Abandonment', checkout_cart: cart } });
      const [reminder] = await waitForSent('cart-1');
      expect(reminder.key).toBe('cart_reminder');
    });

    it('does not remind a user who completed the checkout', async () => {
      await track({ userId: 'cart-2', event: 'Cart_Viewed', properties: { cart_ID: '124', checkout_cart: cart } });
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'cart-2')).length === 1);
      await track({ userId: 'cart-2', event: 'Checkout_Completed', properties: { cart_ID: '124', checkout_cart: cart } });
      const [instance] = await waitFor(async () => {
        const rows = await instancesOf(itinera.db, journeyId, 'cart-2');
        return rows[0]?.status === 'COMPLETED' && rows;
      });
      await waitFor(() => timerJobsDone(instance.id));
      expect(sentTo('cart-2')).toEqual([]);
    });
  });

  describe('cart abandonment with Cart_Modified', () => {
    it('restarts the timer on every Cart_Modified and sends the latest cart', async () => {
      const journey = await publish('04-cart-abandonment-cart-modified.json', { PT2H: 'PT3S' });
      await track({ userId: 'mod-1', event: 'Product_Added', properties: { cart_ID: '555', productName: 'T-Shirt' } });
      await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'mod-1')).length === 1);
      const firstCart = [{ productId: '001', productName: 'T-Shirt' }];
      const latestCart = [...firstCart, { productId: '002', productName: 'Jeans' }];
      await track({ userId: 'mod-1', event: 'Cart_Modified', properties: { cart_ID: '555', checkout_cart: firstCart } });
      await waitFor(async () => (await activityTypesOf(itinera.db, (await instancesOf(itinera.db, journey.id, 'mod-1'))[0].id)).includes('HOLD_UPDATED:wait_for_order'));
      const lastModifiedAt = Date.now();
      await track({ userId: 'mod-1', event: 'Cart_Modified', properties: { cart_ID: '555', checkout_cart: latestCart } });

      const [reminder] = await waitForSent('mod-1');
      const { receivedAt } = receiver.requests.find((r) => (r.json as any)?.userId === 'mod-1')!;
      expect(reminder.data.latest_cart).toEqual(latestCart);
      expect(reminder.data.cart_id).toBe('555');
      // Not before maxDuration after the last modification (the first timer was superseded).
      expect(receivedAt - lastModifiedAt).toBeGreaterThanOrEqual(2_900);
      const [instance] = await instancesOf(itinera.db, journey.id, 'mod-1');
      expect(instance.context.events.wait_for_order.properties.checkout_cart).toEqual(latestCart);
      await waitFor(() => timerJobsDone(instance.id));
      expect(sentTo('mod-1')).toHaveLength(1);
    });
  });

  describe('browse abandonment', () => {
    let journeyId: string;
    beforeAll(async () => {
      journeyId = (await publish('05-browse-abandonment.json', { PT1H: 'PT2S' })).id;
    });

    it('reminds a browser who added nothing to the cart through both holds', async () => {
      await track({ userId: 'browse-1', event: 'Viewed_Product', properties: { productCategory: 'A', session_ID: 's-1', productName: 'T-Shirt' } });
      const [reminder] = await waitForSent('browse-1');
      expect(reminder.key).toBe('browse_reminder');
      const [instance] = await instancesOf(itinera.db, journeyId, 'browse-1');
      const activity = await activityTypesOf(itinera.db, instance.id);
      expect(activity.filter((a) => a.startsWith('HOLD_TIMED_OUT'))).toEqual(['HOLD_TIMED_OUT:browsing', 'HOLD_TIMED_OUT:still_browsing']);
    });

    it('does not remind a browser who adds the product during the first hold, nor one of another category', async () => {
      await track({ userId: 'browse-2', event: 'Viewed_Product', properties: { productCategory: 'B', session_ID: 's-2' } });
      await track({ userId: 'browse-3', event: 'Viewed_Product', properties: { productCategory: 'C', session_ID: 's-3' } });
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'browse-2')).length === 1);
      await track({ userId: 'browse-2', event: 'Product_Added', properties: { session_ID: 's-2' } });
      const [instance] = await waitFor(async () => {
        const rows = await instancesOf(itinera.db, journeyId, 'browse-2');
        return rows[0]?.status === 'COMPLETED' && rows;
      });
      await waitFor(() => timerJobsDone(instance.id));
      expect(sentTo('browse-2')).toEqual([]);
      expect(await instancesOf(itinera.db, journeyId, 'browse-3')).toEqual([]);
    });
  });

  describe('trial re-engagement', () => {
    it('sends two reminders to a trial user who never ends the trial, and admits them only once', async () => {
      const journey = await publish('06-trial-re-engagement.json', { P3D: 'PT2S' });
      await track({ userId: 'trial-1', event: 'Trial_Started', properties: { plan: 'pro' } });
      const reminders = await waitForSent('trial-1', 2, undefined, 20_000);
      expect(reminders.map((r) => r.key)).toEqual(['first_trial_reminder', 'second_trial_reminder']);
      await track({ userId: 'trial-1', event: 'Trial_Started', properties: { plan: 'pro' } });
      await track({ userId: 'trial-1', event: 'Ping' });
      await waitFor(async () => Number((await itinera.db.query(`SELECT max(seq) AS s FROM events WHERE user_id = 'trial-1' AND applies`)).rows[0].s) ===
        Number((await itinera.db.query(`SELECT applied_seq FROM event_cursors WHERE user_id = 'trial-1'`)).rows[0].applied_seq));
      const instances = await instancesOf(itinera.db, journey.id, 'trial-1');
      expect(instances.map((i) => i.status)).toEqual(['COMPLETED']);
    });
  });

  describe('multi-step funnel with loopback', () => {
    it('loops the account reminder back while the user still visits, then follows the funnel to the goal', async () => {
      const journey = await publish('07-multi-step-funnel-loopback.json', { P1D: 'PT2S', P3D: 'PT2S', P14D: 'PT2S' });
      await track({ userId: 'funnel-1', event: 'Website_Viewed', properties: { sessionID: 'f-1', page: '/pricing' } });
      const reminders = await waitForSent('funnel-1', 2, 'account_reminder', 20_000);
      // Each pass through the loop is a new visit of the send step, so a new idempotency key.
      expect(reminders[0].idempotencyKey).toMatch(/:account_reminder:1$/);
      expect(reminders[1].idempotencyKey).toMatch(/:account_reminder:2$/);

      await track({ userId: 'funnel-1', event: 'Account_Created', properties: { sessionID: 'f-1' } });
      await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'funnel-1'))[0].current_step === 'await_trial');
      await track({ userId: 'funnel-1', event: 'Trial_Started', properties: { sessionID: 'f-1' } });
      await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'funnel-1'))[0].current_step === 'await_subscription');
      await track({ userId: 'funnel-1', event: 'Subscription Started', properties: { sessionID: 'f-1' } });
      const [instance] = await waitFor(async () => {
        const rows = await instancesOf(itinera.db, journey.id, 'funnel-1');
        return rows[0].status === 'COMPLETED' && rows;
      });
      expect(instance.converted).toBe(true);
      expect(instance.current_step).toBeNull();
    });
  });

  describe('abandoned cart of seed 004: trigger condition, exit, if/then hold, goal', () => {
    let journeyId: string;
    beforeAll(async () => {
      journeyId = (await publish('08-abandoned-cart-goal-exit.json', { P1D: 'PT2S' })).id;
    });
    const abandoned = (userId: string, total: number) => ({ userId, event: 'Abandoned cart', properties: { total, cart_ID: `c-${userId}` } });

    it('admits only carts over 50, and runs email → no open → text → wait → push', async () => {
      await track(abandoned('ac-small', 30));
      await track(abandoned('ac-1', 70));
      const messages = await waitForSent('ac-1', 3, undefined, 20_000);
      expect(messages.map((m) => m.key)).toEqual(['initial_email_reminder', 'second_text_reminder', 'final_push_notification']);
      expect(messages.map((m) => m.event)).toEqual(['Initial email reminder', 'Second text reminder', 'Final push notification']);
      expect(await instancesOf(itinera.db, journeyId, 'ac-small')).toEqual([]);
    });

    it('takes the opened branch when the email is opened within the day', async () => {
      await track(abandoned('ac-2', 80));
      await waitForSent('ac-2');
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'ac-2'))[0]?.current_step === 'email_opened_check');
      await track({ userId: 'ac-2', event: 'Email opened', properties: { email_name: 'Initial email reminder' } });
      const [instance] = await waitFor(async () => {
        const rows = await instancesOf(itinera.db, journeyId, 'ac-2');
        return rows[0].status === 'COMPLETED' && rows;
      });
      await waitFor(() => timerJobsDone(instance.id));
      expect(sentTo('ac-2').map((m) => m.key)).toEqual(['initial_email_reminder']);
    });

    it('exits at any step on Purchase completed, counting the goal, and reports the conversion percent', async () => {
      await track(abandoned('ac-3', 90));
      await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'ac-3'))[0]?.current_step === 'email_opened_check');
      await track({ userId: 'ac-3', event: 'Purchase completed', properties: { total: 90 } });
      const [instance] = await waitFor(async () => {
        const rows = await instancesOf(itinera.db, journeyId, 'ac-3');
        return rows[0].status === 'EXITED' && rows;
      });
      expect(instance.exit_reason).toBe('exit_event');
      expect(instance.converted).toBe(true);
      expect(await activityTypesOf(itinera.db, instance.id)).toEqual(expect.arrayContaining(['GOAL_MET:email_opened_check', 'EXITED:email_opened_check']));

      const { journey } = await itinera.graphql.query(
        `query ($id: ID!) { journey(id: $id) { goal { targetPercent } stats { entered converted conversionPercent } } }`,
        { id: journeyId },
      );
      const entered = (await instancesOf(itinera.db, journeyId)).length;
      const converted = (await instancesOf(itinera.db, journeyId)).filter((i) => i.converted).length;
      expect(journey.goal.targetPercent).toBe(50);
      expect(journey.stats).toEqual({ entered, converted, conversionPercent: (converted / entered) * 100 });
    });
  });
});
