import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import createSubscriber, { Subscriber } from 'pg-listen';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { QueueWorker, ReceivedJob } from './queue-worker';

export type { ReceivedJob } from './queue-worker';

export interface QueueDefinition {
  name: string;
  /** `short` keeps at most one waiting job per singletonKey: enqueueing again is a no-op. */
  policy?: 'standard' | 'short';
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A job whose worker died is retried after this long; keep it short for short jobs. */
  expireInSeconds?: number;
}

export interface JobRequest {
  queue: string;
  data: object;
  startAfter?: Date;
  singletonKey?: string;
}

export interface WorkerOptions {
  /** Jobs of this queue run at once by this process. */
  concurrency: number;
  /** Idle polling for jobs that become due without a wake-up (delayed jobs: timers, retries). */
  idlePollSeconds?: number;
}

/** Wakes idle workers at once when jobs are committed, instead of waiting for their next poll. */
const WAKE_CHANNEL = 'itinera_jobs';

/**
 * The one edge between Itinera and pg-boss. Jobs are enqueued inside the caller's transaction, so
 * work exists exactly when the state change that caused it is committed.
 */
@Injectable()
export class QueueService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('queue');
  private readonly boss: PgBoss;
  private readonly workers: QueueWorker<unknown>[] = [];
  private readonly definitions = new Map<string, QueueDefinition>();
  private subscriber: Subscriber | null = null;
  private started = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.boss = new PgBoss({
      connectionString: config.databaseUrl,
      schema: 'pgboss',
      max: 10,
      application_name: `itinera-${config.role}`,
      // Maintenance (expiring dead workers' jobs, archiving) is work: only worker processes do it.
      supervise: config.role !== 'api',
      schedule: false,
      maintenanceIntervalSeconds: config.queueMaintenanceSeconds,
      archiveCompletedAfterSeconds: 3_600,
      deleteAfterDays: 2,
    });
    this.boss.on('error', (error) => this.logger.error({ msg: 'pg-boss error', error: String(error) }));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    this.started = true;
  }

  /** Creates the queue (idempotent): pg-boss 10 drops jobs sent to a queue that does not exist. */
  async defineQueue(definition: QueueDefinition): Promise<void> {
    this.definitions.set(definition.name, definition);
    await this.boss.createQueue(definition.name, {
      name: definition.name,
      policy: definition.policy ?? 'standard',
      retryLimit: definition.retryLimit ?? 3,
      retryDelay: definition.retryDelaySeconds ?? 1,
      retryBackoff: definition.retryBackoff ?? true,
      expireInSeconds: definition.expireInSeconds ?? 120,
    });
  }

  /** Adds jobs within `manager`'s transaction when given (they exist only if it commits). */
  async enqueue(jobs: JobRequest[], manager?: EntityManager): Promise<void> {
    if (jobs.length === 0) return;
    const inserts: PgBoss.JobInsert[] = jobs.map((job) => ({
      name: job.queue,
      data: job.data,
      startAfter: job.startAfter,
      singletonKey: job.singletonKey,
    }));
    const db = manager ? this.executorFor(manager) : undefined;
    await this.boss.insert(inserts, db ? { db } : {});
    const queues = [...new Set(jobs.filter((j) => !j.startAfter || j.startAfter.getTime() <= Date.now()).map((j) => j.queue))];
    for (const queue of queues) {
      const sql = 'SELECT pg_notify($1, $2)';
      if (db) await db.executeSql(sql, [WAKE_CHANNEL, queue]);
      else await this.boss.getDb().executeSql(sql, [WAKE_CHANNEL, queue]);
    }
  }

  /** Runs `handler` for each job of `queue` in this process, up to `options.concurrency` at once. */
  async work<T>(queue: string, options: WorkerOptions, handler: (job: ReceivedJob<T>) => Promise<void>): Promise<void> {
    await this.listenForWakeUps();
    const worker = new QueueWorker<T>(
      this.boss,
      queue,
      { concurrency: options.concurrency, idlePollMs: (options.idlePollSeconds ?? this.config.queuePollSeconds) * 1000 },
      handler,
    );
    this.workers.push(worker as QueueWorker<unknown>);
    worker.start();
  }

  /** Ready = the queue's database answers. */
  async ping(): Promise<void> {
    await this.boss.getDb().executeSql('SELECT 1 FROM pgboss.version', []);
  }

  /** Before the database connections close (onApplicationShutdown), so in-flight jobs can still commit. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.subscriber) await this.subscriber.close().catch(() => undefined);
    await Promise.all(this.workers.map((worker) => worker.stop()));
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 15_000 });
  }

  private async listenForWakeUps(): Promise<void> {
    if (this.subscriber) return;
    this.subscriber = createSubscriber({ connectionString: this.config.databaseUrl }, { paranoidChecking: 30_000, parse: (payload: string) => payload });
    this.subscriber.notifications.on(WAKE_CHANNEL, (queue: unknown) => {
      for (const worker of this.workers) if (worker.queue === queue) worker.wake();
    });
    this.subscriber.events.on('error', (error) => this.logger.error({ msg: 'wake-up listener error', error: String(error) }));
    await this.subscriber.connect();
    await this.subscriber.listenTo(WAKE_CHANNEL);
  }

  private executorFor(manager: EntityManager): PgBoss.Db {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('enqueue needs a transactional EntityManager');
    return { executeSql: async (text, values) => ({ rows: (await runner.query(text, values, true)).records ?? [] }) };
  }
}
