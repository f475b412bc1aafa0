import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { queryPrepared } from '../database/prepared-statements';
import { withoutSuppressedUsers } from '../profiles/suppressed-profiles';
import { heldShortJobsInsert } from '../queue/held-jobs';
import { QueueService } from '../queue/queue.service';
import { AcceptedMessage, isStoredAsEvent } from './message-validation';
import { applyAliases } from './profile-aliases';
import { USER_EVENTS_QUEUE, UserEventsJob, userEventsJobKey } from './user-events-queue';
import { needsApplying, WorkspaceEventCatalog } from './workspace-event-catalog';

export interface IngestionResult {
  accepted: number;
  duplicates: number;
}

/**
 * Ingestion's writes as one statement, so one round trip and one (durable) commit per request (BENCHMARKS.md,
 * improvement 13); each step's order is forced by the next one reading the whole of it (an aggregate over it):
 * 1. the first of each messageId not seen in the last 24 hours, of users not suppressed, is accepted
 *    (message ids locked in sorted order: requests with the same ids in different orders cannot deadlock);
 * 2. the user's lock: each accepted user's profile row, upserted with the traits merged in acceptance
 *    order (later values win), in sorted order, before any of the user's events draws its `seq`, and held
 *    until commit; so for each user acceptance order (`seq`) is commit order, and the runtime, which
 *    moves a user's cursor past every event it sees, can never skip one (an upsert whose WHERE is false
 *    still locks the row);
 * 3. the events, in acceptance order;
 * 4. each user's waiting job, inserted or locked until commit (held-jobs.ts), for users with a message the
 *    runtime must apply: with the catalog version the caller's `applies` were decided at ($4) no longer
 *    the stored one, every message counts as one to apply (WorkspaceEventCatalog).
 * $1 workspace, $2 the messages (eventRow + stored + applies + job_key), $3 the user-events queue, $4 the
 * catalog version. Answers with the stored catalog version too.
 */
const acceptInOneStatement = (jobsTable: string) => `
  WITH catalog AS (
    SELECT COALESCE((SELECT version FROM journey_catalog_versions WHERE workspace_id = $1::uuid), 0) AS version
  ), incoming AS (
    SELECT e.m, e.ord, e.m->>'message_id' AS message_id, e.m->>'user_id' AS user_id,
           (e.m->>'applies')::boolean OR (SELECT version FROM catalog) <> $4::bigint AS applies
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(m, ord)
    WHERE NOT EXISTS (SELECT 1 FROM suppressed_profiles s WHERE s.workspace_id = $1::uuid AND s.user_id = e.m->>'user_id')
  ), fresh AS (
    INSERT INTO message_ids (workspace_id, message_id)
    SELECT $1, message_id FROM incoming ORDER BY message_id
    ON CONFLICT (workspace_id, message_id) DO UPDATE SET received_at = now()
      WHERE message_ids.received_at < now() - interval '24 hours'
    RETURNING message_id
  ), accepted AS (
    SELECT i.* FROM incoming i JOIN fresh f ON f.message_id = i.message_id
  ), users AS (
    SELECT a.user_id, min(a.m->>'job_key') AS job_key, bool_or(a.applies) AS applies,
           COALESCE(jsonb_object_agg(t.key, t.value ORDER BY a.ord) FILTER (WHERE t.key IS NOT NULL), '{}'::jsonb) AS traits
    FROM accepted a
    LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a.m->'traits') = 'object' THEN a.m->'traits' END) AS t ON true
    GROUP BY a.user_id
  ), locked AS (
    INSERT INTO profiles (workspace_id, user_id, traits)
    SELECT $1, user_id, traits FROM users ORDER BY user_id
    ON CONFLICT (workspace_id, user_id) DO UPDATE SET traits = profiles.traits || EXCLUDED.traits, updated_at = now()
      WHERE EXCLUDED.traits <> '{}'::jsonb
    RETURNING 1
  ), stored AS (
    INSERT INTO events (workspace_id, user_id, anonymous_id, type, event, properties, traits, context, message_id, timestamp, original_timestamp, applies)
    SELECT $1, a.user_id, a.m->>'anonymous_id', a.m->>'type', a.m->>'event', a.m->'properties', NULLIF(a.m->'traits', 'null'::jsonb),
           a.m->'context', a.message_id, (a.m->>'timestamp')::timestamptz, (a.m->>'original_timestamp')::timestamptz, a.applies
    FROM accepted a CROSS JOIN (SELECT count(*) FROM locked) AS after_locks
    WHERE (a.m->>'stored')::boolean
    ORDER BY a.ord
    RETURNING 1
  ), jobs AS (
    ${heldShortJobsInsert(jobsTable, '$3', `SELECT u.job_key, jsonb_build_object('workspaceId', $1::uuid, 'userId', u.user_id) FROM users u CROSS JOIN (SELECT count(*) FROM stored) AS after_events WHERE u.applies`)}
  )
  SELECT (SELECT count(*) FROM accepted)::int AS accepted, (SELECT count(*) FROM jobs)::int AS jobs, (SELECT version FROM catalog)::text AS catalog_version`;

