import { EntityManager } from 'typeorm';
import type { InstanceState } from '../engine';
import { userKeyOf, type UserKey } from './unapplied-events';

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
/** The same, of the table aliased `i`. */
const I_COLUMNS = COLUMNS.replace(/(\w+)/g, 'i.$1');

/** The SQL that loads and saves instance state for the runtime; rows are locked for the caller's transaction. */
export const InstanceStore = {
  /** Several users' active instances across journeys, through the partial (workspace, user) index; keyed by `userKeyOf`. */
  async lockActiveOfUsers(manager: EntityManager, users: UserKey[]): Promise<Map<string, InstanceState[]>> {
    const rows: (InstanceRow & { workspace_id: string })[] = await manager.query(
      `SELECT ${I_COLUMNS}, i.workspace_id FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN journey_instances i ON i.workspace_id = u.workspace_id AND i.user_id = u.user_id AND i.status = 'ACTIVE'
       ORDER BY i.user_id, i.entered_at, i.id FOR UPDATE OF i`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId)],
    );
    const byUser = new Map<string, InstanceState[]>(users.map((user) => [userKeyOf(user), []]));
    for (const row of rows) byUser.get(userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }))?.push(toState(row));
    return byUser;
  },

  /** Several users' profile traits ({} for a user with no profile yet); keyed by `userKeyOf`. */
  async traitsOfUsers(manager: EntityManager, users: UserKey[]): Promise<Map<string, Record<string, unknown>>> {
    const rows: { workspace_id: string; user_id: string; traits: Record<string, unknown> }[] = await manager.query(
      `SELECT p.workspace_id, p.user_id, p.traits FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN profiles p ON p.workspace_id = u.workspace_id AND p.user_id = u.user_id`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId)],
    );
    return new Map(rows.map((row) => [userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }), row.traits]));
  },

  /** Several instances, locked (in the order archiving locks them), each with its user's profile traits. */
  async lockManyWithTraits(manager: EntityManager, instanceIds: string[]): Promise<Map<string, { state: InstanceState; traits: Record<string, unknown> }>> {
    const rows: (InstanceRow & { profile_traits: Record<string, unknown> | null })[] = await manager.query(
      `SELECT ${I_COLUMNS}, p.traits AS profile_traits
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

  /** Inserts several new instances, each with its workspace, in one statement. */
  async insertMany(manager: EntityManager, instances: { workspaceId: string; state: InstanceState }[]): Promise<void> {
    if (instances.length === 0) return;
    await manager.query(
      `INSERT INTO journey_instances (workspace_id, ${COLUMNS})
       SELECT workspace_id, ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS u(workspace_id uuid, id uuid, journey_id uuid, journey_version int,
         user_id text, unique_id text, status text, current_step text, step_seq int, visits jsonb, context jsonb, converted boolean,
         exit_reason text, entered_at timestamptz, ended_at timestamptz, waiting_until timestamptz)`,
      [JSON.stringify(instances.map(({ workspaceId, state }) => ({ workspace_id: workspaceId, ...toRow(state) })))],
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
        JSON.stringify(states.map(toRow)),
      ],
    );
  },

};

function toRow(s: InstanceState): Omit<InstanceRow, 'entered_at' | 'ended_at' | 'waiting_until'> & Record<'entered_at' | 'ended_at' | 'waiting_until', string | null> {
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
  };
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
