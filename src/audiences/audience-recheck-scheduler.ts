import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { USER_EVENTS_QUEUE, userEventsJobKey, type UserEventsJob } from '../ingestion/user-events-queue';
import { QueueService } from '../queue/queue.service';
import { AudienceStore } from './audience-store';

/** Due rechecks handed over per run: bounds one transaction; the rest wait for the next second. */
const RECHECKS_PER_RUN = 500;
/** A handed-over recheck still due this long after is handed over again (its job failed for good, say). */
const RETRY_AFTER_MS = 60_000;

/**
 * Slides audience windows: every second, users with due rechecks get a user-events job, and the runtime
 * then calls `afterTimePassed` for them under their lock. This process only finds and hands over; it decides
 * nothing, so any number of worker processes can run it at once (SKIP LOCKED).
 */
@Injectable()
export class AudienceRecheckScheduler {
  private readonly logger = new Logger('audiences');
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_SECOND)
  async tick(): Promise<void> {
    // A slow run must not overlap the next one in the same process.
    if (this.config.role === 'api' || this.running) return;
    this.running = true;
    try {
      await this.enqueueDueRechecks(new Date());
    } catch (error) {
      this.logger.error({ msg: 'audience rechecks not handed over', error: String(error) });
    } finally {
      this.running = false;
    }
  }

  /** Returns the number of users handed to the runtime. */
  async enqueueDueRechecks(now: Date): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const due = await AudienceStore.claimDue(manager, now, RECHECKS_PER_RUN, RETRY_AFTER_MS);
      const users = new Map(due.map((user) => [userEventsJobKey(user.workspaceId, user.userId), user]));
      await this.queue.enqueue(
        [...users].map(([key, { workspaceId, userId }]) => ({
          queue: USER_EVENTS_QUEUE,
          data: { workspaceId, userId } satisfies UserEventsJob,
          singletonKey: key,
        })),
        manager,
      );
      return users.size;
    });
  }
}
