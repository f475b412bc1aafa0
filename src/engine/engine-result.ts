import type { InstanceState, JourneyContext } from './instance-state';

export const ACTIVITY_TYPES = [
  'ENTERED',
  'STEP_ENTERED',
  'HOLD_MATCHED',
  'HOLD_UPDATED',
  'HOLD_TIMED_OUT',
  'WAIT_ELAPSED',
  'BRANCH_TAKEN',
  'WAIT_UNTIL_REACHED',
  'WAIT_UNTIL_UPDATED',
  'TIME_ZONE_FALLBACK',
  'SEND_DEFERRED',
  'SEND_SKIPPED',
  'SENT',
  'SEND_FAILED',
  'GOAL_MET',
  'EXITED',
  'COMPLETED',
  'VERSION_MOVED',
] as const;
/**
 * `SENT` and `SEND_FAILED` are written by the delivery worker, `VERSION_MOVED` (an in-flight instance moved to a
 * newly published version of its journey) by the runtime's version moves; never by the engine. `SEND_SKIPPED`
 * carries its `reason`: `QUIET_HOURS` from the engine, `FREQUENCY_CAP` from the runtime when a cap refuses a send.
 */
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityDraft {
  type: ActivityType;
  stepKey: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

export type TimerKind = 'HOLD_TIMEOUT' | 'WAIT_ELAPSED' | 'CONDITION_TIMEOUT' | 'WAIT_UNTIL_REACHED' | 'QUIET_HOURS_ENDED';

export interface TimerRequest {
  kind: TimerKind;
  stepKey: string;
  /** The instance's `stepSeq` when the timer was scheduled; any other value at firing time makes it stale. */
  stepSeq: number;
  dueAt: string;
}

/** What a fired timer job hands back to `applyTimer`. */
export type TimerFiring = Pick<TimerRequest, 'kind' | 'stepKey' | 'stepSeq'>;

export interface DeliveryRequest {
  stepKey: string;
  visit: number;
  /** `<instanceId>:<stepKey>:<visit>`: the same send of the same visit always carries the same key. */
  idempotencyKey: string;
  destinationId: string;
  action: string;
  eventName: string | null;
  mapping: unknown;
  /** A snapshot taken when the step ran: later steps must not change what this send delivers. */
  context: JourneyContext;
}

/**
 * Everything one engine call decided. The caller persists `state`, appends `activities`, schedules
 * `timers` and enqueues `deliveries` in one transaction; superseded timers need no cancelling
 * because `applyTimer` ignores them.
 */
export interface EngineResult {
  state: InstanceState;
  activities: ActivityDraft[];
  timers: TimerRequest[];
  deliveries: DeliveryRequest[];
}
