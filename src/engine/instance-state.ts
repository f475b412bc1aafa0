export type InstanceStatus = 'ACTIVE' | 'COMPLETED' | 'EXITED';

/** The JSON document an instance carries (SPEC 4.2); send-step mappings read from it. */
export interface JourneyContext {
  userId: string;
  journey: { id: string; name: string; version: number };
  instance: { id: string; uniqueId: string | null; enteredAt: string };
  entry: { event: string; properties: Record<string, unknown>; timestamp: string; messageId: string };
  /** The last event captured by each hold step, keyed by the hold's step key. */
  events: Record<string, CapturedEvent>;
  traits: Record<string, unknown>;
}

export interface CapturedEvent {
  event: string;
  properties: Record<string, unknown>;
  timestamp: string;
}

/** One user's run through one journey version, as the caller stores it between engine calls. */
export interface InstanceState {
  id: string;
  journeyId: string;
  journeyVersion: number;
  userId: string;
  uniqueId: string | null;
  status: InstanceStatus;
  /** Non-null exactly while the instance is ACTIVE. */
  currentStep: string | null;
  /** Bumped every time the instance enters a step: a timer carries the value it was scheduled with, so a stale or redelivered timer is ignored. */
  stepSeq: number;
  /** Visits per step key, for idempotency keys `<instanceId>:<stepKey>:<visit>` (a loop-back revisits). */
  visits: Record<string, number>;
  context: JourneyContext;
  converted: boolean;
  exitReason: string | null;
  enteredAt: string;
  endedAt: string | null;
  /** When the current hold/wait expires (ISO), for observability; null when not waiting on time. */
  waitingUntil: string | null;
  /** A test run (a workspace test profile in a journey under test): kept out of statistics; its sends say so. */
  test: boolean;
}
