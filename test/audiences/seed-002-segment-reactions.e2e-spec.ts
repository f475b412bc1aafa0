import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { activityTypesOf, instancesOf } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { AudiencesApi, channelDeliveries, createChannels, eventsApplied, publishAudienceExample, waitForDeliveries } from './audience-fixtures';

/**
 * Seed 002 (examples/audiences/06-segment-reactions.json): a segment of customers living in Atlanta, San
 * Francisco or Seattle and born after 1980 gets a first message by email and push; the reaction events
 * `Push Opened` and `Email Opened`, sent back through the ingestion API, lead on, and when neither comes
 * within the shared timeout (1 day, 3 s here) a follow-up email goes out; a purchase then earns a thank-you push.
 */
describe('seed 002: segment, first message, reactions with one shared timeout, purchase and thank you', () => {
  const TIMEOUT_MS = 3_000;
  let itinera: TestApp;
  let receiver: RecordingServer;
  let segmentId: string;
  let journeyId: string;

  const identify = (userId: string, traits: Record<string, unknown>) => itinera.ingestion.identify({ userId, traits });
  const track = (userId: string, event: string, properties: Record<string, unknown> = {}) => itinera.ingestion.send({ userId, event, properties });
  const sent = (userId: string) => channelDeliveries(receiver, userId).map((d) => `${d.channel} ${d.key}`);
  const purchase = { product: 'Running shoes', purchaseDate: '2025-03-01', purchaseId: 'p-1001', purchaseMessage: 'thank you' };
  const reactionOf = async (userId: string) => {
    const [instance] = await instancesOf(itinera.db, journeyId, userId);
    return (await activityTypesOf(itinera.db, instance.id)).filter((a) => a.endsWith(':reaction') && !a.startsWith('STEP_ENTERED'));
  };
  const atPurchaseHold = (userId: string) =>
    waitFor(async () => (await instancesOf(itinera.db, journeyId, userId))[0]?.current_step === 'wait_for_purchase', { what: `${userId} to wait for a purchase` });

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const channels = await createChannels(itinera.graphql, receiver, ['EMAIL', 'PUSH']);
    // Customers already in the segment when the journey is published: the Read segment admits them too.
    await identify('jane', { city: 'Seattle', birth_year: 1990, email: 'jane@example.com' });
    await eventsApplied(itinera, 'jane');
    ({ audienceId: segmentId, journeyId } = await publishAudienceExample(itinera, '06-segment-reactions.json', channels, { P1D: 'PT3S' }));
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  it('sends the first message by email and push to a customer who was in the segment at publish (useHistoricalData)', async () => {
    await waitForDeliveries(receiver, 'jane', 2);
    expect(sent('jane').sort()).toEqual(['email first_email', 'push first_push']);
    expect(await new AudiencesApi(itinera.graphql).size(segmentId)).toBe(1);
  });

  it('sends the first message to customers as they join the segment, and to no one outside it', async () => {
    await identify('amir', { city: 'Atlanta', birth_year: 1985 });
    await identify('bob', { city: 'Boston', birth_year: 1990 });
    await identify('carol', { city: 'San Francisco', birth_year: 1980 });
    await waitForDeliveries(receiver, 'amir', 2);
    await Promise.all(['bob', 'carol'].map((userId) => eventsApplied(itinera, userId)));
    expect(await instancesOf(itinera.db, journeyId, 'bob')).toEqual([]);
    expect(await instancesOf(itinera.db, journeyId, 'carol')).toEqual([]);
  });

  it('takes the Push Opened path: no follow-up, then a thank-you push after the purchase', async () => {
    await identify('priya', { city: 'San Francisco', birth_year: 1992 });
    await waitForDeliveries(receiver, 'priya', 2);
    await track('priya', 'Push Opened', { campaign: 'First message' });
    await atPurchaseHold('priya');
    expect(await reactionOf('priya')).toEqual(['HOLD_MATCHED:reaction']);
    await track('priya', 'Purchase', { ...purchase, purchaseId: 'p-2001' });
    await waitForDeliveries(receiver, 'priya', 3);
    expect(sent('priya').slice(2)).toEqual(['push thank_you_push']);
    const [instance] = await instancesOf(itinera.db, journeyId, 'priya');
    expect(instance.context.events.reaction.event).toBe('Push Opened');
    expect(instance.status).toBe('COMPLETED');
  });

  it('takes the Email Opened path the same way, through the same timeout', async () => {
    await identify('eve', { city: 'Atlanta', birth_year: 1999 });
    await waitForDeliveries(receiver, 'eve', 2);
    await track('eve', 'Email Opened', { campaign: 'First message' });
    await atPurchaseHold('eve');
    const [instance] = await instancesOf(itinera.db, journeyId, 'eve');
    expect(instance.context.events.reaction.event).toBe('Email Opened');
    expect(sent('eve').sort()).toEqual(['email first_email', 'push first_push']);
  });

  it('sends the follow-up email when neither is opened within the shared timeout, then the thank-you after the purchase', async () => {
    const joinedAt = Date.now();
    await identify('sam', { city: 'Seattle', birth_year: 1988 });
    await waitForDeliveries(receiver, 'sam', 3, 15_000);
    const followUp = receiver.requests.find((r) => (r.json as any)?.userId === 'sam' && (r.json as any)?.key === 'follow_up_email')!;
    expect(followUp.receivedAt - joinedAt).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(await reactionOf('sam')).toEqual(['HOLD_TIMED_OUT:reaction']);

    await atPurchaseHold('sam');
    await track('sam', 'Purchase', { ...purchase, purchaseId: 'p-3001' });
    await waitForDeliveries(receiver, 'sam', 4);
    expect(sent('sam').slice(2)).toEqual(['email follow_up_email', 'push thank_you_push']);
  });

  it('does not thank a purchase whose event does not carry the "thank you" purchase message', async () => {
    await atPurchaseHold('eve');
    await track('eve', 'Purchase', { ...purchase, purchaseMessage: 'none', purchaseId: 'p-4001' });
    await eventsApplied(itinera, 'eve');
    expect((await instancesOf(itinera.db, journeyId, 'eve'))[0].current_step).toBe('wait_for_purchase');
    expect(sent('eve')).toHaveLength(2);
  });
});
