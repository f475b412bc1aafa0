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

  /** The instance, locked, with its user's profile traits (one round trip for a timer). */
  async lockWithTraits(manager: EntityManager, instanceId: string): Promise<{ state: InstanceState; traits: Record<string, unknown> } | null> {
    const rows: (InstanceRow & { profile_traits: Record<string, unknown> | null })[] = await manager.query(
      `SELECT ${COLUMNS.replace(/(\w+)/g, 'i.$1')}, p.traits AS profile_traits
       FROM journey_instances i LEFT JOIN profiles p ON p.workspace_id = i.workspace_id AND p.user_id = i.user_id
       WHERE i.id = $1 FOR UPDATE OF i`,
      [instanceId],
    );
    return rows[0] ? { state: toState(rows[0]), traits: rows[0].profile_traits ?? {} } : null;
  },

  /** Several instances, locked (in the order archiving locks them), each with its user's profile traits. */
  async lockManyWithTraits(manager: EntityManager, instanceIds: string[]): Promise<Map<string, { state: InstanceState; traits: Record<string, unknown> }>> {
    const rows: (InstanceRow & { profile_traits: Record<string, unknown> | null })[] = await manager.query(
      `SELECT ${COLUMNS.replace(/(\w+)/g, 'i.$1')}, p.traits AS profile_traits
       FROM journey_instances i LEFT JOIN profiles p ON p.workspace_id = i.workspace_id AND p.user_id = i.user_id
       WHERE i.id = ANY($1::uuid[]) ORDER BY i.user_id, i.id FOR UPDATE OF i`,
      [instanceIds],
    );
    return new Map(rows.map((row) => [row.id, { state: toState(row), traits: row.profile_traits ?? {} }]));
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

  /** Saves several instances' states in one statement. */
  async updateMany(manager: EntityManager, states: InstanceState[]): Promise<void> {
    if (states.length === 0) return;
    await manager.query(
      `UPDATE journey_instances AS i SET status = u.status, current_step = u.current_step, step_seq = u.step_seq, visits = u.visits, context = u.context,
         converted = u.converted, exit_reason = u.exit_reason, ended_at = u.ended_at, waiting_until = u.waiting_until, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, current_step text, step_seq int, visits jsonb, context jsonb, converted boolean,
                                                exit_reason text, ended_at timestamptz, waiting_until timestamptz)
       WHERE i.id = u.id`,
      [
        JSON.stringify(
          states.map((s) => ({
            id: s.id,
            status: s.status,
            current_step: s.currentStep,
            step_seq: s.stepSeq,
            visits: s.visits,
            context: s.context,
            converted: s.converted,
            exit_reason: s.exitReason,
            ended_at: s.endedAt,
            waiting_until: s.waitingUntil,
          })),
        ),
      ],
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
