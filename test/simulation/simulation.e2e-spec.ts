import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, instancesOf, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const SIMULATE = `
  query ($journeyId: ID, $journey: JourneyInput, $profile: SimulationProfileInput, $script: [SimulationScriptEntryInput!]!, $startAt: DateTime) {
    simulateJourney(journeyId: $journeyId, journey: $journey, profile: $profile, script: $script, startAt: $startAt) {
      startedAt endedAt
      instances { id status currentStep uniqueId converted exitReason enteredAt endedAt waitingUntil context }
      timeline { instanceId type stepKey detail at }
      decisions { instanceId stepKey stepType branch reason at }
      sends { instanceId at stepKey destinationId action eventName idempotencyKey payload problems { path message } }
    }
  }`;
const START = '2025-03-03T09:00:00.000Z';
const HOUR_MS = 3_600_000;

/** `TYPE:step@hours`, hours after the start, for reading a timeline at a glance. */
const shape = (timeline: { type: string; stepKey: string | null; at: string }[]) =>
  timeline.map((r) => `${r.type}:${r.stepKey ?? '-'}@${(Date.parse(r.at) - Date.parse(START)) / HOUR_MS}`);

/**
 * `simulateJourney` over the API: one simulation per seed use case (examples 01 to 09) at the examples'
 * own durations, hours and days answered at once, with each send's payload built by the webhook plugin's
 * action; and the Cart_Modified timer reset simulated against the timeline of the same journey run live.
 */
