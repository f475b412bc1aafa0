import { Logger } from '@nestjs/common';
import { deliveryLatency, deliveryOutcomes } from '../metrics/metrics';
import type { AttemptOutcome } from './delivery-attempt';
import type { Delivery, DeliveryStatus } from './delivery.entity';

export interface RecordedOutcome {
  delivery: Delivery;
  /** The plugin the attempt went through; null when it could not be resolved (not loaded, destination gone). */
  plugin: string | null;
  attempt: number;
  outcome: AttemptOutcome;
  status: DeliveryStatus;
  retryAt: Date | null;
}

/**
 * What operators see of a recorded attempt: a failure that will be retried is a warning, one that will
 * not (dead, or permanent) an error, each with where the send came from and went to.
 */
export function reportAttempt(logger: Logger, { delivery, plugin, attempt, outcome, status, retryAt }: RecordedOutcome): void {
  // The metrics count live traffic; a test run's failures are still logged.
  if (!delivery.test) deliveryOutcomes.inc({ destination_id: delivery.destinationId, plugin: plugin ?? '', outcome: status.toLowerCase() });
  if (outcome.result === 'delivered') {
    if (delivery.test) return;
    deliveryLatency.observe({ plugin: plugin ?? '' }, Math.max(0, Date.now() - delivery.createdAt.getTime()) / 1000);
    return;
  }
  const where = {
    journeyId: delivery.journeyId,
    stepKey: delivery.stepKey,
    destinationId: delivery.destinationId,
    plugin,
    action: delivery.action,
    deliveryId: delivery.id,
    attempts: attempt,
    error: outcome.error,
  };
  if (status === 'RETRYING') logger.warn({ msg: 'delivery attempt failed, will retry', ...where, nextAttemptAt: retryAt?.toISOString() });
  else logger.error({ msg: outcome.result === 'permanent' ? 'delivery failed permanently' : 'delivery failed: no attempts left', ...where });
}
