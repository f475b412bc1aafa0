import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { instancesOf } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { channelDeliveries, createChannels, eventsApplied, isMember, publishAudienceExample, waitForDeliveries } from './audience-fixtures';

/**
 * The audience-based journeys of seed 003 (examples/audiences/01..05 and 07), end to end: events in over the
 * ingestion API, each channel a webhook destination on a real local receiver (`/email`, `/ads`, `/support`,
 * `/in_app`). Hours and days are scaled down to seconds.
 */
describe('seed 003: audience-based journeys, end to end', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let channels: Record<string, string>;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
    receiver = await startRecordingServer();
    channels = await createChannels(itinera.graphql, receiver, ['EMAIL', 'ADS', 'SUPPORT', 'IN_APP']);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const track = (userId: string, event: string, properties: Record<string, unknown> = {}) => itinera.ingestion.send({ userId, event, properties });
  const sent = (userId: string) => channelDeliveries(receiver, userId).map((d) => `${d.channel} ${d.key}`);
  const atStep = (journeyId: string, userId: string, step: string) =>
    waitFor(async () => (await instancesOf(itinera.db, journeyId, userId))[0]?.current_step === step, { what: `${userId} to reach ${step}` });
  /**
   * Waits until the user's instance has ended and its deliveries have landed, then checks what each channel
   * got. Deliveries run in parallel, so their arrival order is not the step order: compared as sets.
   */
  const expectSentWhenDone = async (journeyId: string, userId: string, expected: string[]) => {
    await waitFor(async () => ['COMPLETED', 'EXITED'].includes((await instancesOf(itinera.db, journeyId, userId))[0]?.status), {
      what: `${userId} to finish the journey`,
    });
    await waitFor(async () => (await itinera.db.query(`SELECT 1 FROM deliveries WHERE user_id = $1 AND status <> 'DELIVERED'`, [userId])).rowCount === 0);
    expect(sent(userId).sort()).toEqual([...expected].sort());
  };

  describe('cart abandonment: Product Added within 1 day and no Order Completed', () => {
    let cart: { audienceId: string; journeyId: string };
    beforeAll(async () => {
      cart = await publishAudienceExample(itinera, '01-cart-abandonment.json', channels, { PT1H: 'PT1S', P1D: 'PT3S' }, (example) => {
        // The split looks back over the whole wait; a click right after the ad would sit on the window's
        // edge at this scale, so its window is widened beyond the 3 s wait.
        example.journey.steps.find((s: any) => s.key === 'clicked_the_ad').split.condition.performed[0].within = 'PT10S';
      });
    });

    it('puts a cart abandoner in the ads audience after the hour, then sends email and ads once they come back through the ad', async () => {
      await track('cart-1', 'Product Added', { product_id: '507f1f77bcf86cd799439011', name: 'Monopoly: 3rd Edition', price: 18.99 });
      expect((await waitForDeliveries(receiver, 'cart-1', 1)).map((d) => `${d.channel} ${d.key}`)).toEqual(['ads ads_audience']);
      await itinera.ingestion.page({ userId: 'cart-1', name: 'Cart', properties: { path: '/cart', utm_source: 'facebook' } });
      await expectSentWhenDone(cart.journeyId, 'cart-1', ['ads ads_audience', 'email engaged_email', 'ads engaged_ads']);
    });

    it('sends only the reminder email to an abandoner who did not come back', async () => {
      await track('cart-2', 'Product Added', { product_id: '505bd76785ebb509fc183733', name: 'Uno Card Game', price: 3 });
      await expectSentWhenDone(cart.journeyId, 'cart-2', ['ads ads_audience', 'email reminder_email']);
    });

    it('does not admit a shopper who completed an order within the day', async () => {
      await track('cart-3', 'Order Completed', { order_id: '50314b8e9bcf000000000000', total: 27.5 });
      await track('cart-3', 'Product Added', { product_id: '507f1f77bcf86cd799439011' });
      await eventsApplied(itinera, 'cart-3');
      expect(await isMember(itinera, cart.audienceId, 'cart-3')).toBe(false);
      expect(await instancesOf(itinera.db, cart.journeyId, 'cart-3')).toEqual([]);
    });

    describe('what is sent to destinations: membership as track and identify calls (examples/audiences/07)', () => {
      const KEY = 'j_o_cart_abandoners_to_the_ads_list__ads_list_k3x9q1';
      let collector: RecordingServer;
      beforeAll(async () => {
        collector = await startRecordingServer();
        const { createDestination } = await itinera.graphql.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
          input: { name: 'Ads tool', plugin: 'tracking-api', settings: { host: collector.url, writeKey: 'wk_ads_tool' } },
        });
        await publishAudienceExample(itinera, '07-membership-to-tracking-api.json', { AUDIENCE: cart.audienceId, TRACKING_API: createDestination.id });
      });
      afterAll(() => collector.close());

      const calls = (userId: string) =>
        collector.requests
          .map((r) => ({ path: r.path, body: r.json as any }))
          .filter((c) => c.body?.userId === userId)
          .map(({ path, body }) => (path === '/v1/track' ? { type: 'track', event: body.event, properties: body.properties } : { type: 'identify', traits: body.traits }));

      it('sends Audience Entered with the step key property "true", then Audience Exited with "false" when the user leaves the audience', async () => {
        await track('sync-1', 'Product Added', { product_id: '507f1f77bcf86cd799439011' });
        await waitFor(() => calls('sync-1').length >= 2, { what: 'the entry calls' });
        expect(await isMember(itinera, cart.audienceId, 'sync-1')).toBe(true);
        // The 1-day window (3 s here) passes with no new Product Added: the user leaves, and the list follows.
        await waitFor(() => calls('sync-1').length >= 4, { what: 'the exit calls' });
        expect(await isMember(itinera, cart.audienceId, 'sync-1')).toBe(false);
        // The track and identify of one change are two deliveries, which may land in either order.
        const [entered, exited] = [calls('sync-1').slice(0, 2), calls('sync-1').slice(2)];
        expect(entered).toEqual(
          expect.arrayContaining([
            { type: 'track', event: 'Audience Entered', properties: { [KEY]: 'true' } },
            { type: 'identify', traits: { [KEY]: 'true' } },
          ]),
        );
        expect(exited).toEqual(
          expect.arrayContaining([
            { type: 'track', event: 'Audience Exited', properties: { [KEY]: 'false' } },
            { type: 'identify', traits: { [KEY]: 'false' } },
          ]),
        );
        const request = collector.requests.find((r) => (r.json as any)?.userId === 'sync-1')!;
        expect(request.headers.authorization).toBe(`Basic ${Buffer.from('wk_ads_tool:').toString('base64')}`);
      });

      it('sends "false" as soon as an Order Completed takes the user out', async () => {
        await track('sync-2', 'Product Added', { product_id: '1' });
        await waitFor(() => calls('sync-2').length >= 2);
        await track('sync-2', 'Order Completed', { order_id: '2', total: 18.99 });
        await waitFor(() => calls('sync-2').length >= 4);
        expect(calls('sync-2').map((c) => c.properties?.[KEY] ?? c.traits?.[KEY])).toEqual(['true', 'true', 'false', 'false']);
      });
    });
  });

  describe('low recency purchase winback: ordered before, but not within 180 days', () => {
    let winback: { journeyId: string };
    beforeAll(async () => {
      winback = await publishAudienceExample(itinera, '02-low-recency-winback.json', channels, { P180D: 'PT3S', P1D: 'PT1S' });
    });

    it('wins back a high-value purchaser by email and ads once the last order leaves the window, and sends a discount when they come back', async () => {
      await itinera.ingestion.identify({ userId: 'winback-1', traits: { email: 'peter@example.com', ltv: 150 } });
      await track('winback-1', 'Order Completed', { order_id: '50314b8e9bcf000000000000', total: 150 });
      await waitForDeliveries(receiver, 'winback-1', 2, 20_000);
      expect(sent('winback-1').sort()).toEqual(['ads vip_ads', 'email vip_email']);
      await atStep(winback.journeyId, 'winback-1', 'came_back');
      await itinera.ingestion.page({ userId: 'winback-1', name: 'Home', properties: { path: '/', utm_source: 'winback' } });
      await expectSentWhenDone(winback.journeyId, 'winback-1', ['email vip_email', 'ads vip_ads', 'email discount_email']);
    });

    it('sends the plain winback email to a purchaser of lifetime value 100 or less', async () => {
      await itinera.ingestion.identify({ userId: 'winback-2', traits: { ltv: 40 } });
      await track('winback-2', 'Order Completed', { order_id: '50314b8e9bcf000000000001', total: 40 });
      await expectSentWhenDone(winback.journeyId, 'winback-2', ['email winback_email']);
    });
  });

  describe('trial to paid conversion: Trial Started, and Subscription Started zero times', () => {
    let trial: { audienceId: string; journeyId: string };
    beforeAll(async () => {
      trial = await publishAudienceExample(itinera, '03-trial-to-paid.json', channels, { P5D: 'PT2S' });
    });

    it('welcomes a trial user who subscribed during the five days, by email and support', async () => {
      await track('trial-1', 'Trial Started', { plan: 'Pro' });
      await atStep(trial.journeyId, 'trial-1', 'wait_five_days');
      await track('trial-1', 'Subscription Started', { plan: 'Pro' });
      // Subscribing takes the user out of the audience; the journey they entered goes on.
      await waitFor(async () => !(await isMember(itinera, trial.audienceId, 'trial-1')));
      await expectSentWhenDone(trial.journeyId, 'trial-1', ['email welcome_email', 'support welcome_support']);
    });

    it('reaches a trial user who did not subscribe through email, support and ads', async () => {
      await track('trial-2', 'Trial Started', { plan: 'Pro' });
      await expectSentWhenDone(trial.journeyId, 'trial-2', ['email convert_email', 'support convert_support', 'ads convert_ads']);
    });

    it('does not admit a user who subscribed before starting a trial', async () => {
      await track('trial-3', 'Subscription Started', { plan: 'Pro' });
      await track('trial-3', 'Trial Started', { plan: 'Pro' });
      await eventsApplied(itinera, 'trial-3');
      expect(await instancesOf(itinera.db, trial.journeyId, 'trial-3')).toEqual([]);
    });
  });

  describe('onboarding flow: Account Created at least once', () => {
    let onboarding: { journeyId: string };
    beforeAll(async () => {
      onboarding = await publishAudienceExample(itinera, '04-onboarding.json', channels, { PT1H: 'PT2S' });
    });

    it('sends next steps by email, support and in-app to a new account that completed the tutorial within the hour', async () => {
      await track('onboard-1', 'Account Created', { account_name: 'Initech' });
      await atStep(onboarding.journeyId, 'onboard-1', 'wait_an_hour');
      await track('onboard-1', 'Tutorial Completed', { tutorial: 'getting-started' });
      await expectSentWhenDone(onboarding.journeyId, 'onboard-1', ['email tips_email', 'support tips_support', 'in_app tips_in_app']);
    });

    it('adds advertising for a new account that skipped the tutorial', async () => {
      await track('onboard-2', 'Account Created', { account_name: 'Initrode' });
      await expectSentWhenDone(onboarding.journeyId, 'onboard-2', [
        'email tutorial_email',
        'support tutorial_support',
        'in_app tutorial_in_app',
        'ads tutorial_ads',
      ]);
    });
  });

  describe('paid subscription acquisition: Subscription Started with plan type Free', () => {
    let subscription: { audienceId: string; journeyId: string };
    beforeAll(async () => {
      subscription = await publishAudienceExample(itinera, '05-paid-subscription.json', channels, { PT1H: 'PT1S', P7D: 'PT2S' });
    });

    it('welcomes a free-trial subscriber after the hour, and thanks them when they go paid within the seven days', async () => {
      await track('sub-1', 'Subscription Started', { subscription_plan_type: 'Free' });
      await waitForDeliveries(receiver, 'sub-1', 1);
      await track('sub-1', 'Subscription Started', { subscription_plan_type: 'paid' });
      await expectSentWhenDone(subscription.journeyId, 'sub-1', ['email trial_email', 'email thanks_email']);
    });

    it('sends the offer by email and ads to a free-trial subscriber who stays free', async () => {
      await track('sub-2', 'Subscription Started', { subscription_plan_type: 'Free' });
      await expectSentWhenDone(subscription.journeyId, 'sub-2', ['email trial_email', 'email offer_email', 'ads offer_ads']);
    });

    it('does not admit a subscriber who started on a paid plan', async () => {
      await track('sub-3', 'Subscription Started', { subscription_plan_type: 'paid' });
      await eventsApplied(itinera, 'sub-3');
      expect(await isMember(itinera, subscription.audienceId, 'sub-3')).toBe(false);
      expect(await instancesOf(itinera.db, subscription.journeyId, 'sub-3')).toEqual([]);
    });
  });
});
