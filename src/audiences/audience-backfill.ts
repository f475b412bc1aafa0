import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { tryLockUsers } from '../instances/user-lock';
import { QueueService } from '../queue/queue.service';
import { AudienceStore } from './audience-store';
import { reevaluateMemberships, wakeUpsFor } from './reevaluate-memberships';

/** A new audience is evaluated for the workspace's existing profiles by a chain of these jobs, one batch each. */
export const AUDIENCE_BACKFILLS_QUEUE = 'audience-backfills';

export interface AudienceBackfillJob {
  workspaceId: string;
  audienceId: string;
  /** Profiles up to this user id (in id order) are done; null: none yet. */
  afterUserId: string | null;
}

/** Profiles per job: each is locked for the job's transaction, so keep the lock table's share small. */
const PROFILES_PER_BATCH = 250;

/**
 * Fills a new audience with the profiles that already qualify, in bounded batches off the request path.
 * They are its first members, not entrants: no `Audience Entered` is emitted, since no journey could name the
 * audience before it existed (`useHistoricalData` admits them at publish). A profile busy in the runtime at
 * that moment is not waited for: it gets a recheck due now, which the runtime applies under its own lock.
 */
@Injectable()
export class AudienceBackfill implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Defined by every role: the API process enqueues the first batch when it creates the audience.
    await this.queue.defineQueue({ name: AUDIENCE_BACKFILLS_QUEUE, retryLimit: 20, retryDelaySeconds: 1, expireInSeconds: this.config.jobExpireSeconds });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.queue.work<AudienceBackfillJob>(AUDIENCE_BACKFILLS_QUEUE, { concurrency: 2 }, (job) => this.runBatch(job.data));
  }

  /** Queues the first batch, in the transaction that creates the audience. */
  async start(manager: EntityManager, workspaceId: string, audienceId: string): Promise<void> {
    await this.queue.enqueue([{ queue: AUDIENCE_BACKFILLS_QUEUE, data: { workspaceId, audienceId, afterUserId: null } satisfies AudienceBackfillJob }], manager);
  }

  /** One batch, and the job for the next one in the same transaction: a crash repeats a batch, never skips one. */
  async runBatch({ workspaceId, audienceId, afterUserId }: AudienceBackfillJob): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const audience = await AudienceStore.find(manager, workspaceId, audienceId);
      if (!audience) return;
      const profiles = await AudienceStore.profilesAfter(manager, workspaceId, afterUserId, PROFILES_PER_BATCH);
      const lockedIds = await tryLockUsers(manager, workspaceId, profiles);
      const locked = profiles.filter((userId) => lockedIds.has(userId));
      const busy = profiles.filter((userId) => !lockedIds.has(userId));

      const now = new Date();
      const { rechecks } = await reevaluateMemberships(manager, workspaceId, [audience], locked, now);
      const busyNow = await AudienceStore.scheduleRechecks(manager, workspaceId, busy.map((userId) => ({ audienceId, userId, recheckAt: now })));
      await this.queue.enqueue(wakeUpsFor([...rechecks, ...busyNow]), manager);
      if (profiles.length === PROFILES_PER_BATCH) {
        const next: AudienceBackfillJob = { workspaceId, audienceId, afterUserId: profiles[profiles.length - 1] };
        await this.queue.enqueue([{ queue: AUDIENCE_BACKFILLS_QUEUE, data: next }], manager);
      } else {
        await AudienceStore.markFilled(manager, audienceId, now);
      }
    });
  }
}
