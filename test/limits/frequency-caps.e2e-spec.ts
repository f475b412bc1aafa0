import { randomUUID } from 'node:crypto';
import { seed } from '../../src/engine/seed-events.fixture';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const SET_CAPS = `mutation ($caps: [FrequencyCapInput!]!) { setFrequencyCaps(caps: $caps) { max within destinationId } }`;
const STATS = `query ($id: ID!) { journey(id: $id) { stats { sendsSkipped { stepKey reason count } } } }`;
const TIMELINE = `query ($journeyId: ID!, $userId: String!) { journeyInstances(journeyId: $journeyId, userId: $userId) { nodes { timeline { type stepKey detail } } } }`;

/** A journey of one send step, entered on `event` (seed 000's order confirmation by default). */
function sendJourney(name: string, destinationId: string, options: { event?: string; transactional?: boolean } = {}) {
  return {
    name,
    trigger: { type: 'EVENT', event: { event: options.event ?? seed.orderConfirmation99.event } },
    transactional: options.transactional ?? false,
    steps: [{ key: 'notify', name: 'Notify', type: 'SEND', send: { destinationId, action: 'send', mapping: { data: { journey: name, user: { '@path': '$.userId' } } } } }],
  };
}

const orderConfirmation = (userId: string) => ({ type: 'track', ...seed.orderConfirmation99, userId, messageId: randomUUID() });
const cartViewed = (userId: string) => ({ type: 'track', userId, event: 'Cart_Viewed', properties: { cart_ID: `cart-${userId}` }, messageId: randomUUID() });

/**
 * Issue 17: frequency caps. At most N sends per user per rolling window, counted when the send step runs
 * (a skipped send never counts), exact when two journeys send to the same user at once from different
 * worker processes; transactional journeys bypass them.
 */
