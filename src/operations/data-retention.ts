import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { durationToMs } from '../engine/duration';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export interface RetentionResult {
  events: number;
  activities: number;
  deliveries: number;
  jobs: number;
}

const DAY_MS = 86_400_000;

/** Per workspace and event name, events still counted by a `performed` clause: those at or after `since`. */
interface CountedEvents {
  workspace_id: string;
  event: string;
  since: string;
}

/**
 * Removes records older than the retention in bounded batches: each statement examines at most
 * `batchSize` rows, in its own short transaction, walking forward by time, so housekeeping never holds
 * locks that ingestion or the runtime would wait on for long. What running instances still need stays:
 * unapplied events, the entry event of active instances, events a `performed` clause of a journey or
 * audience still counts, the activity of active instances, and deliveries not yet final.
 */
@Injectable()
export class DataRetention {
  private readonly logger = new Logger('housekeeping');
  batchSize = 5_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async scheduledPurge(): Promise<void> {
    if (this.config.role === 'api') return;
    try {
      const removed = await this.purge();
      if (Object.values(removed).some((count) => count > 0)) this.logger.log({ msg: 'old records removed', ...removed });
    } catch (error) {
      this.logger.error({ msg: 'retention purge failed; the next run retries', error: String(error) });
    }
  }

  async purge(now = new Date()): Promise<RetentionResult> {
    const policy = this.config.retention;
    const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
    return {
      events: policy.eventDays > 0 ? await this.purgeEvents(cutoff(policy.eventDays), now) : 0,
      activities: policy.activityDays > 0 ? await this.purgeActivities(cutoff(policy.activityDays)) : 0,
      deliveries: policy.deliveryDays > 0 ? await this.purgeDeliveries(cutoff(policy.deliveryDays)) : 0,
      jobs: policy.jobDays > 0 ? await this.purgeJobs(cutoff(policy.jobDays)) : 0,
    };
  }

  private async purgeEvents(before: Date, now: Date): Promise<number> {
    const counted = JSON.stringify(await this.countedEvents(now));
    return this.inBatches(
      `WITH candidates AS (
         SELECT e.seq, e.received_at FROM events e
         WHERE e.received_at < $1 AND (e.received_at, e.seq) > ($2::timestamptz, $3::bigint)
         ORDER BY e.received_at, e.seq LIMIT $4
       ), removed AS (
         DELETE FROM events e USING candidates c
         WHERE e.seq = c.seq
           AND (NOT e.applies OR e.seq <= COALESCE((SELECT applied_seq FROM event_cursors cur WHERE cur.workspace_id = e.workspace_id AND cur.user_id = e.user_id), 0))
           AND NOT EXISTS (
             SELECT 1 FROM journey_instances i
             WHERE i.workspace_id = e.workspace_id AND i.user_id = e.user_id AND i.status = 'ACTIVE' AND i.context->'entry'->>'messageId' = e.message_id)
           AND NOT EXISTS (
             SELECT 1 FROM jsonb_to_recordset($5::jsonb) AS k(workspace_id uuid, event text, since timestamptz)
             WHERE k.workspace_id = e.workspace_id AND k.event = e.event AND e.timestamp >= k.since)
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM candidates) AS examined,
              (SELECT received_at FROM candidates ORDER BY received_at DESC, seq DESC LIMIT 1) AS last_at,
              (SELECT seq FROM candidates ORDER BY received_at DESC, seq DESC LIMIT 1) AS last_id`,
      before,
      [counted],
    );
  }

  private purgeActivities(before: Date): Promise<number> {
    return this.inBatches(
      `WITH candidates AS (
         SELECT a.id, a.at FROM activities a
         WHERE a.at < $1 AND (a.at, a.id) > ($2::timestamptz, $3::bigint)
         ORDER BY a.at, a.id LIMIT $4
       ), removed AS (
         DELETE FROM activities a USING candidates c
         WHERE a.id = c.id AND NOT EXISTS (SELECT 1 FROM journey_instances i WHERE i.id = a.instance_id AND i.status = 'ACTIVE')
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM candidates) AS examined,
              (SELECT at FROM candidates ORDER BY at DESC, id DESC LIMIT 1) AS last_at,
              (SELECT id FROM candidates ORDER BY at DESC, id DESC LIMIT 1) AS last_id`,
      before,
    );
  }

