import type { TimerFiring } from '../engine';

/** Hold timeouts, wait expiries and condition deadlines: delayed pg-boss jobs, so they survive restarts. */
export const INSTANCE_TIMERS_QUEUE = 'instance-timers';

export interface InstanceTimerJob extends TimerFiring {
  workspaceId: string;
  userId: string;
  instanceId: string;
}

/** Admissions of an audience's existing members into a journey published with `useHistoricalData`. */
export const AUDIENCE_ENTRIES_QUEUE = 'audience-entries';

export interface AudienceEntryJob {
  workspaceId: string;
  journeyId: string;
  userId: string;
}
