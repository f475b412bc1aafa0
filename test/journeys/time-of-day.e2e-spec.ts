import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import type { GraphqlClient, IngestionClient } from '../harness/clients';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * Issue 17's time features through the real runtime and a real webhook receiver: WAIT_UNTIL (a timestamp
 * trait, a time of day in the profile's zone, an invalid zone falling back) and quiet hours (deferred to the
 * window's end and delivered once across a restart; skipped under the workspace's default). Times are
 * picked relative to now; wall times have minute precision, so the time-of-day cases wait for the next
 * minute boundary (at most about a minute).
 */

const MINUTE = 60_000;
/** Tokyo keeps +09:00 all year, so a wall time there is plain arithmetic the test can do on its own. */
const TOKYO_OFFSET = 9 * 3_600_000;
const tokyoWallTime = (ms: number) => new Date(ms + TOKYO_OFFSET).toISOString().slice(11, 16);

interface ActivityNode {
  type: string;
  stepKey: string | null;
  detail: Record<string, unknown> | null;
}

const TIMELINE = `query ($id: ID!) { journeyInstance(id: $id) { status currentStep timeline { type stepKey detail } } }`;
const STATS = `query ($id: ID!) { journey(id: $id) { stats { completed sendsDeferred { stepKey reason count } sendsSkipped { stepKey reason count } } } }`;

