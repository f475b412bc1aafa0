import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import createSubscriber, { Subscriber } from 'pg-listen';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';

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

export interface ReceivedJob<T> {
  id: string;
  data: T;
}

export interface WorkerOptions {
  /** Jobs fetched per poll; they run concurrently, each on its own. */
  batchSize: number;
}

/** Wakes idle workers at once when jobs are committed, instead of waiting for their next poll. */
const WAKE_CHANNEL = 'itinera_jobs';

/**
 * The one edge between Itinera and pg-boss. Jobs are enqueued inside the caller's transaction, so
 * work exists exactly when the state change that caused it is committed.
 */
@Injectable()
export class QueueService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('queue');
  private readonly boss: PgBoss;
  private readonly workerIds = new Map<string, string[]>();
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

  /** Cancels waiting jobs (e.g. a timer whose hold was already resolved); unknown ids are ignored. */
  async cancel(queue: string, ids: string[]): Promise<void> {
    if (ids.length) await this.boss.cancel(queue, ids);
  }

  /**
   * Runs `handler` for each job. A job whose handler throws is failed (and retried by pg-boss within
   * the queue's retry limit); the other jobs of the batch are unaffected.
   */
  async work<T>(queue: string, options: WorkerOptions, handler: (job: ReceivedJob<T>) => Promise<void>): Promise<void> {
    await this.listenForWakeUps();
    const id = await this.boss.work<T>(
      queue,
      { batchSize: options.batchSize, pollingIntervalSeconds: this.config.queuePollSeconds },
      async (jobs) => {
        const results = await Promise.allSettled(jobs.map((job) => handler({ id: job.id, data: job.data })));
        const failed = jobs.filter((_, i) => results[i].status === 'rejected');
        for (const [i, result] of results.entries()) {
          if (result.status === 'rejected') {
            this.logger.warn({ msg: 'job failed', queue, jobId: jobs[i].id, error: describe(result.reason) });
          }
        }
        if (failed.length) {
          await this.boss.fail(queue, failed.map((j) => j.id));
        }
      },
    );
    this.workerIds.set(queue, [...(this.workerIds.get(queue) ?? []), id]);
  }

  /** Ready = the queue's database answers. */
  async ping(): Promise<void> {
    await this.boss.getDb().executeSql('SELECT 1 FROM pgboss.version', []);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber) await this.subscriber.close().catch(() => undefined);
    // graceful: in-flight jobs finish (up to the timeout) before the connections close.
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 15_000 });
  }

  private async listenForWakeUps(): Promise<void> {
    if (this.subscriber) return;
    this.subscriber = createSubscriber({ connectionString: this.config.databaseUrl }, { paranoidChecking: 30_000, parse: (payload: string) => payload });
    this.subscriber.notifications.on(WAKE_CHANNEL, (queue: unknown) => {
      for (const id of this.workerIds.get(String(queue)) ?? []) this.boss.notifyWorker(id);
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