  /** Final deliveries only: a pending or retrying one is still to be attempted. */
  private purgeDeliveries(before: Date): Promise<number> {
    return this.inBatches(
      `WITH candidates AS (
         SELECT d.id, d.created_at FROM deliveries d
         WHERE d.created_at < $1 AND (d.created_at, d.id::text) > ($2::timestamptz, $3::text)
         ORDER BY d.created_at, d.id::text LIMIT $4
       ), removed AS (
         DELETE FROM deliveries d USING candidates c WHERE d.id = c.id AND d.status IN ('DELIVERED', 'FAILED') RETURNING 1
       )
       SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM candidates) AS examined,
              (SELECT created_at FROM candidates ORDER BY created_at DESC, id::text DESC LIMIT 1) AS last_at,
              (SELECT id::text FROM candidates ORDER BY created_at DESC, id::text DESC LIMIT 1) AS last_id`,
      before,
      [],
      '',
    );
  }

  /** Finished jobs, which pg-boss moves to its archive. */
  private purgeJobs(before: Date): Promise<number> {
    return this.inBatches(
      `WITH candidates AS (
         SELECT name, id, archived_on FROM pgboss.archive
         WHERE archived_on < $1 AND (archived_on, id::text) > ($2::timestamptz, $3::text)
         ORDER BY archived_on, id::text LIMIT $4
       ), removed AS (
         DELETE FROM pgboss.archive a USING candidates c WHERE a.name = c.name AND a.id = c.id RETURNING 1
       )
       SELECT (SELECT count(*) FROM removed) AS removed, (SELECT count(*) FROM candidates) AS examined,
              (SELECT archived_on FROM candidates ORDER BY archived_on DESC, id::text DESC LIMIT 1) AS last_at,
              (SELECT id::text FROM candidates ORDER BY archived_on DESC, id::text DESC LIMIT 1) AS last_id`,
      before,
      [],
      '',
    );
  }

  /**
   * Runs `statement` (params: before, last time and id examined, batch size, ...extra) until a batch
   * examines fewer rows than the batch size. Rows kept are walked past, never examined twice.
   */
  private async inBatches(statement: string, before: Date, extra: unknown[] = [], firstId: string | number = 0): Promise<number> {
    let removed = 0;
    let last: [Date | string, string | number] = [new Date(0), firstId];
    for (;;) {
      const [row]: { removed: string; examined: string; last_at: Date | null; last_id: string | number | null }[] = await this.dataSource.query(statement, [
        before,
        last[0],
        last[1],
        this.batchSize,
        ...extra,
      ]);
      removed += Number(row.removed);
      if (Number(row.examined) < this.batchSize || row.last_at === null || row.last_id === null) return removed;
      last = [row.last_at, row.last_id];
    }
  }

  /**
   * What `performed` clauses may still count: of the journeys that can run (published or paused, and any
   * version with active instances) and of every audience, per event name the longest window (or all of
   * them, for a clause without a window).
   */
  private async countedEvents(now: Date): Promise<CountedEvents[]> {
    const clauses: { workspace_id: string; clause: { event?: unknown; within?: unknown } }[] = await this.dataSource.query(
      `SELECT v.workspace_id, jsonb_path_query(v.definition, 'strict $.**.performed[*]') AS clause
       FROM journey_versions v JOIN journeys j ON j.id = v.journey_id
       WHERE (j.status IN ('PUBLISHED', 'PAUSED') AND v.version = j.version)
          OR EXISTS (SELECT 1 FROM journey_instances i WHERE i.journey_id = v.journey_id AND i.journey_version = v.version AND i.status = 'ACTIVE')
       UNION ALL
       SELECT a.workspace_id, jsonb_path_query(a.condition, 'strict $.**.performed[*]') FROM audiences a`,
    );
    const longest = new Map<string, CountedEvents>();
    for (const { workspace_id, clause } of clauses) {
      if (typeof clause?.event !== 'string') continue;
      const windowMs = typeof clause.within === 'string' ? durationToMs(clause.within) : null;
      const since = windowMs === null ? new Date(0) : new Date(now.getTime() - windowMs);
      const key = `${workspace_id}:${clause.event}`;
      const known = longest.get(key);
      if (!known || since.toISOString() < known.since) longest.set(key, { workspace_id, event: clause.event, since: since.toISOString() });
    }
    return [...longest.values()];
  }
}
