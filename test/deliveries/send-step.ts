import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeliveryService } from '../../src/deliveries/delivery.service';
import type { DeliveryRequest, JourneyContext } from '../../src/engine';
import type { TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * Drives the delivery pipeline the way the journey runtime does, without needing a published journey:
 * `DeliveryService.schedule` inside a transaction, with a send step's request for one instance.
 */

export interface SendStep {
  destinationId: string;
  action?: string;
  mapping?: unknown;
  stepKey?: string;
  eventName?: string | null;
  visit?: number;
  /** Defaults to user 88 who started application 1234 (seed 000, application abandonment). */
  context?: JourneyContext;
  journeyId?: string;
  instanceId?: string;
  /** Another workspace than the test app's own. */
  workspaceId?: string;
}

export interface ScheduledSend {
  journeyId: string;
  instanceId: string;
  stepKey: string;
  idempotencyKey: string;
  request: DeliveryRequest;
}

/** The context of user 88's instance in the application-abandonment journey, as the runtime snapshots it. */
export function applicationStartedContext(journeyId: string, instanceId: string): JourneyContext {
  return {
    userId: '88',
    journey: { id: journeyId, name: 'Application abandonment nudge', version: 1 },
    instance: { id: instanceId, uniqueId: '1234', enteredAt: '2025-03-01T10:00:00.000Z' },
    entry: {
      event: 'Application_Started',
      properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234', scenario: 'Trigger campaign with Application Started' },
      timestamp: '2025-03-01T10:00:00.000Z',
      messageId: 'msg-application-started-1234',
    },
    events: {},
    traits: { email: 'ada@example.com', first_name: 'Ada', plan: 'trial' },
  };
}

export async function scheduleSend(itinera: TestApp, step: SendStep): Promise<ScheduledSend> {
  const journeyId = step.journeyId ?? randomUUID();
  const instanceId = step.instanceId ?? randomUUID();
  const stepKey = step.stepKey ?? 'application_nudge';
  const visit = step.visit ?? 1;
  const request: DeliveryRequest = {
    stepKey,
    visit,
    idempotencyKey: `${instanceId}:${stepKey}:${visit}`,
    destinationId: step.destinationId,
    action: step.action ?? 'send',
    eventName: step.eventName === undefined ? 'Application Nudge' : step.eventName,
    mapping: step.mapping ?? {},
    context: step.context ?? applicationStartedContext(journeyId, instanceId),
  };
  await scheduleRequest(itinera, { workspaceId: step.workspaceId ?? itinera.workspace.workspaceId, journeyId, instanceId, request });
  return { journeyId, instanceId, stepKey, idempotencyKey: request.idempotencyKey, request };
}

/** Schedules `request` again (a redelivered runtime job does exactly this). */
export async function scheduleRequest(
  itinera: TestApp,
  { workspaceId, journeyId, instanceId, request }: { workspaceId: string; journeyId: string; instanceId: string; request: DeliveryRequest },
): Promise<void> {
  await itinera.app.get(DataSource).transaction((manager) =>
    itinera.app.get(DeliveryService).schedule(manager, [{ origin: { workspaceId, journeyId, instanceId, userId: request.context.userId }, requests: [request] }]),
  );
}

export interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  payload: Record<string, unknown>;
  response: unknown;
  delivered_at: Date | null;
  destination_id: string;
}

export async function deliveryRow(itinera: TestApp, idempotencyKey: string): Promise<DeliveryRow | undefined> {
  const { rows } = await itinera.db.query('SELECT * FROM deliveries WHERE idempotency_key = $1', [idempotencyKey]);
  return rows[0];
}

/** Waits until the delivery is DELIVERED or FAILED. */
export function settledDelivery(itinera: TestApp, idempotencyKey: string, timeoutMs = 15_000): Promise<DeliveryRow> {
  return waitFor(
    async () => {
      const row = await deliveryRow(itinera, idempotencyKey);
      return row && (row.status === 'DELIVERED' || row.status === 'FAILED') ? row : undefined;
    },
    { timeoutMs, what: `delivery ${idempotencyKey} to settle` },
  );
}

export async function activitiesOf(itinera: TestApp, instanceId: string): Promise<{ type: string; step_key: string; detail: Record<string, unknown> }[]> {
  const { rows } = await itinera.db.query('SELECT type, step_key, detail FROM activities WHERE instance_id = $1 ORDER BY id', [instanceId]);
  return rows;
}

export const createDestination = `mutation ($input: DestinationInput!) { createDestination(input: $input) { id name plugin enabled settings createdAt } }`;
export const updateDestination = `mutation ($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) { id name plugin enabled settings } }`;

/** Creates a destination through the admin API and returns its id. */
export async function destinationId(itinera: TestApp, input: { name: string; plugin: string; settings: Record<string, unknown>; enabled?: boolean }): Promise<string> {
  const { createDestination: created } = await itinera.graphql.query(createDestination, { input });
  return created.id;
}