describe('frequency caps', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const workers: ItineraProcess[] = [];
  let email: string;
  let sms: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const env = { DATABASE_URL: itinera.databaseUrl, ITINERA_RECONCILE_SECONDS: '0', ITINERA_ROLE: 'worker' };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
    email = await createWebhookDestination(itinera.graphql, `${receiver.url}/email`);
    sms = await createWebhookDestination(itinera.graphql, `${receiver.url}/sms`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await itinera?.close();
    await receiver?.close();
  });

  const rows = async (sql: string, params: unknown[]) => (await itinera.db.query(sql, params)).rows;
  const deliveredTo = (userId: string) => receiver.requests.filter((request) => (request.json as { data?: { user?: string } })?.data?.user === userId);

  it('refuses wrong caps, naming every problem', async () => {
    const error = await itinera.graphql.error(SET_CAPS, {
      caps: [
        { max: 0, within: 'P1D' },
        { max: 3, within: 'one day' },
        { max: 1, within: 'P60D' },
        { max: 1, within: 'PT1H', destinationId: randomUUID() },
        { max: 2, within: 'P1D' },
      ],
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems?.map((problem) => problem.path)).toEqual(['caps[0].max', 'caps[1].within', 'caps[2].within', 'caps[3].destinationId', 'caps[4]']);
    expect((await itinera.graphql.query(`{ frequencyCaps { max } }`)).frequencyCaps).toEqual([]);
    // The audit log records the refused change, as it does every mutation (values are never recorded).
    const { auditLog } = await itinera.graphql.query(`{ auditLog(filter: { operation: "setFrequencyCaps" }) { nodes { operation outcome } } }`);
    expect(auditLog.nodes).toEqual([expect.objectContaining({ operation: 'setFrequencyCaps' })]);
    expect(auditLog.nodes[0].outcome).toBe('BAD_USER_INPUT');
  });

  it('two journeys sending to the same user at once, through two worker processes: a cap of 1 lets exactly one send go', async () => {
    await itinera.graphql.query(SET_CAPS, { caps: [{ max: 1, within: 'P1D' }] });
    const orders = await publishJourney(itinera.graphql, sendJourney('order follow-up', email));
    const carts = await publishJourney(itinera.graphql, sendJourney('cart reminder', sms, { event: 'Cart_Viewed' }));
    const users = Array.from({ length: 12 }, (_, i) => `capped-${i}`);
    // Each user's two triggers arrive in two requests at once, so their jobs may run in different processes.
    const answers = await Promise.all(users.flatMap((userId) => [itinera.ingestion.batch([orderConfirmation(userId)]), itinera.ingestion.batch([cartViewed(userId)])]));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);

    const outcomes = await waitFor(
      async () => {
        const found = await rows(
          `SELECT user_id, count(*) FILTER (WHERE type = 'SEND_SKIPPED')::int AS skipped, count(*) FILTER (WHERE type = 'SENT')::int AS sent
             FROM activities WHERE journey_id = ANY($1::uuid[]) GROUP BY user_id`,
          [[orders.id, carts.id]],
        );
        return found.length === users.length && found.every((row) => row.skipped + row.sent === 2) ? found : undefined;
      },
      { timeoutMs: 60_000, what: 'every user to have one send delivered and one skipped' },
    );
    for (const row of outcomes) expect({ user: row.user_id, sent: row.sent, skipped: row.skipped }).toEqual({ user: row.user_id, sent: 1, skipped: 1 });
    for (const userId of users) expect(deliveredTo(userId)).toHaveLength(1);
    const [counted] = await rows(`SELECT count(*)::int AS n FROM deliveries WHERE user_id = ANY($1::text[])`, [users]);
    expect(counted.n).toBe(users.length);

    // The skipped send is in the instance's timeline, with the cap that refused it, and in the journey's stats.
    const skips = await rows(`SELECT journey_id, user_id FROM activities WHERE type = 'SEND_SKIPPED' AND user_id = $1`, [users[0]]);
    const { journeyInstances } = await itinera.graphql.query(TIMELINE, { journeyId: skips[0].journey_id, userId: users[0] });
    const timeline = journeyInstances.nodes[0].timeline;
    const skip = timeline.find((entry: { type: string }) => entry.type === 'SEND_SKIPPED');
    expect(skip).toMatchObject({ stepKey: 'notify', detail: { reason: 'FREQUENCY_CAP', cap: { max: 1, within: 'P1D', destinationId: null } } });
    expect(timeline.map((entry: { type: string }) => entry.type)).toEqual(['ENTERED', 'STEP_ENTERED', 'SEND_SKIPPED', 'COMPLETED']);
    const skippedPerJourney = await Promise.all([orders.id, carts.id].map(async (id) => (await itinera.graphql.query(STATS, { id })).journey.stats.sendsSkipped));
    const total = skippedPerJourney.flat().reduce((sum: number, count: { reason: string; count: number }) => sum + (count.reason === 'FREQUENCY_CAP' ? count.count : 0), 0);
    expect(total).toBe(users.length);
    await archive(orders.id, carts.id);
  }, 120_000);

  it('a transactional journey is never capped and its sends do not count', async () => {
    await itinera.graphql.query(SET_CAPS, { caps: [{ max: 1, within: 'P1D' }] });
    const receipts = await publishJourney(itinera.graphql, sendJourney('order receipt', email, { transactional: true }));
    const marketing = await publishJourney(itinera.graphql, sendJourney('cart offer', email, { event: 'Cart_Viewed' }));
    const userId = 'transactional-1';
    // Two receipts first: neither is refused, and the cap still has room for one marketing send after them.
    await itinera.ingestion.batch([orderConfirmation(userId), orderConfirmation(userId)]);
    await waitFor(async () => deliveredTo(userId).length === 2, { timeoutMs: 30_000, what: 'both receipts delivered' });
    await itinera.ingestion.batch([cartViewed(userId)]);
    await waitFor(async () => deliveredTo(userId).length === 3, { timeoutMs: 30_000, what: 'the marketing send delivered' });
    await itinera.ingestion.batch([cartViewed(userId), orderConfirmation(userId)]);
    await waitFor(async () => deliveredTo(userId).length === 4, { timeoutMs: 30_000, what: 'the third receipt delivered' });
    const skipped = await waitFor(async () => {
      const found = await rows(`SELECT journey_id FROM activities WHERE type = 'SEND_SKIPPED' AND user_id = $1`, [userId]);
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 30_000, what: 'the second marketing send skipped' });
    expect(skipped).toEqual([{ journey_id: marketing.id }]);
    const [{ transactional }] = await rows(`SELECT count(*) FILTER (WHERE transactional)::int AS transactional FROM deliveries WHERE user_id = $1`, [userId]);
    expect(transactional).toBe(3);
    await archive(receipts.id, marketing.id);
  }, 90_000);

  it('a cap of one destination leaves the others alone, and the window rolls', async () => {
    await itinera.graphql.query(SET_CAPS, { caps: [{ max: 1, within: 'PT3S', destinationId: sms }] });
    const smsJourney = await publishJourney(itinera.graphql, sendJourney('sms nudge', sms));
    const emailJourney = await publishJourney(itinera.graphql, sendJourney('email nudge', email));
    const userId = 'per-destination-1';
    const sent = async () => (await rows(`SELECT destination_id FROM deliveries WHERE user_id = $1 ORDER BY created_at`, [userId])).map((row) => row.destination_id);
    await itinera.ingestion.batch([orderConfirmation(userId), orderConfirmation(userId)]);
    await waitFor(async () => (await rows(`SELECT 1 FROM activities WHERE type = 'SEND_SKIPPED' AND user_id = $1`, [userId])).length === 1, {
      timeoutMs: 30_000,
      what: 'the second SMS skipped',
    });
    const first = await sent();
    expect(first.filter((id) => id === sms)).toHaveLength(1);
    expect(first.filter((id) => id === email)).toHaveLength(2);
    const [{ at }] = await rows(`SELECT created_at AS at FROM deliveries WHERE user_id = $1 AND destination_id = $2`, [userId, sms]);
    // Three seconds after the counted SMS, it is out of the window: the next one goes.
    await waitFor(async () => Date.now() > new Date(at).getTime() + 3_200, { timeoutMs: 10_000, intervalMs: 100, what: 'the window to roll past the first SMS' });
    await itinera.ingestion.batch([orderConfirmation(userId)]);
    await waitFor(async () => (await sent()).filter((id) => id === sms).length === 2, { timeoutMs: 30_000, what: 'the next SMS after the window' });
    await archive(smsJourney.id, emailJourney.id);
  }, 90_000);

  async function archive(...ids: string[]) {
    for (const id of ids) await itinera.graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id });
  }
});
