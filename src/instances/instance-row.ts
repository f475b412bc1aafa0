import type { InstanceState } from '../engine';

/** A `journey_instances` row as the runtime and the admin API read it. */
export interface InstanceRow {
  id: string;
  journey_id: string;
  journey_version: number;
  user_id: string;
  unique_id: string | null;
  status: InstanceState['status'];
  current_step: string | null;
  step_seq: number;
  visits: Record<string, number>;
  context: InstanceState['context'];
  converted: boolean;
  exit_reason: string | null;
  entered_at: Date;
  ended_at: Date | null;
  waiting_until: Date | null;
  test: boolean;
}

export const INSTANCE_COLUMNS = `id, journey_id, journey_version, user_id, unique_id, status, current_step, step_seq, visits, context,
  converted, exit_reason, entered_at, ended_at, waiting_until, test`;

/** The one mapping from a row to the instance's state; the admin API shows the same state. */
export function toInstanceState(row: InstanceRow): InstanceState {
  return {
    id: row.id,
    journeyId: row.journey_id,
    journeyVersion: row.journey_version,
    userId: row.user_id,
    uniqueId: row.unique_id,
    status: row.status,
    currentStep: row.current_step,
    stepSeq: row.step_seq,
    visits: row.visits,
    context: row.context,
    converted: row.converted,
    exitReason: row.exit_reason,
    enteredAt: row.entered_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    waitingUntil: row.waiting_until?.toISOString() ?? null,
    test: row.test,
  };
}

/** And back, for writing (timestamps as ISO text, which PostgreSQL reads as timestamptz). */
export function toInstanceRow(s: InstanceState): Omit<InstanceRow, 'entered_at' | 'ended_at' | 'waiting_until'> & Record<'entered_at' | 'ended_at' | 'waiting_until', string | null> {
  return {
    id: s.id,
    journey_id: s.journeyId,
    journey_version: s.journeyVersion,
    user_id: s.userId,
    unique_id: s.uniqueId,
    status: s.status,
    current_step: s.currentStep,
    step_seq: s.stepSeq,
    visits: s.visits,
    context: s.context,
    converted: s.converted,
    exit_reason: s.exitReason,
    entered_at: s.enteredAt,
    ended_at: s.endedAt,
    waiting_until: s.waitingUntil,
    test: s.test,
  };
}