describe('time of day and quiet hours, end to end', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const sendStep = (key: string, destinationId = webhook) => ({
    key,
    name: key.replace(/_/g, ' '),
    type: 'SEND',
    send: { destinationId, action: 'send', mapping: { data: { message: key, user: { '@path': '$.userId' } } } },
  });

  const instanceOf = (journeyId: string, userId: string) =>
    waitFor(async () => (await itinera.db.query('SELECT id FROM journey_instances WHERE journey_id = $1 AND user_id = $2', [journeyId, userId])).rows[0]?.id as string, {
      what: `the instance of ${userId}`,
    });
  const timelineOf = async (graphql: GraphqlClient, instanceId: string) =>
    (await graphql.query<{ journeyInstance: { status: string; currentStep: string | null; timeline: ActivityNode[] } }>(TIMELINE, { id: instanceId })).journeyInstance;
  const deliveriesTo = (journeyId: string, userId: string) =>
    receiver.requests.filter((r) => (r.json as { journeyId?: string; data?: { user?: string } })?.journeyId === journeyId && (r.json as { data: { user: string } }).data.user === userId);
  const identifyAndTrack = async (ingestion: IngestionClient, userId: string, traits: Record<string, unknown>, event: string, properties: Record<string, unknown> = {}) => {
    expect((await ingestion.identify({ userId, traits })).status).toBe(200);
    await ingestion.send({ userId, event, properties });
  };

  it('WAIT_UNTIL traits.trial_ends_at minus an offset sends no earlier than that instant; a time already past continues at once', async () => {
    const journey = await publishJourney(itinera.graphql, {
      name: 'Trial ending reminder',
      trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
      steps: [
        { key: 'before_trial_ends', name: 'Before trial ends', type: 'WAIT_UNTIL', waitUntil: { timestampPath: 'traits.trial_ends_at', offset: '-PT1S' }, next: 'trial_reminder' },
        sendStep('trial_reminder'),
      ],
    });
    const dueAt = new Date(Date.now() + 3_000);
    const trialEndsAt = new Date(dueAt.getTime() + 1_000).toISOString();
    await identifyAndTrack(itinera.ingestion, '747', { email: 'peter@example.com', trial_ends_at: trialEndsAt }, 'Trial_Started', { productName: 'Basic Plan', Account_ID: '12345' });
    await identifyAndTrack(itinera.ingestion, '999', { email: 'late@example.com', trial_ends_at: '2020-01-01T00:00:00Z' }, 'Trial_Started', { productName: 'Basic Plan' });

    const waiting = await instanceOf(journey.id, '747');
    const entered = (await timelineOf(itinera.graphql, waiting)).timeline.find((a) => a.type === 'STEP_ENTERED' && a.stepKey === 'before_trial_ends');
    expect(entered?.detail).toMatchObject({ dueAt: dueAt.toISOString(), timestampPath: 'traits.trial_ends_at' });

    const [delivery] = await waitFor(() => deliveriesTo(journey.id, '747').length > 0 && deliveriesTo(journey.id, '747'), { what: 'the reminder of 747' });
    expect(delivery.receivedAt).toBeGreaterThanOrEqual(dueAt.getTime());
    expect((await timelineOf(itinera.graphql, waiting)).timeline.find((a) => a.type === 'WAIT_UNTIL_REACHED')?.detail).toEqual({ dueAt: dueAt.toISOString() });

    // A trial shortened while waiting: the identify call moves the wait, from a minute ahead to two seconds.
    await identifyAndTrack(itinera.ingestion, '748', { email: 'paula@example.com', trial_ends_at: new Date(Date.now() + 61_000).toISOString() }, 'Trial_Started');
    const moved = await instanceOf(journey.id, '748');
    await waitFor(async () => (await timelineOf(itinera.graphql, moved)).currentStep === 'before_trial_ends', { what: '748 waiting' });
    const shortened = new Date(Date.now() + 3_000);
    expect((await itinera.ingestion.identify({ userId: '748', traits: { trial_ends_at: shortened.toISOString() } })).status).toBe(200);
    const [early] = await waitFor(() => deliveriesTo(journey.id, '748').length > 0 && deliveriesTo(journey.id, '748'), { what: 'the reminder of 748, moved earlier' });
    expect(early.receivedAt).toBeGreaterThanOrEqual(shortened.getTime() - 1_000);
    expect((await timelineOf(itinera.graphql, moved)).timeline.find((a) => a.type === 'WAIT_UNTIL_UPDATED')?.detail).toMatchObject({
      dueAt: new Date(shortened.getTime() - 1_000).toISOString(),
    });

    const late = await instanceOf(journey.id, '999');
    await waitFor(() => deliveriesTo(journey.id, '999').length === 1, { what: 'the reminder of 999, at once' });
    expect((await timelineOf(itinera.graphql, late)).timeline.find((a) => a.type === 'WAIT_UNTIL_REACHED')?.detail).toMatchObject({
      dueAt: '2019-12-31T23:59:59.000Z',
      immediately: true,
    });
  });

  it('validateJourney lists every problem of a WAIT_UNTIL and of the journey’s time settings', async () => {
    const { validateJourney } = await itinera.graphql.query<{ validateJourney: { path: string; message: string }[] }>(
      `query ($input: JourneyInput!) { validateJourney(input: $input) { path message } }`,
      {
        input: {
          name: 'Bad times',
          trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
          timeZone: 'Europe/Atlantis',
          quietHours: { start: '21:00', end: '21:00' },
          steps: [{ key: 'wait', name: 'Wait', type: 'WAIT_UNTIL', waitUntil: { timeOfDay: '9am', offset: 'P1D' } }],
        },
      },
    );
    expect(validateJourney).toEqual([
      { path: 'timeZone', message: 'timeZone "Europe/Atlantis" is not an IANA time zone name such as Europe/Berlin or America/New_York' },
      { path: 'quietHours.end', message: 'quiet hours from 21:00 to 21:00 are empty; give an end other than the start' },
      { path: 'steps[0].waitUntil.timeOfDay', message: 'timeOfDay "9am" of step "wait" is not a time of day as HH:MM from 00:00 to 23:59' },
      { path: 'steps[0].waitUntil.offset', message: 'offset applies to timestampPath only; step "wait" waits for a time of day' },
    ]);
  });

  it('skips a send under the workspace’s default quiet hours (SKIP), reading the workspace’s zone for a profile without one', async () => {
    const other = await itinera.createWorkspace('night owls');
    const problems = await other.graphql.error(`mutation { updateWorkspaceSettings(input: { timeZone: "Tokyo", quietHours: { start: "25:00", end: "8am" } }) { timeZone } }`);
    expect(problems.extensions?.problems).toEqual([
      { path: 'input.timeZone', message: 'timeZone "Tokyo" is not an IANA time zone name such as Europe/Berlin or America/New_York' },
      { path: 'input.quietHours.start', message: 'start "25:00" of the quiet hours is not a time of day as HH:MM from 00:00 to 23:59' },
      { path: 'input.quietHours.end', message: 'end "8am" of the quiet hours is not a time of day as HH:MM from 00:00 to 23:59' },
    ]);
    // A window from a minute ago to two hours ahead, in Tokyo.
    const window = { start: tokyoWallTime(Date.now() - MINUTE), end: tokyoWallTime(Date.now() + 120 * MINUTE), mode: 'SKIP' };
    const { updateWorkspaceSettings } = await other.graphql.query(
      `mutation ($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) { timeZone quietHours { start end mode timeZoneTrait } } }`,
      { input: { timeZone: 'Asia/Tokyo', quietHours: window } },
    );
    expect(updateWorkspaceSettings).toEqual({ timeZone: 'Asia/Tokyo', quietHours: { ...window, timeZoneTrait: 'traits.timezone' } });

    const otherWebhook = await createWebhookDestination(other.graphql, receiver.url);
    const journey = await publishJourney(other.graphql, {
      name: 'Order confirmation forwarding',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      steps: [sendStep('forward_order', otherWebhook)],
    });
    await identifyAndTrack(other.ingestion, '99', { email: 'owl@example.com' }, 'Order_Confirmation', { productId: '001', cart_ID: 'X123' });

    const instanceId = await instanceOf(journey.id, '99');
    const { status, timeline } = await waitFor(async () => {
      const read = await timelineOf(other.graphql, instanceId);
      return read.status === 'COMPLETED' && read;
    }, { what: 'the order forwarding to complete' });
    expect(status).toBe('COMPLETED');
    expect(timeline.find((a) => a.type === 'TIME_ZONE_FALLBACK')?.detail).toEqual({ trait: 'traits.timezone', problem: 'MISSING', timeZone: 'Asia/Tokyo', source: 'WORKSPACE' });
    expect(timeline.find((a) => a.type === 'SEND_SKIPPED')).toMatchObject({ stepKey: 'forward_order', detail: { reason: 'QUIET_HOURS', timeZone: 'Asia/Tokyo' } });
    expect(Number((await itinera.db.query('SELECT count(*) AS n FROM deliveries WHERE journey_id = $1', [journey.id])).rows[0].n)).toBe(0);
    const { journey: read } = await other.graphql.query(STATS, { id: journey.id });
    expect(read.stats).toEqual({ completed: 1, sendsDeferred: [], sendsSkipped: [{ stepKey: 'forward_order', reason: 'QUIET_HOURS', count: 1 }] });
  });

  describe('at the next minute boundary (minute precision of wall times)', () => {
    /** The instant the time-of-day wait and the quiet hours end at: the next minute, at least 20 s away. */
    let boundary: number;
    let timeOfDayJourney: string;
    let quietJourney: string;

    beforeAll(async () => {
      boundary = Math.ceil((Date.now() + 20_000) / MINUTE) * MINUTE;
      timeOfDayJourney = (
        await publishJourney(itinera.graphql, {
          name: 'Morning nudge',
          trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
          timeZone: 'Asia/Kolkata',
          steps: [
            { key: 'at_nudge_time', name: 'At nudge time', type: 'WAIT_UNTIL', waitUntil: { timeOfDay: tokyoWallTime(boundary) }, next: 'morning_nudge' },
            sendStep('morning_nudge'),
          ],
        })
      ).id;
      quietJourney = (
        await publishJourney(itinera.graphql, {
          name: 'Cart reminder outside quiet hours',
          trigger: { type: 'EVENT', event: { event: 'Cart_Viewed' } },
          quietHours: { start: tokyoWallTime(Date.now() - MINUTE), end: tokyoWallTime(boundary), mode: 'DEFER' },
          steps: [sendStep('cart_reminder')],
        })
      ).id;
      await identifyAndTrack(itinera.ingestion, 'tokyo-user', { timezone: 'Asia/Tokyo' }, 'Trial_Started');
      await identifyAndTrack(itinera.ingestion, 'mars-user', { timezone: 'Mars/Olympus_Mons' }, 'Trial_Started');
      await identifyAndTrack(itinera.ingestion, 'cart-user', { timezone: 'Asia/Tokyo', first_name: 'Ada' }, 'Cart_Viewed', { cart_ID: 'X123' });
    });

    it('schedules a time-of-day wait in the profile’s zone, and an invalid zone in the journey’s, recorded on the timeline', async () => {
      const rows = await waitFor(async () => {
        const { rows } = await itinera.db.query(`SELECT user_id, waiting_until FROM journey_instances WHERE journey_id = $1 AND waiting_until IS NOT NULL ORDER BY user_id`, [timeOfDayJourney]);
        return rows.length === 2 && rows;
      }, { what: 'both users waiting' });
      // Kolkata is 3 h 30 behind Tokyo: the same wall time comes 3.5 hours later there.
      expect(rows.map((row) => [row.user_id, new Date(row.waiting_until).toISOString()])).toEqual([
        ['mars-user', new Date(boundary + 3.5 * 3_600_000).toISOString()],
        ['tokyo-user', new Date(boundary).toISOString()],
      ]);
      const mars = await timelineOf(itinera.graphql, await instanceOf(timeOfDayJourney, 'mars-user'));
      expect(mars.timeline.find((a) => a.type === 'TIME_ZONE_FALLBACK')).toEqual({
        type: 'TIME_ZONE_FALLBACK',
        stepKey: 'at_nudge_time',
        detail: { trait: 'traits.timezone', problem: 'INVALID', value: 'Mars/Olympus_Mons', timeZone: 'Asia/Kolkata', source: 'JOURNEY' },
      });
    });

    it('defers a send that comes due inside the quiet hours to their end, and delivers it exactly once after a restart', async () => {
      const instanceId = await instanceOf(quietJourney, 'cart-user');
      const deferred = await waitFor(async () => (await timelineOf(itinera.graphql, instanceId)).timeline.find((a) => a.type === 'SEND_DEFERRED'), { what: 'the deferral' });
      expect(deferred).toEqual({
        type: 'SEND_DEFERRED',
        stepKey: 'cart_reminder',
        detail: { reason: 'QUIET_HOURS', destinationId: webhook, until: new Date(boundary).toISOString(), timeZone: 'Asia/Tokyo' },
      });
      expect(deliveriesTo(quietJourney, 'cart-user')).toEqual([]);

      // The deferral is a pg-boss job: it outlives the process that scheduled it.
      const { databaseUrl, workspace } = itinera;
      await itinera.close();
      itinera = await startTestApp({ databaseUrl, workspace });

      await waitFor(async () => (await timelineOf(itinera.graphql, instanceId)).status === 'COMPLETED', { what: 'the deferred send', timeoutMs: 90_000 });
      const [delivery] = await waitFor(() => deliveriesTo(quietJourney, 'cart-user').length > 0 && deliveriesTo(quietJourney, 'cart-user'), { what: 'the reminder' });
      expect(delivery.receivedAt).toBeGreaterThanOrEqual(boundary);
      const { rows } = await itinera.db.query('SELECT idempotency_key, status FROM deliveries WHERE journey_id = $1', [quietJourney]);
      expect(rows).toEqual([{ idempotency_key: `${instanceId}:cart_reminder:1`, status: 'DELIVERED' }]);
      expect(deliveriesTo(quietJourney, 'cart-user')).toHaveLength(1);
      const { journey } = await itinera.graphql.query(STATS, { id: quietJourney });
      expect(journey.stats).toEqual({ completed: 1, sendsDeferred: [{ stepKey: 'cart_reminder', reason: 'QUIET_HOURS', count: 1 }], sendsSkipped: [] });
    }, 120_000);

    it('continues a time-of-day wait at that time, and no sooner', async () => {
      const [delivery] = await waitFor(() => deliveriesTo(timeOfDayJourney, 'tokyo-user').length > 0 && deliveriesTo(timeOfDayJourney, 'tokyo-user'), {
        what: 'the morning nudge',
        timeoutMs: 90_000,
      });
      expect(delivery.receivedAt).toBeGreaterThanOrEqual(boundary);
      const { rows } = await itinera.db.query(`SELECT user_id, status FROM journey_instances WHERE journey_id = $1 ORDER BY user_id`, [timeOfDayJourney]);
      expect(rows).toEqual([
        { user_id: 'mars-user', status: 'ACTIVE' },
        { user_id: 'tokyo-user', status: 'COMPLETED' },
      ]);
    }, 120_000);
  });
});
