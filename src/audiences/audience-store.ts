import { EntityManager } from 'typeorm';
import { isUuid } from '../common/cursor';
import type { StoredEvent } from '../instances/audience-membership';
import type { Condition } from '../engine/definition';

export interface StoredAudience {
  id: string;
  workspaceId: string;
  name: string;
  condition: Condition;
  holdsWhenEmpty: boolean;
  createdAt: Date;
  /** When the profiles that existed at creation had all been evaluated; null while that runs. */
  filledAt: Date | null;
}

interface AudienceRow {
  id: string;
  workspace_id: string;
  name: string;
  condition: Condition;
  holds_when_empty: boolean;
  created_at: Date;
  filled_at: Date | null;
}

/** A user whose membership of an audience was just decided, and when it must be decided again (null: not by time). */
export interface MembershipDecision {
  audienceId: string;
  userId: string;
  member: boolean;
  recheckAt: Date | null;
}

const COLUMNS = 'id, workspace_id, name, condition, holds_when_empty, created_at, filled_at';

/** All of the audiences' SQL. Membership rows are written only when membership changes. */
/** A user whose membership of some audience can change by time alone at `dueAt`. */
export interface DueRecheck {
  workspaceId: string;
  userId: string;
  dueAt: Date;
}

export const AudienceStore = {
  async insert(manager: EntityManager, workspaceId: string, name: string, condition: Condition, holdsWhenEmpty: boolean): Promise<StoredAudience> {
    const rows: AudienceRow[] = await manager.query(
      `INSERT INTO audiences (workspace_id, name, condition, holds_when_empty) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [workspaceId, name, JSON.stringify(condition), holdsWhenEmpty],
    );
    return toAudience(rows[0]);
  },

  /** Oldest first, each with its exact member count. */
  async listWithSizes(manager: EntityManager, workspaceId: string): Promise<(StoredAudience & { size: number })[]> {
    const rows: (AudienceRow & { size: number })[] = await manager.query(
      `SELECT ${COLUMNS}, (SELECT count(*)::int FROM audience_memberships m WHERE m.audience_id = a.id) AS size
         FROM audiences a WHERE workspace_id = $1 ORDER BY created_at, id`,
      [workspaceId],
    );
    return rows.map((row) => ({ ...toAudience(row), size: row.size }));
  },

  async find(manager: EntityManager, workspaceId: string, audienceId: string): Promise<StoredAudience | null> {
    if (!isUuid(audienceId)) return null;
    const rows: AudienceRow[] = await manager.query(`SELECT ${COLUMNS} FROM audiences WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      audienceId,
    ]);
    return rows[0] ? toAudience(rows[0]) : null;
  },

  /** Locks the audience row until the caller's transaction ends: updates and deletes of one audience take turns. */
  async lock(manager: EntityManager, workspaceId: string, audienceId: string): Promise<StoredAudience | null> {
    if (!isUuid(audienceId)) return null;
    const rows: AudienceRow[] = await manager.query(`SELECT ${COLUMNS} FROM audiences WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [workspaceId, audienceId]);
    return rows[0] ? toAudience(rows[0]) : null;
  },

  /** Published or paused journeys whose running version enters from, or filters on, the audience. */
  async liveJourneysUsing(manager: EntityManager, workspaceId: string, audienceId: string): Promise<{ id: string; name: string; status: string }[]> {
    return manager.query(
      `SELECT j.id, j.name, j.status FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
       WHERE j.workspace_id = $1 AND j.status IN ('PUBLISHED', 'PAUSED')
         AND $2 IN (v.definition->'trigger'->>'audienceId', v.definition->'trigger'->>'audienceFilterId')
       ORDER BY j.name`,
      [workspaceId, audienceId],
    );
  },

  /** A new condition: membership is decided again from scratch (the caller restarts the backfill). */
  async update(manager: EntityManager, audienceId: string, name: string, condition: Condition | null, holdsWhenEmpty: boolean): Promise<StoredAudience> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [AudienceRow[], number] = condition
      ? await manager.query(
          `UPDATE audiences SET name = $2, condition = $3, holds_when_empty = $4, filled_at = NULL WHERE id = $1 RETURNING ${COLUMNS}`,
          [audienceId, name, JSON.stringify(condition), holdsWhenEmpty],
        )
      : await manager.query(`UPDATE audiences SET name = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [audienceId, name]);
    if (condition) await manager.query('DELETE FROM audience_rechecks WHERE audience_id = $1', [audienceId]);
    return toAudience(rows[0]);
  },

  async size(manager: EntityManager, audienceId: string): Promise<number> {
    const [{ n }]: { n: number }[] = await manager.query('SELECT count(*)::int AS n FROM audience_memberships WHERE audience_id = $1', [audienceId]);
    return n;
  },

  /** Memberships and rechecks go with it (ON DELETE CASCADE). */
  async delete(manager: EntityManager, audienceId: string): Promise<void> {
    await manager.query('DELETE FROM audiences WHERE id = $1', [audienceId]);
  },

  async ids(manager: EntityManager, workspaceId: string): Promise<string[]> {
    const rows: { id: string }[] = await manager.query('SELECT id FROM audiences WHERE workspace_id = $1', [workspaceId]);
    return rows.map((row) => row.id);
  },

  async name(manager: EntityManager, audienceId: string): Promise<string | null> {
    if (!isUuid(audienceId)) return null;
    const rows: { name: string }[] = await manager.query('SELECT name FROM audiences WHERE id = $1', [audienceId]);
    return rows[0]?.name ?? null;
  },

  /**
   * The audiences an event can change: those counting its event name (track, page), or those filtering on
   * traits (identify). `holdsWhenEmpty` ones come too, flagged `affected: false`, for a profile's first contact.
   */
  async affectedBy(manager: EntityManager, workspaceId: string, event: StoredEvent): Promise<(StoredAudience & { affected: boolean })[]> {
    const affected =
      event.type === 'identify'
        ? `jsonb_array_length(condition->'filters') > 0`
        : `condition->'performed' @> jsonb_build_array(jsonb_build_object('event', $2::text))`;
    const rows: (AudienceRow & { affected: boolean })[] = await manager.query(
      `SELECT ${COLUMNS}, (${affected}) AS affected FROM audiences
        WHERE workspace_id = $1 AND ((${affected}) OR holds_when_empty) ORDER BY created_at, id`,
      event.type === 'identify' ? [workspaceId] : [workspaceId, event.event ?? ''],
    );
    return rows.map((row) => ({ ...toAudience(row), affected: row.affected }));
  },

  /** True the first time it is called for a profile: its first event reaches the audiences. */
  async firstContact(manager: EntityManager, workspaceId: string, userId: string): Promise<boolean> {
    const rows = await manager.query(
      'INSERT INTO audience_known_profiles (workspace_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
      [workspaceId, userId],
    );
    return rows.length > 0;
  },

  /** The user's audiences whose windows have slid by `now`, locked until the caller's transaction ends. */
  async dueForUser(manager: EntityManager, workspaceId: string, userId: string, now: Date): Promise<StoredAudience[]> {
    const rows: AudienceRow[] = await manager.query(
      `SELECT ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}
         FROM audience_rechecks r JOIN audiences a ON a.id = r.audience_id
        WHERE r.workspace_id = $1 AND r.user_id = $2 AND r.due_at <= $3
        ORDER BY a.created_at, a.id FOR UPDATE OF r`,
      [workspaceId, userId, now],
    );
    return rows.map(toAudience);
  },

  /** Which of `userIds` are members of the audience now. */
  async membersAmong(manager: EntityManager, audienceId: string, userIds: string[]): Promise<Set<string>> {
    const rows: { user_id: string }[] = await manager.query(
      'SELECT user_id FROM audience_memberships WHERE audience_id = $1 AND user_id = ANY($2::text[])',
      [audienceId, userIds],
    );
    return new Set(rows.map((row) => row.user_id));
  },

  /** Through the (audience, user) key: of these audiences, those each user is in. */
  async membershipsOf(manager: EntityManager, workspaceId: string, audienceIds: string[], userIds: string[]): Promise<Map<string, Set<string>>> {
    const byUser = new Map<string, Set<string>>(userIds.map((userId) => [userId, new Set()]));
    const audiences = audienceIds.filter(isUuid);
    if (audiences.length === 0) return byUser;
    const rows: { user_id: string; audience_id: string }[] = await manager.query(
      'SELECT user_id, audience_id FROM audience_memberships WHERE audience_id = ANY($1::uuid[]) AND user_id = ANY($2::text[]) AND workspace_id = $3',
      [audiences, userIds, workspaceId],
    );
    for (const row of rows) byUser.get(row.user_id)?.add(row.audience_id);
    return byUser;
  },

  async memberIds(manager: EntityManager, workspaceId: string, audienceId: string): Promise<string[]> {
    if (!isUuid(audienceId)) return [];
    const rows: { user_id: string }[] = await manager.query(
      'SELECT user_id FROM audience_memberships WHERE audience_id = $1 AND workspace_id = $2 ORDER BY user_id',
      [audienceId, workspaceId],
    );
    return rows.map((row) => row.user_id);
  },

  /**
   * Persists decisions whose membership differs from `wasMember` (one insert and one delete statement at
   * most, whatever their number), and the rechecks of all of them.
   */
  async record(manager: EntityManager, workspaceId: string, decisions: (MembershipDecision & { wasMember: boolean })[], at: Date): Promise<DueRecheck[]> {
    const entering = decisions.filter((d) => d.member && !d.wasMember);
    const leaving = decisions.filter((d) => !d.member && d.wasMember);
    if (entering.length) {
      await manager.query(
        `INSERT INTO audience_memberships (audience_id, user_id, workspace_id, entered_at)
         SELECT audience_id, user_id, $3, $4 FROM unnest($1::uuid[], $2::text[]) AS e(audience_id, user_id)
         ON CONFLICT DO NOTHING`,
        [entering.map((d) => d.audienceId), entering.map((d) => d.userId), workspaceId, at],
      );
    }
    if (leaving.length) {
      await manager.query(
        `DELETE FROM audience_memberships m USING unnest($1::uuid[], $2::text[]) AS l(audience_id, user_id)
          WHERE m.audience_id = l.audience_id AND m.user_id = l.user_id`,
        [leaving.map((d) => d.audienceId), leaving.map((d) => d.userId)],
      );
    }
    return AudienceStore.scheduleRechecks(manager, workspaceId, decisions);
  },

  /**
   * Sets each pair's recheck to its `recheckAt`, or removes it when there is none. Returns the rechecks that
   * are new or moved, marked handed over: the caller wakes their users then, in the same transaction.
   */
  async scheduleRechecks(
    manager: EntityManager,
    workspaceId: string,
    decisions: Pick<MembershipDecision, 'audienceId' | 'userId' | 'recheckAt'>[],
  ): Promise<DueRecheck[]> {
    const timed = decisions.filter((d) => d.recheckAt !== null);
    const untimed = decisions.filter((d) => d.recheckAt === null);
    let scheduled: DueRecheck[] = [];
    if (timed.length) {
      const rows: { workspace_id: string; user_id: string; due_at: Date }[] = await manager.query(
        `INSERT INTO audience_rechecks (audience_id, user_id, workspace_id, due_at, enqueued_at)
         SELECT audience_id, user_id, $4, due_at, now() FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS r(audience_id, user_id, due_at)
         ON CONFLICT (audience_id, user_id) DO UPDATE SET due_at = EXCLUDED.due_at, enqueued_at = now()
           WHERE audience_rechecks.due_at <> EXCLUDED.due_at OR audience_rechecks.enqueued_at IS NULL
         RETURNING workspace_id, user_id, due_at`,
        [timed.map((d) => d.audienceId), timed.map((d) => d.userId), timed.map((d) => d.recheckAt), workspaceId],
      );
      scheduled = rows.map((row) => ({ workspaceId: row.workspace_id, userId: row.user_id, dueAt: row.due_at }));
    }
    if (untimed.length) {
      await manager.query(
        `DELETE FROM audience_rechecks r USING unnest($1::uuid[], $2::text[]) AS u(audience_id, user_id)
          WHERE r.audience_id = u.audience_id AND r.user_id = u.user_id`,
        [untimed.map((d) => d.audienceId), untimed.map((d) => d.userId)],
      );
    }
    return scheduled;
  },

  /**
   * Rechecks whose users were never woken for them (scheduled before wake-ups were delayed jobs), marked
   * handed over: up to `limit`, for whichever process gets them first.
   */
  async claimNotHandedOver(manager: EntityManager, limit: number): Promise<DueRecheck[]> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [{ workspace_id: string; user_id: string; due_at: Date }[], number] = await manager.query(
      `WITH waiting AS (
         SELECT audience_id, user_id FROM audience_rechecks WHERE enqueued_at IS NULL
          ORDER BY due_at LIMIT ${Math.floor(limit)} FOR UPDATE SKIP LOCKED)
       UPDATE audience_rechecks r SET enqueued_at = now() FROM waiting
        WHERE r.audience_id = waiting.audience_id AND r.user_id = waiting.user_id
       RETURNING r.workspace_id, r.user_id, r.due_at`,
    );
    return rows.map((row) => ({ workspaceId: row.workspace_id, userId: row.user_id, dueAt: row.due_at }));
  },

  async markFilled(manager: EntityManager, audienceId: string, at: Date): Promise<void> {
    await manager.query('UPDATE audiences SET filled_at = $2 WHERE id = $1', [audienceId, at]);
  },

  /** The next profiles of a workspace after `afterUserId`, in user id order (the primary key's). */
  async profilesAfter(manager: EntityManager, workspaceId: string, afterUserId: string | null, limit: number): Promise<string[]> {
    const rows: { user_id: string }[] = await manager.query(
      `SELECT user_id FROM profiles WHERE workspace_id = $1 AND ($2::text IS NULL OR user_id > $2) ORDER BY user_id LIMIT ${Math.floor(limit)}`,
      [workspaceId, afterUserId],
    );
    return rows.map((row) => row.user_id);
  },

  async traitsOf(manager: EntityManager, workspaceId: string, userIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows: { user_id: string; traits: Record<string, unknown> }[] = await manager.query(
      'SELECT user_id, traits FROM profiles WHERE workspace_id = $1 AND user_id = ANY($2::text[])',
      [workspaceId, userIds],
    );
    return new Map(rows.map((row) => [row.user_id, row.traits]));
  },
};

function toAudience(row: AudienceRow): StoredAudience {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    condition: row.condition,
    holdsWhenEmpty: row.holds_when_empty,
    createdAt: row.created_at,
    filledAt: row.filled_at,
  };
}
