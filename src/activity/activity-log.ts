import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ActivityDraft } from '../engine';

export interface ActivityOwner {
  workspaceId: string;
  journeyId: string;
  instanceId: string;
  userId: string;
}

/** Subscribers in every API process LISTEN here; payloads carry ids only (NOTIFY is capped at 8,000 bytes). */
export const ACTIVITY_CHANNEL = 'itinera_activity';
const IDS_PER_NOTIFY = 200;

/**
 * Appends activity records inside the caller's transaction (the state change and its record commit
 * together) and announces them to subscribers when that transaction commits.
 */
@Injectable()
export class ActivityLog {
  async append(manager: EntityManager, owner: ActivityOwner, drafts: ActivityDraft[]): Promise<string[]> {
    if (drafts.length === 0) return [];
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO activities (workspace_id, journey_id, instance_id, user_id, type, step_key, detail, at)
       SELECT $1, $2, $3, $4, a->>'type', a->>'stepKey', NULLIF(a->'detail', 'null'::jsonb), (a->>'at')::timestamptz
       FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS e(a, ord)
       ORDER BY e.ord
       RETURNING id`,
      [owner.workspaceId, owner.journeyId, owner.instanceId, owner.userId, JSON.stringify(drafts)],
    );
    const ids = rows.map((r) => String(r.id));
    for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
      await manager.query('SELECT pg_notify($1, $2)', [ACTIVITY_CHANNEL, JSON.stringify({ w: owner.workspaceId, ids: ids.slice(i, i + IDS_PER_NOTIFY) })]);
    }
    return ids;
  }
}
