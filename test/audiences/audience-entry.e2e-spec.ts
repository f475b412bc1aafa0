import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { AudiencesApi, eventsApplied } from './audience-fixtures';

/** How audiences admit into journeys: on entry, at publish with useHistoricalData, and as a filter on an event trigger. */
describe('audiences: admission into journeys', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let audiences: AudiencesApi;
  let webhook: string;
  let vipId: string;

  const send = (key: string) => ({
    key,
    name: key,
    type: 'SEND',
    send: { destinationId: webhook, action: 'send', eventName: key, mapping: { data: { user: { '@path': '$.userId' } } } },
  });
  const audienceJourney = (name: string, useHistoricalData: boolean) => ({
    name,
    trigger: { type: 'AUDIENCE', audienceId: vipId, useHistoricalData },
    steps: [send('vip_welcome')],
  });
  const identify = (userId: string, traits: Record<string, unknown>) => itinera.ingestion.identify({ userId, traits });

  beforeAll(async () => {
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
    receiver = await startRecordingServer();
    audiences = new AudiencesApi(itinera.graphql);
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    vipId = (await audiences.create({ name: 'VIP', condition: { filters: [{ path: 'traits.tier', operator: 'EQUALS', values: ['gold'] }] } })).id;
    await identify('gold-1', { tier: 'gold' });
    await identify('gold-2', { tier: 'gold' });
    await identify('silver-1', { tier: 'silver' });
    await audiences.waitForSize(vipId, 2);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  it('admits the current members at publish when the journey uses historical data', async () => {
    const { id } = await publishJourney(itinera.graphql, audienceJourney('VIP welcome, members so far', true));
    await waitFor(async () => (await instancesOf(itinera.db, id)).length === 2, { what: 'the two members to enter' });
    expect((await instancesOf(itinera.db, id)).map((i) => [i.user_id, i.context.entry.event]).sort()).toEqual([
      ['gold-1', 'Audience Entered'],
      ['gold-2', 'Audience Entered'],
    ]);
  });

  it('admits only users who enter after publish when it does not', async () => {
    const { id } = await publishJourney(itinera.graphql, audienceJourney('VIP welcome, from now on', false));
    await identify('silver-1', { tier: 'gold' });
    await waitFor(async () => (await instancesOf(itinera.db, id)).length === 1, { what: 'silver-1 to enter on its upgrade' });
    await identify('gold-1', { plan: 'annual' });
    await eventsApplied(itinera, 'gold-1');
    expect((await instancesOf(itinera.db, id)).map((i) => i.user_id)).toEqual(['silver-1']);
  });

  it('admits into an event journey with audienceFilterId only the users in that audience when they perform the event', async () => {
    const { id } = await publishJourney(itinera.graphql, {
      name: 'VIP order follow-up',
      trigger: { type: 'EVENT', event: { event: 'Order Completed' }, audienceFilterId: vipId },
      steps: [send('vip_order_thanks')],
    });
    await itinera.ingestion.send({ userId: 'gold-2', event: 'Order Completed', properties: { order_id: 'o-1', total: 99 } });
    await itinera.ingestion.send({ userId: 'bronze-1', event: 'Order Completed', properties: { order_id: 'o-2', total: 99 } });
    await Promise.all([eventsApplied(itinera, 'gold-2'), eventsApplied(itinera, 'bronze-1')]);
    expect((await instancesOf(itinera.db, id)).map((i) => i.user_id)).toEqual(['gold-2']);
  });

  it('reads the audience at the time of the event: an identify before the event in the same batch counts', async () => {
    const { rows } = await itinera.db.query(`SELECT id FROM journeys WHERE name = 'VIP order follow-up'`);
    await itinera.ingestion.batch([
      { type: 'identify', userId: 'bronze-2', traits: { tier: 'gold' } },
      { type: 'track', userId: 'bronze-2', event: 'Order Completed', properties: { order_id: 'o-3', total: 12 } },
    ]);
    await eventsApplied(itinera, 'bronze-2');
    expect((await instancesOf(itinera.db, rows[0].id, 'bronze-2')).map((i) => i.user_id)).toEqual(['bronze-2']);
  });
});