describe('simulateJourney', () => {
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

  const simulate = async (file: string, script: unknown[], profile?: unknown) =>
    (await itinera.graphql.query(SIMULATE, { journey: loadExample(file, { destinationId: webhook }), script, profile, startAt: START })).simulateJourney;
  const simulate2 = async (journey: unknown, script: unknown[]) => (await itinera.graphql.query(SIMULATE, { journey, script, startAt: START })).simulateJourney;
  const track = (at: string, event: string, properties: Record<string, unknown> = {}) => ({ at, track: { event, properties } });

  describe('one simulation per seed use case', () => {
    it('01 real-time forwarding: sends the order at once, mapped for the webhook', async () => {
      const result = await simulate('01-order-confirmation-forwarding.json', [track('PT0S', 'Order_Confirmation', { cart_ID: '123456', productName: 'T-Shirt' })]);
      expect(shape(result.timeline)).toEqual(['ENTERED:-@0', 'STEP_ENTERED:forward_order_confirmation@0', 'COMPLETED:forward_order_confirmation@0']);
      expect(result.sends).toHaveLength(1);
      expect(result.sends[0]).toMatchObject({ stepKey: 'forward_order_confirmation', destinationId: webhook, action: 'send', problems: [] });
      expect(JSON.stringify(result.sends[0].payload.data)).toContain('123456');
      expect(receiver.requests.filter((r) => (r.json as any)?.userId === 'simulated-user')).toEqual([]);
    });

    it('02 application abandonment: nudges only the application not completed within two hours', async () => {
      const result = await simulate('02-application-abandonment.json', [
        track('PT0S', 'Application_Started', { Application_id: '1' }),
        track('PT1M', 'Application_Started', { Application_id: '2' }),
        track('PT30M', 'Application_Completed', { Application_id: '2' }),
        { advanceTo: 'PT3H' },
      ]);
      expect(result.instances.map((i: any) => [i.uniqueId, i.status])).toEqual([
        ['1', 'COMPLETED'],
        ['2', 'COMPLETED'],
      ]);
      expect(result.sends.map((s: any) => [s.stepKey, Date.parse(s.at) - Date.parse(START)])).toEqual([['application_nudge', 2 * HOUR_MS]]);
      expect(result.decisions.map((d: any) => d.branch)).toEqual(['completed', 'timeout']);
    });

    it('03 cart abandonment: reminds after the hour with the cart viewed', async () => {
      const cart = [{ productId: '001', productName: 'T-Shirt' }];
      const result = await simulate('03-cart-abandonment.json', [track('PT0S', 'Cart_Viewed', { cart_ID: '123', checkout_cart: cart }), { advanceTo: 'PT2H' }]);
      expect(shape(result.timeline)).toEqual([
        'ENTERED:-@0',
        'STEP_ENTERED:wait_for_checkout@0',
        'HOLD_TIMED_OUT:wait_for_checkout@1',
        'STEP_ENTERED:cart_reminder@1',
        'COMPLETED:cart_reminder@1',
      ]);
      expect(result.sends[0].problems).toEqual([]);
      expect(JSON.stringify(result.sends[0].payload)).toContain('T-Shirt');
    });

    it('04 cart abandonment with Cart_Modified: each modification restarts the two hours, the reminder carries the latest cart', async () => {
      const latest = [{ productId: '001' }, { productId: '002' }];
      const result = await simulate(
        '04-cart-abandonment-cart-modified.json',
        [
          track('PT0S', 'Product_Added', { cart_ID: '555', productName: 'T-Shirt' }),
          track('PT1H', 'Cart_Modified', { cart_ID: '555', checkout_cart: [{ productId: '001' }] }),
          track('PT2H30M', 'Cart_Modified', { cart_ID: '555', checkout_cart: latest }),
          { advanceTo: 'P1D' },
        ],
        { traits: { first_name: 'Ada' } },
      );
      expect(shape(result.timeline)).toEqual([
        'ENTERED:-@0',
        'STEP_ENTERED:wait_for_order@0',
        'HOLD_UPDATED:wait_for_order@1',
        'HOLD_UPDATED:wait_for_order@2.5',
        'HOLD_TIMED_OUT:wait_for_order@4.5',
        'STEP_ENTERED:cart_reminder@4.5',
        'COMPLETED:cart_reminder@4.5',
      ]);
      expect(result.sends[0].payload.data).toMatchObject({ cart_id: '555', latest_cart: latest, greeting: 'Hi Ada, your cart is still waiting.' });
    });

    it('05 browse abandonment: two holds of an hour, then the reminder; a view restarts the hold', async () => {
      const result = await simulate('05-browse-abandonment.json', [
        track('PT0S', 'Viewed_Product', { productCategory: 'A', session_ID: 's1', productName: 'Jeans' }),
        track('PT30M', 'Viewed_Product', { productCategory: 'A', session_ID: 's1', productName: 'Socks' }),
        { advanceTo: 'PT5H' },
      ]);
      expect(shape(result.timeline)).toEqual([
        'ENTERED:-@0',
        'STEP_ENTERED:browsing@0',
        'HOLD_UPDATED:browsing@0.5',
        'HOLD_TIMED_OUT:browsing@1.5',
        'STEP_ENTERED:still_browsing@1.5',
        'HOLD_TIMED_OUT:still_browsing@2.5',
        'STEP_ENTERED:browse_reminder@2.5',
        'COMPLETED:browse_reminder@2.5',
      ]);
      expect(result.sends.map((s: any) => s.problems)).toEqual([[]]);
    });

    it('06 trial re-engagement: a three-day hold twice, two reminders, entered once', async () => {
      const result = await simulate('06-trial-re-engagement.json', [
        track('PT0S', 'Trial_Started'),
        track('P1D', 'Trial_Started'),
        { advanceTo: 'P7D' },
      ]);
      expect(result.instances).toHaveLength(1);
      expect(result.sends.map((s: any) => [s.stepKey, (Date.parse(s.at) - Date.parse(START)) / HOUR_MS])).toEqual([
        ['first_trial_reminder', 72],
        ['second_trial_reminder', 144],
      ]);
      expect(result.endedAt).toBe(new Date(Date.parse(START) + 7 * 24 * HOUR_MS).toISOString());
    });

    it('07 funnel with loopback: the split counts recent visits, loops the reminder back, then the goal converts', async () => {
      const result = await simulate('07-multi-step-funnel-loopback.json', [
        track('PT0S', 'Website_Viewed', { sessionID: 'w1' }),
        track('PT30H', 'Account_Created', { sessionID: 'w1' }),
        track('PT40H', 'Trial_Started', { sessionID: 'w1' }),
        track('PT50H', 'Subscription Started', { sessionID: 'w1' }),
      ]);
      expect(result.decisions.map((d: any) => `${d.stepKey}:${d.branch}:${d.reason}`)).toEqual([
        'await_account:timeout:no branch event within P1D',
        'still_visiting:true:the condition held',
        'await_account:account_created:event "Account_Created" matched branch "account_created"',
        'await_trial:trial_started:event "Trial_Started" matched branch "trial_started"',
        'await_subscription:subscribed:event "Subscription Started" matched branch "subscribed"',
      ]);
      expect(result.sends.map((s: any) => s.stepKey)).toEqual(['account_reminder']);
      expect(result.instances[0]).toMatchObject({ status: 'COMPLETED', converted: true });
    });

    it('08 abandoned cart over 50: email, no open, text, a day, push; the purchase exits and converts', async () => {
      const result = await simulate('08-abandoned-cart-goal-exit.json', [
        track('PT0S', 'Abandoned cart', { total: 80 }),
        track('PT1H', 'Abandoned cart', { total: 20 }),
        { advanceTo: 'P3D' },
        track('P3DT1H', 'Abandoned cart', { total: 90 }),
        track('P3DT2H', 'Purchase completed'),
      ]);
      expect(result.instances.map((i: any) => [i.status, i.exitReason, i.converted])).toEqual([
        ['COMPLETED', null, false],
        ['EXITED', 'exit_event', true],
      ]);
      expect(result.sends.map((s: any) => [s.stepKey, (Date.parse(s.at) - Date.parse(START)) / HOUR_MS])).toEqual([
        ['initial_email_reminder', 0],
        ['second_text_reminder', 24],
        ['final_push_notification', 48],
        ['initial_email_reminder', 73],
      ]);
    });

    it('09 A/B/n trial nudge: the random split draws from the instance id, the same branch on every run, and the sends follow it', async () => {
      const result = await simulate('09-trial-nudge-ab-test.json', [track('PT0S', 'Trial_Started'), { advanceTo: 'P2D' }]);
      const [decision] = result.decisions;
      expect(decision).toMatchObject({ stepKey: 'nudge_channel_test', stepType: 'RANDOM_SPLIT', reason: expect.stringContaining('instance id') });
      const expectedSends: Record<string, string[]> = { email: ['email_nudge'], sms: ['sms_nudge'], control: [] };
      expect(result.sends.map((s: any) => s.stepKey)).toEqual(expectedSends[decision.branch]);
      // The same script gives the same instance id, so the same draw.
      const again = await simulate('09-trial-nudge-ab-test.json', [track('PT0S', 'Trial_Started'), { advanceTo: 'P2D' }]);
      expect(again.decisions[0].branch).toBe(decision.branch);
    });
  });

  it('matches the live timeline of the Cart_Modified timer reset, record for record, relative to entry', async () => {
    const journey = await publishJourney(itinera.graphql, loadExample('04-cart-abandonment-cart-modified.json', { destinationId: webhook, durations: { PT2H: 'PT3S' }, name: 'live cart' }));
    const userId = 'live-mod';
    const live = async () => {
      const [instance] = await instancesOf(itinera.db, journey.id, userId);
      if (!instance) return [];
      const rows = await itinera.db.query('SELECT type, step_key, detail, at FROM activities WHERE instance_id = $1 ORDER BY id', [instance.id]);
      return rows.rows as { type: string; step_key: string | null; detail: any; at: Date }[];
    };
    const updates = async (n: number) => waitFor(async () => (await live()).filter((r) => r.type === 'HOLD_UPDATED').length >= n, { what: `${n} HOLD_UPDATED` });
    await itinera.ingestion.send({ userId, event: 'Product_Added', properties: { cart_ID: '777', productName: 'T-Shirt' } });
    await waitFor(async () => (await live()).length > 0, { what: 'the live entry' });
    await itinera.ingestion.send({ userId, event: 'Cart_Modified', properties: { cart_ID: '777', checkout_cart: [{ productId: '001' }] } });
    await updates(1);
    await itinera.ingestion.send({ userId, event: 'Cart_Modified', properties: { cart_ID: '777', checkout_cart: [{ productId: '001' }, { productId: '002' }] } });
    await updates(2);
    const records = await waitFor(async () => {
      const rows = await live();
      return rows.some((r) => r.type === 'COMPLETED') && rows;
    }, { what: 'the live reminder', timeoutMs: 15_000 });
    // Delivery outcomes are the delivery worker's, which a simulation does not run.
    const engineRecords = records.filter((r) => r.type !== 'SENT' && r.type !== 'SEND_FAILED');
    const entered = engineRecords[0].at.getTime();
    const offsetOf = (type: string, nth = 0) => `PT${(engineRecords.filter((r) => r.type === type)[nth].at.getTime() - entered) / 1000}S`;

    // The simulation gets the events when the runtime applied them, on the published journey.
    const { simulateJourney: simulated } = await itinera.graphql.query(SIMULATE, {
      journeyId: journey.id,
      startAt: new Date(entered).toISOString(),
      profile: { userId },
      script: [
        track('PT0S', 'Product_Added', { cart_ID: '777', productName: 'T-Shirt' }),
        track(offsetOf('HOLD_UPDATED', 0), 'Cart_Modified', { cart_ID: '777', checkout_cart: [{ productId: '001' }] }),
        track(offsetOf('HOLD_UPDATED', 1), 'Cart_Modified', { cart_ID: '777', checkout_cart: [{ productId: '001' }, { productId: '002' }] }),
        { advanceTo: 'PT1M' },
      ],
    });
    const relative = (at: string | Date) => new Date(at).getTime() - entered;
    expect(simulated.timeline.map((r: any) => `${r.type}:${r.stepKey}`)).toEqual(engineRecords.map((r) => `${r.type}:${r.step_key}`));
    // A live timer fires a little after it is due (the worker polls); the simulated one at its due time, which the live run recorded.
    const liveDueAt = relative(engineRecords.filter((r) => r.type === 'HOLD_UPDATED')[1].detail.dueAt);
    const expectedTimes = engineRecords.map((r) => (['HOLD_TIMED_OUT', 'STEP_ENTERED', 'COMPLETED'].includes(r.type) && relative(r.at) >= liveDueAt ? liveDueAt : relative(r.at)));
    expect(simulated.timeline.map((r: any) => relative(r.at))).toEqual(expectedTimes);
    expect(engineRecords.filter((r) => r.type === 'HOLD_TIMED_OUT').every((r) => relative(r.at) >= liveDueAt)).toBe(true);
    expect(simulated.timeline.filter((r: any) => r.type === 'HOLD_UPDATED').map((r: any) => relative(r.detail.dueAt))).toEqual(
      engineRecords.filter((r) => r.type === 'HOLD_UPDATED').map((r) => relative(r.detail.dueAt)),
    );
    const [reminder] = await waitFor(() => receiver.requests.filter((r) => (r.json as any)?.userId === userId).map((r) => r.json as any), { what: 'the live delivery' }).then((found) =>
      found.length ? found : Promise.reject(new Error('no delivery')),
    );
    expect(simulated.sends[0].payload).toEqual({ data: reminder.data });
  });

  it('lists every problem of a script, and refuses an audience-triggered journey with the reason', async () => {
    const error = await itinera.graphql.error(SIMULATE, {
      journey: loadExample('03-cart-abandonment.json', { destinationId: webhook }),
      script: [{}, { at: 'later', track: { event: 'Cart_Viewed' } }, { advanceTo: 'PT1H', identify: { traits: {} } }],
      profile: { traits: 'vip' },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect((error.extensions?.problems as { path: string }[]).map((p) => p.path)).toEqual(['profile.traits', 'script[0]', 'script[1].at', 'script[2]']);

    const { createAudience } = await itinera.graphql.query(
      `mutation ($input: AudienceInput!) { createAudience(input: $input) { id } }`,
      { input: { name: 'viewers', condition: { match: 'ALL', performed: [{ event: 'Cart_Viewed', atLeast: 1 }] } } },
    );
    const audienceJourney = { ...loadExample('03-cart-abandonment.json', { destinationId: webhook }), trigger: { type: 'AUDIENCE', audienceId: createAudience.id } };
    const refused = await itinera.graphql.error(SIMULATE, { journey: audienceJourney, script: [] });
    expect(refused.extensions?.problems).toEqual([{ path: 'trigger', message: expect.stringContaining('do not evaluate audiences') }]);
  });

  it('shows the mapping problems a delivery would fail on, without sending', async () => {
    const input = loadExample('01-order-confirmation-forwarding.json', { destinationId: webhook });
    input.steps[0].send.mapping = { data: { '@path': '$.entry.properties.order' } };
    const result = await simulate2(input, [track('PT0S', 'Order_Confirmation', { cart_ID: '1' })]);
    expect(result.sends).toEqual([expect.objectContaining({ payload: null, problems: [{ path: 'mapping.data', message: 'is required' }] })]);
    expect(receiver.requests.filter((r) => (r.json as any)?.userId === 'simulated-user')).toEqual([]);
  });
});
