import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import createSubscriber, { Subscriber } from 'pg-listen';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { fetchWithShares, type FetchShare } from './fair-fetch';
import { jobLateness } from '../metrics/metrics';
import { QueueWorker, ReceivedJob } from './queue-worker';
import { WakeUpSender } from './wake-up-sender';

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
  /**
   * Whether fetching a job (marking it active) must be on disk before the handler runs; default true.
   * A fetch lost in a crash only runs the job again, but a durable commit also flushes every earlier
   * one: a handler that acts outside the database on what asynchronous commits wrote (a delivery sent
   * to a destination) needs it. Handlers that only change the database can skip the wait.
   */
  durableFetch?: boolean;
  /**
   * Take the jobs that came due first (earliest `startAfter`), found through pg-boss's index on it;
   * default false (pg-boss's order, by creation). With a backlog, pg-boss's fetch sorts every due job
   * on each call (a 50,000-job user-events backlog drained slower and slower: BENCHMARKS.md,
   * improvement 5), and serves timers in creation order rather than by deadline.
   */
  dueFirst?: boolean;
  /**
   * Shares of the jobs one fetch may take, asked for before each fetch (implies dueFirst): a worker
   * fetches no more jobs of one destination than it has room to run (see fair-fetch.ts).
   */
  shares?: () => FetchShare[];
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
  /** Queues that got due jobs in a transaction still open: woken when it commits, forgotten if it rolls back. */
  private readonly wakeUpsOnCommit = new WeakMap<QueryRunner, Set<string>>();
  private readonly wakeUps: WakeUpSender;
  /**
   * Job bookkeeping whose loss in a crash only runs an idempotent job again (completions, failures,
   * non-durable fetches, wake-ups): its commits do not wait for the disk, which on a busy database
   * is most of their cost (BENCHMARKS.md, improvement 4). Opened on first use.
   */
  private relaxedPool: Pool | null = null;
  private readonly relaxed: PgBoss.Db = { executeSql: (text, values) => this.relaxedConnections().query(text, values) };
  private subscriber: Subscriber | null = null;
  private started = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
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
      // Housekeeping (DataRetention) removes finished jobs in small batches first; this is pg-boss's backstop.
      deleteAfterDays: config.retention.jobDays > 0 ? config.retention.jobDays + 1 : 36_500,
    });
    this.boss.on('error', (error) => this.logger.error({ msg: 'pg-boss error', error: String(error) }));
    this.wakeUps = new WakeUpSender(WAKE_CHANNEL, (text, values) => this.relaxed.executeSql(text, values), this.logger);
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    this.started = true;
    this.dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => this.transactionEnded(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => this.transactionEnded(queryRunner, false),
    });
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
    const due = jobs.filter((j) => !j.startAfter || j.startAfter.getTime() <= Date.now()).map((j) => j.queue);
    if (due.length === 0) return;
    // Not a NOTIFY in the caller's transaction: PostgreSQL holds one cluster-wide lock from a notifying
    // transaction's commit until its WAL is flushed, so every such commit (each ingestion request) waited
    // for the previous one's fsync. The wake-up is a hint: it is sent once the transaction has committed.
    const runner = manager?.queryRunner;
    if (runner?.isTransactionActive) {
      const pending = this.wakeUpsOnCommit.get(runner) ?? new Set<string>();
      for (const queue of due) pending.add(queue);
      this.wakeUpsOnCommit.set(runner, pending);
    } else {
      this.wake(due);
    }
  }

  /**
   * For `short` queues (one waiting job per key): leaves a waiting job for each key that no worker can
   * take before `manager`'s transaction ends. A plain enqueue is skipped when a job of that key is
   * already waiting, and a worker may take that job and finish it before this transaction commits,
   * without seeing what it wrote. Here each key's waiting job is row-locked until commit (fetches skip
   * locked rows); one taken between our insert and our lock is no longer waiting, so we insert again.
   */
  async enqueueHeldUntilCommit(queue: string, jobs: { data: object; singletonKey: string }[], manager: EntityManager): Promise<void> {
    let pending = jobs;
    while (pending.length > 0) {
      await this.enqueue(pending.map((job) => ({ queue, ...job })), manager);
      // Matches pg-boss's unique index of waiting `short` jobs (job_i1), so it is an index scan.
      const held: { key: string }[] = await manager.query(
        `SELECT COALESCE(singleton_key, '') AS key FROM pgboss.job
         WHERE name = $1 AND COALESCE(singleton_key, '') = ANY($2::text[]) AND state = 'created' AND policy = 'short'
         ORDER BY 1 FOR UPDATE`,
        [queue, pending.map((job) => job.singletonKey)],
      );
      const heldKeys = new Set(held.map((row) => row.key));
      pending = pending.filter((job) => !heldKeys.has(job.singletonKey));
    }
  }

  /** The qualified, quoted name of the table that holds `queue`'s jobs (see held-jobs.ts). */
  async partitionOf(queue: string): Promise<string> {
    const { rows } = await this.boss.getDb().executeSql('SELECT quote_ident(partition_name) AS partition FROM pgboss.queue WHERE name = $1', [queue]);
    if (!rows[0]?.partition) throw new Error(`queue ${queue} is not defined`);
    return `pgboss.${rows[0].partition}`;
  }

  /** Jobs of `queues` were committed by SQL of the caller's own (see held-jobs.ts): wakes their workers. */
  jobsCommitted(queues: Iterable<string>): void {
    this.wake(queues);
  }

  /** Runs `handler` for each job of `queue` in this process, up to `options.concurrency` at once. */
  async work<T>(queue: string, options: WorkerOptions, handler: (job: ReceivedJob<T>) => Promise<void>): Promise<void> {
    await this.startWorker<T>(queue, options, 1, (jobs) => handler(jobs[0]), handler);
  }

  /**
   * Runs `batch` for up to `batchSize` jobs of `queue` at once (one transaction for many jobs), up to
   * `options.concurrency` calls at once; a batch that throws is retried job by job with `single`.
   */
  async workInBatches<T>(
    queue: string,
    options: WorkerOptions & { batchSize: number },
    batch: (jobs: ReceivedJob<T>[]) => Promise<void>,
    single: (job: ReceivedJob<T>) => Promise<void>,
  ): Promise<void> {
    await this.startWorker<T>(queue, options, options.batchSize, batch, single);
  }

  private async startWorker<T>(
    queue: string,
    options: WorkerOptions,
    batchSize: number,
    batch: (jobs: ReceivedJob<T>[]) => Promise<void>,
    single: (job: ReceivedJob<T>) => Promise<void>,
  ): Promise<void> {
    await this.listenForWakeUps();
    const worker = new QueueWorker<T>(
      this.boss,
      queue,
      {
        concurrency: options.concurrency,
        batchSize,
        idlePollMs: (options.idlePollSeconds ?? this.config.queuePollSeconds) * 1000,
        fetch: (count) => this.fetch(queue, count, options),
        bookkeepingDb: this.relaxed,
      },
      batch,
      single,
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
    await this.wakeUps.settled();
    await this.relaxedPool?.end().catch(() => undefined);
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 15_000 });
  }

  private transactionEnded(runner: QueryRunner | undefined, committed: boolean): void {
    // A savepoint released or rolled back inside a transaction still open changes nothing yet.
    if (!runner || runner.isTransactionActive) return;
    const queues = this.wakeUpsOnCommit.get(runner);
    if (!queues) return;
    this.wakeUpsOnCommit.delete(runner);
    if (committed) this.wake(queues);
  }

  /**
   * Wakes this process's workers of `queue` when jobs it put back until `at` come due, which they would
   * otherwise find at their next idle poll only (a rate-limited destination's turns are closer than that).
   */
  wakeLocallyAt(queue: string, at: Date): void {
    const timer = setTimeout(() => {
      for (const worker of this.workers) if (worker.queue === queue) worker.wake();
    }, Math.max(0, at.getTime() - Date.now()) + 2);
    timer.unref();
  }

  /** Wakes this process's workers of `queues` directly and the other processes' through NOTIFY. */
  private wake(queues: Iterable<string>): void {
    const names = new Set(queues);
    for (const worker of this.workers) if (names.has(worker.queue)) worker.wake();
    this.wakeUps.send(names);
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

  private async fetch(queue: string, count: number, options: WorkerOptions): Promise<ReceivedJob<unknown>[]> {
    const db = options.durableFetch === false ? this.relaxed : this.boss.getDb();
    if (options.shares) return fetchWithShares(db, queue, count, options.shares());
    if (!options.dueFirst) return this.boss.fetch(queue, { batchSize: count, db });
    // pg-boss 10's fetch (plans.js fetchNextJob) with its order replaced: the partial index
    // job_i5 (name, start_after) WHERE state < 'active' yields the due jobs in deadline order.
    const { rows } = await db.executeSql(
      `WITH next AS (
         SELECT id FROM pgboss.job WHERE name = $1 AND state < 'active' AND start_after < now()
         ORDER BY start_after, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE pgboss.job j SET state = 'active', started_on = now(),
         retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END
       FROM next WHERE j.name = $1 AND j.id = next.id
       RETURNING j.id, j.data, EXTRACT(epoch FROM now() - j.start_after) AS late_seconds`,
      [queue, count],
    );
    for (const row of rows) jobLateness.observe({ queue }, Math.max(0, Number(row.late_seconds)));
    return rows.map((row) => ({ id: row.id, data: row.data }));
  }

  private relaxedConnections(): Pool {
    if (!this.relaxedPool) {
      this.relaxedPool = new Pool({
        connectionString: this.config.databaseUrl,
        max: 4,
        application_name: `itinera-${this.config.role}-jobs`,
        options: '-c synchronous_commit=off',
      });
      this.relaxedPool.on('error', (error) => this.logger.warn({ msg: 'job bookkeeping connection error', error: String(error) }));
    }
    return this.relaxedPool;
  }

  private executorFor(manager: EntityManager): PgBoss.Db {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('enqueue needs a transactional EntityManager');
    return { executeSql: async (text, values) => ({ rows: (await runner.query(text, values, true)).records ?? [] }) };
  }
}
