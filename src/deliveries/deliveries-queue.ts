/** One job per attempt of one delivery; the next attempt is a new job, delayed by the backoff. */
export const DELIVERIES_QUEUE = 'deliveries';

export interface DeliveryJob {
  deliveryId: string;
  /**
   * Which attempt this job makes (1 for the first). A job whose attempt is not the delivery's next one is
   * stale (a redelivered job whose successor already exists) and does nothing.
   */
  attempt: number;
  /**
   * Where it goes, so a worker fetches no more jobs of one destination or workspace than its share
   * (DeliveryCapacity). Absent from jobs enqueued before shares existed.
   */
  destinationId?: string;
  workspaceId?: string;
  /** The turn this attempt was given by its destination's rate limit (ISO time), when it was put back for it. */
  turnAt?: string;
}
