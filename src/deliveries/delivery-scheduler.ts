import { EntityManager } from 'typeorm';
import type { DeliveryRequest } from '../engine';

export interface DeliveryOrigin {
  workspaceId: string;
  journeyId: string;
  instanceId: string;
  userId: string;
  /** A test run's send: the delivery, the plugin's input and (webhook) the body carry `test: true`. */
  test?: boolean;
}

/** The sends one instance's advance asked for. */
export interface ScheduledSends {
  origin: DeliveryOrigin;
  requests: DeliveryRequest[];
  /** Sent by a transactional journey: not capped, and not counted by frequency caps. */
  transactional?: boolean;
}

/**
 * How the runtime hands a send step's output to the delivery pipeline: inside the instance's
 * transaction, so a delivery exists exactly when the step that asked for it is committed.
 */
export abstract class DeliveryScheduler {
  abstract schedule(manager: EntityManager, sends: ScheduledSends[]): Promise<void>;
}
