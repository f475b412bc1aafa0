import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { USER_EVENTS_QUEUE, type UserEventsJob } from '../ingestion/user-events-queue';
import { QueueService } from '../queue/queue.service';
import { AUDIENCE_ENTRIES_QUEUE, INSTANCE_TIMERS_QUEUE, type AudienceEntryJob, type InstanceTimerJob } from './runtime-queues';
import { JourneyRuntime } from './journey-runtime.service';
import { VERSION_MOVES_QUEUE, VersionMoves, type VersionMoveJob } from './version-moves';

/**
 * Transactions run at once per process; each holds one database connection while it runs. Few, on
 * purpose: a job's cost is mostly per statement, not per user, so jobs that arrive while the slots are
 * busy are better applied together in the next batch than each in a slot of its own (measured on 2
 * cores: 3 slots of up to 25 users forwarded more events per second, and sooner, than 12 slots;
 * BENCHMARKS.md, improvement 10).
 */
const USER_EVENTS_CONCURRENCY = 3;
/** Users whose events one transaction applies when many are waiting (one when they trickle in). */
const USERS_PER_TRANSACTION = 25;
const TIMERS_CONCURRENCY = 4;
/**
 * Due timers applied in one transaction when many are due at once (one when they trickle in): a
 * backlog of 100,000 timeouts was bound by round trips per timer, not by the database (BENCHMARKS.md,
 * improvement 6).
 */
const TIMERS_PER_TRANSACTION = 50;
/** Timers become due without a wake-up: they are found by polling, so poll often (a cheap indexed query). */
const TIMER_POLL_SECONDS = 0.1;

/** Connects the runtime to its queues. Only processes with the worker role consume them. */
@Injectable()
export class InstanceWorkers implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly queue: QueueService,
    private readonly runtime: JourneyRuntime,
    private readonly versionMoves: VersionMoves,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Defined by every role: API processes enqueue timers too (the ingestion module defines the user-events queue).
    for (const name of [INSTANCE_TIMERS_QUEUE, AUDIENCE_ENTRIES_QUEUE, VERSION_MOVES_QUEUE]) {
      await this.queue.defineQueue({ name, retryLimit: 20, retryDelaySeconds: 1, expireInSeconds: this.config.jobExpireSeconds });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    // These handlers only change the database, in asynchronous commits (see runtime-transaction.ts): their
    // fetches need not wait for the disk either. Oldest first through the index, whatever the backlog.
    const runtime = { durableFetch: false, dueFirst: true };
    await this.queue.workInBatches<UserEventsJob>(
      USER_EVENTS_QUEUE,
      { ...runtime, concurrency: USER_EVENTS_CONCURRENCY, batchSize: USERS_PER_TRANSACTION },
      (jobs) => this.runtime.applyUserEvents(jobs.map((job) => job.data)),
      (job) => this.runtime.applyUserEvents([job.data]),
    );
    await this.queue.workInBatches<InstanceTimerJob>(
      INSTANCE_TIMERS_QUEUE,
      { ...runtime, concurrency: TIMERS_CONCURRENCY, batchSize: TIMERS_PER_TRANSACTION, idlePollSeconds: TIMER_POLL_SECONDS },
      (jobs) => this.runtime.fireTimers(jobs.map((job) => job.data)),
      (job) => this.runtime.fireTimers([job.data]),
    );
    await this.queue.work<AudienceEntryJob>(AUDIENCE_ENTRIES_QUEUE, { ...runtime, concurrency: USER_EVENTS_CONCURRENCY }, (job) =>
      this.runtime.admitAudienceMember(job.data),
    );
    await this.queue.work<VersionMoveJob>(VERSION_MOVES_QUEUE, { ...runtime, concurrency: 1 }, async (job) => {
      await this.versionMoves.move(job.data);
    });
  }
}
