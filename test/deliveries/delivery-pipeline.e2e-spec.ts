import { createHmac, randomUUID } from 'node:crypto';
import { DeliveryProcessor } from '../../src/deliveries/delivery.processor';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import {
  activitiesOf,
  deliveryRow,
  destinationId,
  scheduleRequest,
  scheduleSend,
  settledDelivery,
  updateDestination,
} from './send-step';

const WEBHOOK_SECRET = 'whsec_application_nudge_7f3a';

const nudgeMapping = {
  data: {
    user: { '@path': '$.userId' },
    application_id: { '@path': '$.entry.properties.Application_id' },
    tier: { '@path': '$.entry.properties.Tier' },
    greeting: { '@template': 'Hi {{traits.first_name}}, your application is waiting for you.' },
  },
};

const deliveriesQuery = `query ($journeyId: ID, $status: DeliveryStatus, $first: Int, $after: String) {
  deliveries(journeyId: $journeyId, status: $status, first: $first, after: $after) {
    nodes { id journeyId instanceId userId stepKey destinationId action eventName idempotencyKey status attempts lastError payload response createdAt deliveredAt nextAttemptAt lastAttemptStartedAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('delivery pipeline', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1000 } } });
  });
  afterAll(() => itinera.close());
  beforeEach(async () => {
    receiver = await startRecordingServer();
  });
  afterEach(() => receiver.close());

  const webhook = (settings: Record<string, unknown> = {}) =>
    destinationId(itinera, {
      name: `Nudges ${randomUUID().slice(0, 8)}`,
      plugin: 'webhook',
      settings: { url: `${receiver.url}/hooks/itinera`, secret: WEBHOOK_SECRET, ...settings },
    });

  describe('webhook', () => {
    it('delivers the mapped nudge, signed over the raw body, with the idempotency key <instanceId>:<stepKey>:<visit>', async () => {
      const send = await scheduleSend(itinera, { destinationId: await webhook(), mapping: nudgeMapping });

      const delivery = await settledDelivery(itinera, send.idempotencyKey);
      expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, last_error: null, response: { ok: true } });
      expect(delivery.delivered_at).not.toBeNull();

      expect(receiver.requests).toHaveLength(1);
      const { headers, rawBody, json } = receiver.requests[0];
      expect(headers['idempotency-key']).toBe(`${send.instanceId}:application_nudge:1`);
      expect(headers['x-itinera-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(rawBody).digest('hex')}`);
      expect(json).toEqual({
        key: 'application_nudge',
        event: 'Application Nudge',
        journeyId: send.journeyId,
        instanceId: send.instanceId,
        userId: '88',
        idempotencyKey: send.idempotencyKey,
        data: { user: '88', application_id: '1234', tier: 'Premium', greeting: 'Hi Ada, your application is waiting for you.' },
      });

      expect(await activitiesOf(itinera, send.instanceId)).toEqual([
        {
          type: 'SENT',
          step_key: 'application_nudge',
          detail: { deliveryId: delivery.id, destinationId: delivery.destination_id, action: 'send', attempts: 1, status: 200 },
        },
      ]);
    });

    it('retries a receiver that fails twice with 500 and records one SENT after the third attempt', async () => {
      let answered = 0;
      receiver.replyWith(() => (++answered <= 2 ? { status: 500, body: 'database locked' } : { status: 200, body: { received: true } }));
      const send = await scheduleSend(itinera, { destinationId: await webhook(), mapping: nudgeMapping });

      const delivery = await settledDelivery(itinera, send.idempotencyKey);
      expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, response: { received: true } });
      expect(delivery.last_error).toMatch(/HTTP 500: database locked/);
      // Every retry carries the same key, so the receiver can keep one.
      expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual(Array(3).fill(send.idempotencyKey));
      expect((await activitiesOf(itinera, send.instanceId)).map((a) => [a.type, a.detail.attempts])).toEqual([['SENT', 3]]);
    });

    it('fails at once on a 400: one attempt, the status in lastError and a SEND_FAILED record', async () => {
      receiver.replyWith({ status: 400, body: { error: 'unknown field application_id' } });
      const send = await scheduleSend(itinera, { destinationId: await webhook(), mapping: nudgeMapping });

      const delivery = await settledDelivery(itinera, send.idempotencyKey);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(delivery.last_error).toContain('HTTP 400');
      expect(receiver.requests).toHaveLength(1);
      const [failed] = await activitiesOf(itinera, send.instanceId);
      expect(failed).toMatchObject({
        type: 'SEND_FAILED',
        step_key: 'application_nudge',
        detail: { deliveryId: delivery.id, attempts: 1, status: 400, permanent: true, error: expect.stringContaining('HTTP 400') },
      });
    });

    it('retries a receiver that never answers (timeoutMs 300) and fails it after maxAttempts', async () => {
      receiver.replyWith('no-answer');
      const send = await scheduleSend(itinera, { destinationId: await webhook({ timeoutMs: 300 }), mapping: nudgeMapping });

      const retrying = await waitFor(async () => {
        const row = await deliveryRow(itinera, send.idempotencyKey);
        return row && row.status === 'RETRYING' && row.attempts >= 2 ? row : undefined;
      });
      expect(retrying.last_error).toContain('timed out after 300 ms');

      const delivery = await settledDelivery(itinera, send.idempotencyKey, 30_000);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 4 });
      expect(delivery.last_error).toContain('timed out after 300 ms');
      expect(receiver.requests).toHaveLength(4);
      const activities = await activitiesOf(itinera, send.instanceId);
      expect(activities).toEqual([expect.objectContaining({ type: 'SEND_FAILED', detail: expect.objectContaining({ attempts: 4, permanent: false }) })]);
    });
  });

  describe('scheduling', () => {
    it('stores a send scheduled twice (a re-run runtime job) once, and delivers it once', async () => {
      const id = await webhook();
      const send = await scheduleSend(itinera, { destinationId: id, mapping: nudgeMapping });
      await scheduleRequest(itinera, { workspaceId: itinera.workspace.workspaceId, journeyId: send.journeyId, instanceId: send.instanceId, request: send.request });

      await settledDelivery(itinera, send.idempotencyKey);
      const { rows } = await itinera.db.query('SELECT count(*)::int AS n FROM deliveries WHERE idempotency_key = $1', [send.idempotencyKey]);
      expect(rows[0].n).toBe(1);
      expect(receiver.requests).toHaveLength(1);
    });

    it('does nothing for a redelivered job of an attempt already made', async () => {
      const send = await scheduleSend(itinera, { destinationId: await webhook(), mapping: nudgeMapping });
      const delivered = await settledDelivery(itinera, send.idempotencyKey);

      await itinera.app.get(DeliveryProcessor).attempt({ deliveryId: delivered.id, attempt: 1 });
      await itinera.app.get(DeliveryProcessor).attempt({ deliveryId: delivered.id, attempt: 2 });
      expect(receiver.requests).toHaveLength(1);
      expect(await deliveryRow(itinera, send.idempotencyKey)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
      expect((await activitiesOf(itinera, send.instanceId)).map((a) => a.type)).toEqual(['SENT']);
    });

    it('fails a send whose mapping does not fit the action, before any attempt, with every problem in the message', async () => {
      const send = await scheduleSend(itinera, {
        destinationId: await webhook(),
        mapping: { data: { '@path': '$.traits.email' }, priority: 'high' },
      });

      const delivery = await settledDelivery(itinera, send.idempotencyKey);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 0 });
      expect(delivery.last_error).toBe(
        'the mapping of step "application_nudge" does not fit webhook.send: data must be an object, got "ada@example.com"; ' +
          'priority is not a field of this action (fields: data)',
      );
      expect(receiver.requests).toHaveLength(0);
      expect(await activitiesOf(itinera, send.instanceId)).toEqual([
        expect.objectContaining({ type: 'SEND_FAILED', detail: expect.objectContaining({ deliveryId: delivery.id, attempts: 0, error: delivery.last_error }) }),
      ]);
    });

    it('fails a send to a destination that does not exist, or belongs to another workspace', async () => {
      const other = await itinera.createWorkspace(`other-${randomUUID().slice(0, 8)}`);
      const { createDestination: foreign } = await other.graphql.query(
        `mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`,
        { input: { name: 'Theirs', plugin: 'webhook', settings: { url: receiver.url } } },
      );

      for (const id of [randomUUID(), foreign.id, 'not-an-id']) {
        const send = await scheduleSend(itinera, { destinationId: id, mapping: nudgeMapping });
        const delivery = await settledDelivery(itinera, send.idempotencyKey);
        expect(delivery).toMatchObject({ status: 'FAILED', attempts: 0, last_error: `destination "${id}" does not exist in this workspace` });
        expect((await activitiesOf(itinera, send.instanceId)).map((a) => a.type)).toEqual(['SEND_FAILED']);
      }
      expect(receiver.requests).toHaveLength(0);
    });

    it('fails a send to a disabled destination, and to an action its plugin does not have', async () => {
      const id = await webhook();
      await itinera.graphql.query(updateDestination, { id, input: { name: 'Paused nudges', plugin: 'webhook', settings: { url: `${receiver.url}/hooks/itinera` }, enabled: false } });
      const disabled = await settledDelivery(itinera, (await scheduleSend(itinera, { destinationId: id, mapping: nudgeMapping })).idempotencyKey);
      expect(disabled.last_error).toBe('destination "Paused nudges" is disabled; enable it with updateDestination');

      const enabled = await webhook();
      const unknown = await settledDelivery(itinera, (await scheduleSend(itinera, { destinationId: enabled, action: 'track', mapping: {} })).idempotencyKey);
      expect(unknown.last_error).toBe('plugin "webhook" has no action "track" (its actions: "send")');
      expect(receiver.requests).toHaveLength(0);
    });
  });

  describe('deliveries query', () => {
    it("lists one journey's deliveries newest first, a page at a time, filtered by status", async () => {
      const id = await webhook();
      const journeyId = randomUUID();
      const keys: string[] = [];
      for (const stepKey of ['first_nudge', 'second_nudge', 'third_nudge']) {
        keys.push((await scheduleSend(itinera, { destinationId: id, journeyId, stepKey, mapping: nudgeMapping })).idempotencyKey);
      }
      for (const key of keys) await settledDelivery(itinera, key);

      const page1 = (await itinera.graphql.query(deliveriesQuery, { journeyId, first: 2 })).deliveries;
      expect(page1.nodes.map((d: { stepKey: string }) => d.stepKey)).toEqual(['third_nudge', 'second_nudge']);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const page2 = (await itinera.graphql.query(deliveriesQuery, { journeyId, first: 2, after: page1.pageInfo.endCursor })).deliveries;
      expect(page2.nodes.map((d: { stepKey: string }) => d.stepKey)).toEqual(['first_nudge']);
      expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });

      expect(page2.nodes[0]).toMatchObject({
        journeyId,
        userId: '88',
        destinationId: id,
        action: 'send',
        eventName: 'Application Nudge',
        idempotencyKey: keys[0],
        status: 'DELIVERED',
        attempts: 1,
        lastError: null,
        payload: { data: { user: '88', application_id: '1234', tier: 'Premium', greeting: 'Hi Ada, your application is waiting for you.' } },
        response: { ok: true },
        deliveredAt: expect.any(String),
        nextAttemptAt: null,
      });
      const { createdAt, lastAttemptStartedAt, deliveredAt } = page2.nodes[0];
      expect(Date.parse(createdAt)).toBeLessThanOrEqual(Date.parse(lastAttemptStartedAt));
      expect(Date.parse(lastAttemptStartedAt)).toBeLessThanOrEqual(Date.parse(deliveredAt));
      const failed = (await itinera.graphql.query(deliveriesQuery, { journeyId, status: 'FAILED' })).deliveries;
      expect(failed.nodes).toEqual([]);
    });

    it('refuses a cursor it did not issue, and a negative page size', async () => {
      const badCursor = await itinera.graphql.error(deliveriesQuery, { after: 'bm90LWEtY3Vyc29y' });
      expect(badCursor.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: expect.any(String) }] });
      const negative = await itinera.graphql.error(deliveriesQuery, { first: -1 });
      expect(negative.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'first', message: expect.any(String) }] });
    });

    it("does not show another workspace's deliveries", async () => {
      const send = await scheduleSend(itinera, { destinationId: await webhook(), mapping: nudgeMapping });
      await settledDelivery(itinera, send.idempotencyKey);
      const other = await itinera.createWorkspace(`peek-${randomUUID().slice(0, 8)}`);
      expect((await other.graphql.query(deliveriesQuery, { journeyId: send.journeyId })).deliveries.nodes).toEqual([]);
    });
  });
});
