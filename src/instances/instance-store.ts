import { EntityManager } from 'typeorm';
import type { InstanceState } from '../engine';

interface InstanceRow {
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
}

const COLUMNS = `id, journey_id, journey_version, user_id, unique_id, status, current_step, step_seq, visits, context,
  converted, exit_reason, entered_at, ended_at, waiting_until`;

/** The SQL that loads and saves instance state for the runtime; rows are locked for the caller's transaction. */
export const InstanceStore = {
  /** The user's active instances across journeys, through the partial (workspace, user) index. */
  async lockActiveOfUser(manager: EntityManager, workspaceId: string, userId: string): Promise<InstanceState[]> {
    const rows: InstanceRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM journey_instances WHERE workspace_id = $1 AND user_id = $2 AND status = 'ACTIVE'
       ORDER BY entered_at, id FOR UPDATE`,
      [workspaceId, userId],
    );
    return rows.map(toState);
  },

  async lock(manager: EntityManager, instanceId: string): Promise<InstanceState | null> {
    const rows: InstanceRow[] = await manager.query(`SELECT ${COLUMNS} FROM journey_instances WHERE id = $1 FOR UPDATE`, [instanceId]);
    return rows[0] ? toState(rows[0]) : null;
  },

  async lockActiveOfJourney(manager: EntityManager, journeyId: string): Promise<(InstanceState & { workspaceId: string })[]> {
    const rows: (InstanceRow & { workspace_id: string })[] = await manager.query(
      `SELECT ${COLUMNS}, workspace_id FROM journey_instances WHERE journey_id = $1 AND status = 'ACTIVE' ORDER BY user_id FOR UPDATE`,
      [journeyId],
    );
    return rows.map((row) => ({ ...toState(row), workspaceId: row.workspace_id }));
  },

  /** Whether the user ever entered the journey, in any version (for `ONCE`). */
  async everEntered(manager: EntityManager, journeyId: string, userId: string): Promise<boolean> {
    const rows = await manager.query('SELECT 1 FROM journey_instances WHERE journey_id = $1 AND user_id = $2 LIMIT 1', [journeyId, userId]);
    return rows.length > 0;
  },

  async insert(manager: EntityManager, workspaceId: string, state: InstanceState): Promise<void> {
    await manager.query(
      `INSERT INTO journey_instances (workspace_id, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [workspaceId, ...values(state)],
    );
  },

  async update(manager: EntityManager, state: InstanceState): Promise<void> {
    const [id, , , , , status, currentStep, stepSeq, visits, context, converted, exitReason, , endedAt, waitingUntil] = values(state);
    await manager.query(
      `UPDATE journey_instances SET status = $2, current_step = $3, step_seq = $4, visits = $5, context = $6, converted = $7,
         exit_reason = $8, ended_at = $9, waiting_until = $10, updated_at = now()
       WHERE id = $1`,
      [id, status, currentStep, stepSeq, visits, context, converted, exitReason, endedAt, waitingUntil],
    );
  },
};

function values(s: InstanceState): unknown[] {
  return [
    s.id,
    s.journeyId,
    s.journeyVersion,
    s.userId,
    s.uniqueId,
    s.status,
    s.currentStep,
    s.stepSeq,
    JSON.stringify(s.visits),
    JSON.stringify(s.context),
    s.converted,
    s.exitReason,
    s.enteredAt,
    s.endedAt,
    s.waitingUntil,
  ];
}

function toState(row: InstanceRow): InstanceState {
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
  };
}
