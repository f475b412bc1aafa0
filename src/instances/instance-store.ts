import { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-statements';
import type { InstanceState } from '../engine';
import { INSTANCE_COLUMNS, toInstanceRow, toInstanceState, type InstanceRow } from './instance-row';
import { userKeyOf, type UserKey } from './unapplied-events';

const COLUMNS = INSTANCE_COLUMNS;
/** The same, of the table aliased `i`. */
const I_COLUMNS = COLUMNS.replace(/(\w+)/g, 'i.$1');

/** The SQL that loads and saves instance state for the runtime; rows are locked for the caller's transaction. */
export const InstanceStore = {
  /** Several users' active instances across journeys, through the partial (workspace, user) index; keyed by `userKeyOf`. */
  async lockActiveOfUsers(manager: EntityManager, users: UserKey[]): Promise<Map<string, InstanceState[]>> {
    const rows = await queryPrepared<(InstanceRow & { workspace_id: string })>(manager, 'itinera_lock_active_of_users',
      `SELECT ${I_COLUMNS}, i.workspace_id FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN journey_instances i ON i.workspace_id = u.workspace_id AND i.user_id = u.user_id AND i.status = 'ACTIVE'
       ORDER BY i.user_id, i.entered_at, i.id FOR UPDATE OF i`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId)],
    );
    const byUser = new Map<string, InstanceState[]>(users.map((user) => [userKeyOf(user), []]));
    for (const row of rows) byUser.get(userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }))?.push(toInstanceState(row));
    return byUser;
  },

  /** Several users' profile traits ({} for a user with no profile yet); keyed by `userKeyOf`. */
  async traitsOfUsers(manager: EntityManager, users: UserKey[]): Promise<Map<string, Record<string, unknown>>> {
    const rows = await queryPrepared<{ workspace_id: string; user_id: string; traits: Record<string, unknown> }>(manager, 'itinera_traits_of_users',
      `SELECT p.workspace_id, p.user_id, p.traits FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN profiles p ON p.workspace_id = u.workspace_id AND p.user_id = u.user_id`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId)],
    );
    return new Map(rows.map((row) => [userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }), row.traits]));
  },

  /** Several instances, locked (in the order archiving locks them), each with its user's profile traits. */
  async lockManyWithTraits(manager: EntityManager, instanceIds: string[]): Promise<Map<string, { state: InstanceState; traits: Record<string, unknown> }>> {
    const rows = await queryPrepared<(InstanceRow & { profile_traits: Record<string, unknown> | null })>(manager, 'itinera_lock_many_with_traits',
      `SELECT ${I_COLUMNS}, p.traits AS profile_traits
       FROM journey_instances i LEFT JOIN profiles p ON p.workspace_id = i.workspace_id AND p.user_id = i.user_id
       WHERE i.id = ANY($1::uuid[]) ORDER BY i.user_id, i.id FOR UPDATE OF i`,
      [instanceIds],
    );
    return new Map(rows.map((row) => [row.id, { state: toInstanceState(row), traits: row.profile_traits ?? {} }]));
  },

  async lockActiveOfJourney(manager: EntityManager, journeyId: string): Promise<(InstanceState & { workspaceId: string })[]> {
    const rows: (InstanceRow & { workspace_id: string })[] = await manager.query(
      `SELECT ${COLUMNS}, workspace_id FROM journey_instances WHERE journey_id = $1 AND status = 'ACTIVE' ORDER BY user_id FOR UPDATE`,
      [journeyId],
    );
    return rows.map((row) => ({ ...toInstanceState(row), workspaceId: row.workspace_id }));
  },

  /**
   * Of these journeys, those each user ever entered, in any version (for `ONCE`); keyed by `userKeyOf`.
   * Live entries count for `journeyIds`, test entries not yet reset (`resetTestProfile`) for `testJourneyIds`:
   * a test run never stops a real entry, nor a real entry a test run.
   */
  async enteredJourneysOfUsers(manager: EntityManager, users: UserKey[], journeyIds: string[], testJourneyIds: string[] = []): Promise<Map<string, Set<string>>> {
    const byUser = new Map<string, Set<string>>(users.map((user) => [userKeyOf(user), new Set()]));
    if (journeyIds.length === 0 && testJourneyIds.length === 0) return byUser;
    const rows = await queryPrepared<{ workspace_id: string; user_id: string; journey_id: string }>(manager, 'itinera_entered_journeys_of_users',
      `SELECT DISTINCT i.workspace_id, i.user_id, i.journey_id FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN journey_instances i ON i.workspace_id = u.workspace_id AND i.user_id = u.user_id
        AND ((NOT i.test AND i.journey_id = ANY($3::uuid[])) OR (i.test AND i.reset_at IS NULL AND i.journey_id = ANY($4::uuid[])))`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId), journeyIds, testJourneyIds],
    );
    for (const row of rows) byUser.get(userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }))?.add(row.journey_id);
    return byUser;
  },

  /** Per user (`userKeyOf`), when they last entered each of these journeys, in any version (test runs aside). */
  async lastEntriesOfUsers(manager: EntityManager, users: UserKey[], journeyIds: string[]): Promise<Map<string, Map<string, string>>> {
    const byUser = new Map<string, Map<string, string>>(users.map((user) => [userKeyOf(user), new Map()]));
    if (journeyIds.length === 0) return byUser;
    const rows = await queryPrepared<{ workspace_id: string; user_id: string; journey_id: string; entered_at: Date }>(manager, 'itinera_last_entries_of_users',
      `SELECT i.workspace_id, i.user_id, i.journey_id, max(i.entered_at) AS entered_at FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
       JOIN journey_instances i ON i.workspace_id = u.workspace_id AND i.user_id = u.user_id AND i.journey_id = ANY($3::uuid[]) AND NOT i.test
       GROUP BY i.workspace_id, i.user_id, i.journey_id`,
      [users.map((u) => u.workspaceId), users.map((u) => u.userId), journeyIds],
    );
    for (const row of rows) byUser.get(userKeyOf({ workspaceId: row.workspace_id, userId: row.user_id }))?.set(row.journey_id, new Date(row.entered_at).toISOString());
    return byUser;
  },

  /** A user's active test instances of one journey, locked. */
  async lockActiveTestRuns(manager: EntityManager, workspaceId: string, journeyId: string, userId: string): Promise<InstanceState[]> {
    const rows: InstanceRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM journey_instances
       WHERE workspace_id = $1 AND journey_id = $2 AND user_id = $3 AND test AND status = 'ACTIVE' ORDER BY entered_at, id FOR UPDATE`,
      [workspaceId, journeyId, userId],
    );
    return rows.map(toInstanceState);
  },

  /** The user's test runs of the journey stop counting for its entry rules (ONCE). */
  async setTestRunsAside(manager: EntityManager, workspaceId: string, journeyId: string, userId: string): Promise<void> {
    await manager.query(
      `UPDATE journey_instances SET reset_at = now() WHERE workspace_id = $1 AND journey_id = $2 AND user_id = $3 AND test AND reset_at IS NULL`,
      [workspaceId, journeyId, userId],
    );
  },

  /** Inserts several new instances, each with its workspace, in one statement. */
  async insertMany(manager: EntityManager, instances: { workspaceId: string; state: InstanceState }[]): Promise<void> {
    if (instances.length === 0) return;
    await queryPrepared(manager, 'itinera_insert_instances',
      `INSERT INTO journey_instances (workspace_id, ${COLUMNS})
       SELECT workspace_id, ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS u(workspace_id uuid, id uuid, journey_id uuid, journey_version int,
         user_id text, unique_id text, status text, current_step text, step_seq int, visits jsonb, context jsonb, converted boolean,
         exit_reason text, entered_at timestamptz, ended_at timestamptz, waiting_until timestamptz, test boolean)`,
      [JSON.stringify(instances.map(({ workspaceId, state }) => ({ workspace_id: workspaceId, ...toInstanceRow(state) })))],
    );
  },

  /** Saves several instances' states in one statement. */
  async updateMany(manager: EntityManager, states: InstanceState[]): Promise<void> {
    if (states.length === 0) return;
    await queryPrepared(manager, 'itinera_update_instances',
      `UPDATE journey_instances AS i SET status = u.status, current_step = u.current_step, step_seq = u.step_seq, visits = u.visits, context = u.context,
         converted = u.converted, exit_reason = u.exit_reason, ended_at = u.ended_at, waiting_until = u.waiting_until, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, current_step text, step_seq int, visits jsonb, context jsonb, converted boolean,
                                                exit_reason text, ended_at timestamptz, waiting_until timestamptz)
       WHERE i.id = u.id`,
      [
        JSON.stringify(states.map(toInstanceRow)),
      ],
    );
  },

};
