import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { QueueService } from '../queue/queue.service';
import { USER_EVENTS_QUEUE, userEventsJobKey } from './user-events-queue';

export interface ReconcileSweep {
  /** Events looked at in this sweep. */
  examined: number;
  /** Users found with unapplied events and no job, each given one. */
  strandedUsers: number;
  strandedEvents: number;
}

/**
 * The safety net under "every accepted event is applied". Ingestion enqueues a job for each user it
 * stores events for, in the same transaction, and the runtime moves a user's cursor only past events
 * it applied (see IngestionService.accept for why no event can be skipped). If an event is ever found
 * past its user's cursor with no job waiting or running for that user, something broke that promise:
 * this gives the user a job and logs a warning with the count, which should always be zero. (An event
 * that no journey could read when it was accepted has no job by design, and counts as applied.)
 *
 * Cost per sweep is bounded: it walks the events table by `seq` from a stored watermark, at most
 * `eventsPerSweep` events older than the grace period, and moves the watermark past every event it
 * found applied (a backlog still being worked holds it back, to be looked at again next sweep).
 */
@Injectable()
export class StrandedEventsReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('reconciler');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  eventsPerSweep = 5_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api' || this.config.reconcileSeconds <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((error) => this.logger.error({ msg: 'reconcile sweep failed', error: String(error) }))
        .finally(() => (this.running = null));
    }, this.config.reconcileSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; several processes may call it at once (one sweeps, the others find the watermark locked and return). */
  async sweep(): Promise<ReconcileSweep> {
    return this.dataSource.transaction(async (manager) => {
      const found = await findStrandedEvents(manager, { graceSeconds: this.config.reconcileGraceSeconds, limit: this.eventsPerSweep });
      if (found.strandedUsers.length > 0) {
        await this.queue.enqueue(
          found.strandedUsers.map(({ workspaceId, userId }) => ({ queue: USER_EVENTS_QUEUE, data: { workspaceId, userId }, singletonKey: userEventsJobKey(workspaceId, userId) })),
          manager,
        );
        this.logger.warn({ msg: 'accepted events had no job to apply them; jobs enqueued', users: found.strandedUsers.length, events: found.strandedEvents });
      }
      return { examined: found.examined, strandedUsers: found.strandedUsers.length, strandedEvents: found.strandedEvents };
    });
  }
}

/**
 * The reconciler's look at the next `limit` events past the watermark, which it moves; the caller gives
 * the users found a job in the same transaction. Returns nothing when another sweep holds the watermark.
 */
export async function findStrandedEvents(
  manager: EntityManager,
  { graceSeconds, limit }: { graceSeconds: number; limit: number },
): Promise<{ examined: number; strandedEvents: number; strandedUsers: { workspaceId: string; userId: string }[] }> {
  const nothing = { examined: 0, strandedEvents: 0, strandedUsers: [] };
  const [progress]: { checked_seq: string }[] = await manager.query(`SELECT checked_seq FROM event_reconciler_progress WHERE id = 1 FOR UPDATE SKIP LOCKED`);
  if (!progress) return nothing;
  const examined: { seq: string; workspace_id: string; user_id: string; applied: boolean }[] = await manager.query(
    `SELECT e.seq, e.workspace_id, e.user_id, e.seq <= COALESCE(c.applied_seq, 0) OR NOT e.applies AS applied
     FROM (SELECT seq, workspace_id, user_id, applies FROM events WHERE seq > $1 AND received_at < now() - make_interval(secs => $2) ORDER BY seq LIMIT $3) e
     LEFT JOIN event_cursors c ON c.workspace_id = e.workspace_id AND c.user_id = e.user_id
     ORDER BY e.seq`,
    [progress.checked_seq, graceSeconds, limit],
  );
  if (examined.length === 0) return nothing;

  const unapplied = examined.filter((event) => !event.applied);
  const keyOf = (event: { workspace_id: string; user_id: string }) => userEventsJobKey(event.workspace_id, event.user_id);
  const candidates = [...new Set(unapplied.map(keyOf))];
  const withJob: { key: string }[] = candidates.length
    ? await manager.query(`SELECT singleton_key AS key FROM pgboss.job WHERE name = $1 AND state <= 'active' AND singleton_key = ANY($2::text[])`, [
        USER_EVENTS_QUEUE,
        candidates,
      ])
    : [];
  const pending = new Set(withJob.map((row) => row.key));
  const stranded = unapplied.filter((event) => !pending.has(keyOf(event)));
  const strandedUsers = new Map(stranded.map((event) => [keyOf(event), { workspaceId: event.workspace_id, userId: event.user_id }]));
  // Up to just before the first event not yet applied: a backlog (or what is being enqueued) is looked at again.
  const checkedSeq = unapplied.length ? BigInt(unapplied[0].seq) - 1n : BigInt(examined[examined.length - 1].seq);
  await manager.query(`UPDATE event_reconciler_progress SET checked_seq = GREATEST(checked_seq, $1) WHERE id = 1`, [checkedSeq.toString()]);
  return { examined: examined.length, strandedEvents: stranded.length, strandedUsers: [...strandedUsers.values()] };
}
