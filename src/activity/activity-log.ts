import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-statements';
import type { ActivityDraft } from '../engine';
import { countInstanceTransitions } from '../metrics/metrics';

export interface ActivityOwner {
  workspaceId: string;
  journeyId: string;
  instanceId: string;
  userId: string;
  /** Records of a test run (see InstanceState.test); absent means false. */
  test?: boolean;
}

export interface ActivityEntry {
  owner: ActivityOwner;
  drafts: ActivityDraft[];
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
  /**
   * The records of many instances, in the given order, and their NOTIFYs: one statement, since each
   * round trip to PostgreSQL costs more CPU here than the insert itself (BENCHMARKS.md, improvement 9).
   */
  async appendMany(manager: EntityManager, entries: ActivityEntry[]): Promise<void> {
    const rows = entries.flatMap(({ owner, drafts }) =>
      drafts.map((draft) => ({ w: owner.workspaceId, j: owner.journeyId, i: owner.instanceId, u: owner.userId, t: owner.test === true, ...draft })),
    );
    if (rows.length === 0) return;
    // The metrics count live traffic: test runs stay out of them, as out of journey statistics.
    countInstanceTransitions(manager, rows.filter((row) => !row.t));
    await queryPrepared(manager, 'itinera_append_activities',
      `WITH inserted AS (
         INSERT INTO activities (workspace_id, journey_id, instance_id, user_id, type, step_key, detail, at, test)
         SELECT (a->>'w')::uuid, (a->>'j')::uuid, (a->>'i')::uuid, a->>'u', a->>'type', a->>'stepKey', NULLIF(a->'detail', 'null'::jsonb), (a->>'at')::timestamptz,
                (a->>'t')::boolean
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(a, ord)
         ORDER BY e.ord
         RETURNING id, workspace_id
       ), numbered AS (
         SELECT id, workspace_id, (row_number() OVER (PARTITION BY workspace_id ORDER BY id) - 1) / $3::int AS chunk FROM inserted
       )
       SELECT pg_notify($2, json_build_object('w', workspace_id, 'ids', json_agg(id::text ORDER BY id))::text)
       FROM numbered GROUP BY workspace_id, chunk`,
      [JSON.stringify(rows), ACTIVITY_CHANNEL, IDS_PER_NOTIFY],
    );
  }
}
