/**
 * After every scenario: did every accepted event count? (Issue 12.) A shortfall fails the run.
 * - events to apply stored past their user's cursor once the worker drained (accepted, never applied);
 *   events that no journey could read when they were accepted have no job by design and are counted apart;
 * - users who sent a published journey's trigger event (unfiltered, after publication) and have no
 *   instance of it (applied, but never entered);
 * - and the cost of one stranded-events reconciler sweep of a full page, rolled back (it must stay
 *   bounded however large the events table grows).
 */
import { DataSource } from 'typeorm';
import { findStrandedEvents } from '../src/ingestion/stranded-events-reconciler';
import { round } from './load';

export interface AcceptedVsApplied {
  scenario: string;
  storedEvents: number;
  /** Stored, but no journey could read them when they were accepted: no runtime job, by design. */
  unreadEvents: number;
  unappliedEvents: number;
  triggerUsers: number;
  triggerUsersWithoutInstance: number;
  strandedEvents: number;
  sweepEvents: number;
  sweepMs: number;
}

const SWEEP_PAGE = 5_000;

export async function acceptedVsApplied(databaseUrl: string, scenario: string): Promise<AcceptedVsApplied> {
  const dataSource = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  try {
    // A baseline checkout's database (--baseline) may predate events.applies: there every event is one to
    // apply, which the column's default says, and this tree's reconciler can then sweep it too.
    await dataSource.query(`ALTER TABLE events ADD COLUMN IF NOT EXISTS applies boolean NOT NULL DEFAULT true`);
    const [counts] = await dataSource.query(
      `SELECT (SELECT count(*) FROM events)::bigint AS stored,
              (SELECT count(*) FROM events WHERE NOT applies)::bigint AS unread,
              (SELECT count(*) FROM events e LEFT JOIN event_cursors c ON c.workspace_id = e.workspace_id AND c.user_id = e.user_id
                WHERE e.applies AND e.seq > COALESCE(c.applied_seq, 0))::bigint AS unapplied`,
    );
    const [triggers] = await dataSource.query(
      `WITH triggers AS (
         SELECT j.id AS journey_id, j.workspace_id, v.definition->'trigger'->'event'->>'event' AS event, j.published_at
         FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
         WHERE j.status = 'PUBLISHED' AND v.definition->'trigger'->>'type' = 'EVENT'
           AND jsonb_array_length(COALESCE(v.definition->'trigger'->'event'->'filters', '[]'::jsonb)) = 0
       ), triggered AS (
         SELECT DISTINCT t.journey_id, e.user_id FROM triggers t
         JOIN events e ON e.workspace_id = t.workspace_id AND e.event = t.event AND e.received_at > t.published_at
       )
       SELECT count(*)::bigint AS users,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM journey_instances i WHERE i.journey_id = tr.journey_id AND i.user_id = tr.user_id))::bigint AS missing
       FROM triggered tr`,
    );
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`UPDATE event_reconciler_progress SET checked_seq = 0`);
      const started = performance.now();
      const sweep = await findStrandedEvents(runner.manager, { graceSeconds: 0, limit: SWEEP_PAGE });
      const sweepMs = performance.now() - started;
      return {
        scenario,
        storedEvents: Number(counts.stored),
        unreadEvents: Number(counts.unread),
        unappliedEvents: Number(counts.unapplied),
        triggerUsers: Number(triggers.users),
        triggerUsersWithoutInstance: Number(triggers.missing),
        strandedEvents: sweep.strandedEvents,
        sweepEvents: sweep.examined,
        sweepMs,
      };
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}

export const shortfall = (check: AcceptedVsApplied) => check.unappliedEvents + check.triggerUsersWithoutInstance + check.strandedEvents;

export function acceptedVsAppliedTable(checks: AcceptedVsApplied[]): string {
  const header =
    '| after scenario | events stored | of them read by no journey (no job) | stored, not applied | users triggering a journey | of them with no instance | reconciler: stranded | reconciler sweep |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
  const rows = checks.map(
    (c) =>
      `| ${c.scenario} | ${c.storedEvents.toLocaleString('en-US')} | ${c.unreadEvents.toLocaleString('en-US')} | ${c.unappliedEvents} | ${c.triggerUsers.toLocaleString('en-US')} | ${c.triggerUsersWithoutInstance} | ${c.strandedEvents} | ${c.sweepEvents.toLocaleString('en-US')} events in ${round(c.sweepMs, 1)} ms |`,
  );
  return [header, ...rows].join('\n');
}