/** Stores messages in acceptance order, with the profile updates and the jobs that will apply them: when
 * `accept` resolves, nothing accepted can be lost. */
@Injectable()
export class IngestionService implements OnModuleInit {
  private acceptStatement = '';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly catalog: WorkspaceEventCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.queue.defineQueue({ name: USER_EVENTS_QUEUE, policy: 'short', retryLimit: 20, retryDelaySeconds: 1, expireInSeconds: this.config.jobExpireSeconds });
    this.acceptStatement = acceptInOneStatement(await this.queue.partitionOf(USER_EVENTS_QUEUE));
  }

  /**
   * Stores messages in acceptance order, in one transaction with the profile updates and the jobs
   * that will apply them: when this resolves, nothing accepted can be lost.
   */
  async accept(workspaceId: string, messages: AcceptedMessage[]): Promise<IngestionResult> {
    const unique = firstOfEachMessageId(messages);
    if (unique.length === 0) return { accepted: 0, duplicates: messages.length };
    // An alias merges another profile into the user's after its lock: a second statement, so a transaction.
    if (unique.some((m) => m.type === 'alias')) return this.acceptInTransaction(workspaceId, messages, unique);
    const catalog = await this.catalog.of(workspaceId);
    const rows = unique.map((m) => ({ ...eventRow(m), stored: isStoredAsEvent(m), applies: needsApplying(catalog, m), job_key: userEventsJobKey(workspaceId, m.userId) }));
    const [{ accepted, catalog_version }] = await queryPrepared<{ accepted: number; catalog_version: string }>(this.dataSource, 'itinera_accept', this.acceptStatement, [
      workspaceId,
      JSON.stringify(rows),
      USER_EVENTS_QUEUE,
      catalog.version,
    ]);
    this.catalog.noteVersion(workspaceId, catalog_version);
    // Committed (one statement is its own transaction): the users' jobs can be taken now. A job already
    // waiting was locked by the statement, so a worker's fetch meanwhile skipped it: wake the workers anyway.
    const gaveJobs = rows.some((row) => row.applies) || catalog_version !== catalog.version;
    if (accepted > 0 && gaveJobs) this.queue.jobsCommitted([USER_EVENTS_QUEUE]);
    return { accepted, duplicates: messages.length - accepted };
  }

  /** The same as acceptInOneStatement, a statement at a time; for requests with alias calls. */
  private async acceptInTransaction(workspaceId: string, messages: AcceptedMessage[], firstOfEach: AcceptedMessage[]): Promise<IngestionResult> {
    const unique = await withoutSuppressedUsers(this.dataSource, workspaceId, firstOfEach);
    return this.dataSource.transaction(async (manager) => {
      // A messageId seen in the last 24 hours is acknowledged and ignored; an older one counts as new.
      // Sorted, like the profiles below: requests carrying the same messageIds in different orders at
      // once would otherwise lock them in different orders and deadlock (found by test/reliability/races).
      const fresh: { message_id: string }[] = await manager.query(
        `INSERT INTO message_ids (workspace_id, message_id)
         SELECT $1, id FROM unnest($2::text[]) AS id ORDER BY id
         ON CONFLICT (workspace_id, message_id) DO UPDATE SET received_at = now()
           WHERE message_ids.received_at < now() - interval '24 hours'
         RETURNING message_id`,
        [workspaceId, unique.map((m) => m.messageId)],
      );
      const freshIds = new Set(fresh.map((row) => row.message_id));
      const accepted = unique.filter((m) => freshIds.has(m.messageId));
      if (accepted.length === 0) return { accepted: 0, duplicates: messages.length };

      const traitsByUser = mergedTraitsByUser(accepted);
      // The user's lock: the profile row, locked (inserted or upserted) before any of the user's events
      // draws its `seq`, and held until commit. So for each user, acceptance order (`seq`) is commit
      // order: the runtime, which moves a user's cursor past every event it sees, can never see a later
      // `seq` of that user while an earlier one is still uncommitted. (An upsert whose WHERE is false
      // still locks the row.) Sorted so concurrent batches lock profiles in the same order and cannot deadlock.
      const users = [...traitsByUser.keys()].sort();
      await manager.query(
        `INSERT INTO profiles (workspace_id, user_id, traits)
         SELECT $1, p.user_id, p.traits FROM jsonb_to_recordset($2::jsonb) AS p(user_id text, traits jsonb)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET traits = profiles.traits || EXCLUDED.traits, updated_at = now()
           WHERE EXCLUDED.traits <> '{}'::jsonb`,
        [workspaceId, JSON.stringify(users.map((user_id) => ({ user_id, traits: traitsByUser.get(user_id) })))],
      );
      await applyAliases(manager, workspaceId, accepted);

      await manager.query(
        `INSERT INTO events (workspace_id, user_id, anonymous_id, type, event, properties, traits, context, message_id, timestamp, original_timestamp)
         SELECT $1, m->>'user_id', m->>'anonymous_id', m->>'type', m->>'event', m->'properties', NULLIF(m->'traits', 'null'::jsonb),
                m->'context', m->>'message_id', (m->>'timestamp')::timestamptz, (m->>'original_timestamp')::timestamptz
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(m, ord)
         ORDER BY e.ord`,
        [workspaceId, JSON.stringify(accepted.filter(isStoredAsEvent).map(eventRow))],
      );

      // Held until commit: a waiting job taken by a worker before this commits would read the user's
      // events without these and complete, leaving them with no job.
      await this.queue.enqueueHeldUntilCommit(
        USER_EVENTS_QUEUE,
        users.map((userId) => ({
          data: { workspaceId, userId } satisfies UserEventsJob,
          singletonKey: userEventsJobKey(workspaceId, userId),
        })),
        manager,
      );
      return { accepted: accepted.length, duplicates: messages.length - accepted.length };
    });
  }
}

function firstOfEachMessageId(messages: AcceptedMessage[]): AcceptedMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
}

function eventRow(m: AcceptedMessage) {
  return {
    user_id: m.userId,
    anonymous_id: m.anonymousId,
    type: m.type,
    event: m.event,
    properties: m.properties,
    traits: m.traits,
    context: m.context,
    message_id: m.messageId,
    timestamp: m.timestamp,
    original_timestamp: m.originalTimestamp,
  };
}

/** Identify calls merge their traits in order; later values win. */
function mergedTraitsByUser(messages: AcceptedMessage[]): Map<string, Record<string, unknown>> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const m of messages) merged.set(m.userId, { ...(merged.get(m.userId) ?? {}), ...(m.traits ?? {}) });
  return merged;
}
