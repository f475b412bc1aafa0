import { Logger } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import { GroupedCall } from '../common/grouped-call';
import { jobBatchDuration } from '../metrics/metrics';

export interface ReceivedJob<T> {
  id: string;
  data: T;
}

export interface QueueWorkerOptions {
  /** Handler calls run at once by this process; each may hold a database connection while it runs. */
  concurrency: number;
  /** Jobs handed to one handler call (default 1). */
  batchSize?: number;
  /** How long an idle worker waits before looking again (NOTIFY wake-ups cut it short). */
  idlePollMs: number;
  /** Marks up to `count` jobs of the queue active and returns them. */
  fetch: (count: number) => Promise<ReceivedJob<unknown>[]>;
  /** Where completions and failures are recorded. */
  bookkeepingDb?: PgBoss.Db;
}

/**
 * Keeps up to `concurrency` jobs of one queue running: fetches as soon as a slot frees, and sleeps only
 * when the queue is empty. (pg-boss's own `work` sleeps a polling interval after every batch, which
 * caps a worker at a few batches per second and lets one slow job hold up its whole batch: BENCHMARKS.md,
 * improvements 2 and 10.)
 */
export class QueueWorker<T> {
  private readonly logger = new Logger('queue');
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  /** A wake-up that came while fetching: the fetch may have missed that job, so do not idle after it. */
  private woken = false;
  private stopping = false;
  private running: Promise<void> | null = null;
  /** The last fetch got all it asked for: more jobs are waiting. */
  private backlog = false;
  /** Completions sent together: one statement (and one commit) for the jobs that finished meanwhile. */
  private readonly completions = new GroupedCall<string>((ids) => this.record('complete', ids));

  /**
   * `handler` gets up to `batchSize` jobs at once. When it throws for several, each is given to
   * `single` on its own, so one bad job fails alone rather than taking its batch with it.
   */
  constructor(
    private readonly boss: PgBoss,
    readonly queue: string,
    private readonly options: QueueWorkerOptions,
    private readonly handler: (jobs: ReceivedJob<T>[]) => Promise<void>,
    private readonly single: (job: ReceivedJob<T>) => Promise<void> = (job) => handler([job]),
  ) {}

  /** pg-boss's `complete`/`fail(name, ids, data, options)`: its typings leave out ids together with options. */
  private record(outcome: 'complete' | 'fail', ids: string[]): Promise<unknown> {
    const call = this.boss[outcome].bind(this.boss) as unknown as (name: string, ids: string[], data: null, options: PgBoss.ConnectionOptions) => Promise<unknown>;
    return call(this.queue, ids, null, this.options.bookkeepingDb ? { db: this.options.bookkeepingDb } : {});
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** New work may be there: stop idling. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** Fetches nothing more and waits for the jobs in flight to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.options.concurrency - this.inFlight.size;
      // With a backlog, slots are refilled a quarter of the pool at a time: each fetch costs a query whose
      // price grows with the backlog, and fetching one job per finished job spent most of the time there
      // (BENCHMARKS.md, improvement 5).
      if (free === 0 || (this.backlog && free < this.refill && this.inFlight.size > 0)) {
        await Promise.race(this.inFlight);
        continue;
      }
      this.woken = false;
      const batchSize = this.options.batchSize ?? 1;
      const jobs = await this.fetch(free * batchSize);
      this.backlog = jobs.length === free * batchSize;
      for (let i = 0; i < jobs.length; i += batchSize) this.run(jobs.slice(i, i + batchSize));
      if (jobs.length < free * batchSize && !this.woken) await this.idle();
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private get refill(): number {
    return Math.max(1, Math.floor(this.options.concurrency / 4));
  }

  private async fetch(count: number): Promise<ReceivedJob<T>[]> {
    try {
      return (await this.options.fetch(count)) as ReceivedJob<T>[];
    } catch (error) {
      this.logger.error({ msg: 'fetch failed', queue: this.queue, error: String(error) });
      return [];
    }
  }

  private run(jobs: ReceivedJob<T>[]): void {
    const running = this.execute(jobs).finally(() => {
      this.inFlight.delete(running);
      this.wake();
    });
    this.inFlight.add(running);
  }

  /** A job whose handler throws is failed, and retried by pg-boss within the queue's retry limit. */
  private async execute(jobs: ReceivedJob<T>[]): Promise<void> {
    try {
      const timer = jobBatchDuration.startTimer({ queue: this.queue });
      await this.handler(jobs.map((job) => ({ id: job.id, data: job.data })));
      timer();
    } catch (error) {
      if (jobs.length === 1) return this.failed(jobs[0], error);
      for (const job of jobs) {
        try {
          await this.single({ id: job.id, data: job.data });
        } catch (singleError) {
          await this.failed(job, singleError);
          continue;
        }
        await this.completed(job);
      }
      return;
    }
    await Promise.all(jobs.map((job) => this.completed(job)));
  }

  private async failed(job: ReceivedJob<T>, error: unknown): Promise<void> {
    this.logger.warn({ msg: 'job failed', queue: this.queue, jobId: job.id, error: error instanceof Error ? error.message : String(error) });
    await this.record('fail', [job.id]).catch((e) => this.logger.error({ msg: 'could not fail job', jobId: job.id, error: String(e) }));
  }

  /** Not completed, the job expires and runs again: handlers are safe to run twice. */
  private async completed(job: ReceivedJob<T>): Promise<void> {
    await this.completions.add(job.id).catch((e) => this.logger.error({ msg: 'could not complete job', jobId: job.id, error: String(e) }));
  }

  /** Until a wake-up, a finished job, or the idle poll interval. */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake(), this.options.idlePollMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
