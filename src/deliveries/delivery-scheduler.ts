import { EntityManager } from 'typeorm';
import type { DeliveryRequest } from '../engine';

export interface DeliveryOrigin {
  workspaceId: string;
  journeyId: string;
  instanceId: string;
  userId: string;
}

/**
 * How the runtime hands a send step's output to the delivery pipeline: inside the instance's
 * transaction, so a delivery exists exactly when the step that asked for it is committed.
 */
export abstract class DeliveryScheduler {
  abstract schedule(manager: EntityManager, origin: DeliveryOrigin, requests: DeliveryRequest[]): Promise<void>;
}
