/** How long each kind of record is kept (ITINERA_*_RETENTION_DAYS); read by DataRetention. */
export interface RetentionPolicy {
  /** Days kept of each kind of record; 0 keeps it forever. */
  eventDays: number;
  activityDays: number;
  deliveryDays: number;
  /** Finished queue jobs (pg-boss's archive). */
  jobDays: number;
}

/** Suited to a laptop: a month of history, two days of finished jobs. */
export const DEFAULT_RETENTION: RetentionPolicy = { eventDays: 30, activityDays: 30, deliveryDays: 30, jobDays: 2 };
