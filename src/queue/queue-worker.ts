import { Logger } from '@nestjs/common';
import type PgBoss from 'pg-boss';

export interface ReceivedJob<T> {
  id: string;
  data: T;
}

export interface QueueWorkerOptions {
  /** Jobs run at once by this process; each may hold a database connection while it runs. */
  concurrency: number;
  /** How long an idle worker waits before looking again (NOTIFY wake-ups cut it short). */
  idlePollMs: number;
}

/**
 * Keeps up to `concurrency` jobs of one queue running: fetches as soon as a slot frees, and sleeps only
 * when the queue is empty. (pg-boss's own `work` sleeps a polling interval after every batch, which
 * caps a worker at a few batches per second and lets one slow job hold up its whole batch.)
 */
export class QueueWorker<T> {
  private readonly logger = new Logger('queue');
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private stopping = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly boss: PgBoss,
    readonly queue: string,
    private readonly options: QueueWorkerOptions,
    private readonly handler: (job: ReceivedJob<T>) => Promise<void>,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** New work may be there: stop idling. */
  wake(): void {
    this.wakeUp?.();
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
      if (free === 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      const jobs = await this.fetch(free);
      for (const job of jobs) this.run(job);
      if (jobs.length < free) await this.idle();
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async fetch(count: number): Promise<PgBoss.Job<T>[]> {
    try {
      return await this.boss.fetch<T>(this.queue, { batchSize: count });
    } catch (error) {
      this.logger.error({ msg: 'fetch failed', queue: this.queue, error: String(error) });
      return [];
    }
  }

  private run(job: PgBoss.Job<T>): void {
    const running = this.execute(job).finally(() => {
      this.inFlight.delete(running);
      this.wake();
    });
    this.inFlight.add(running);
  }

  /** A job whose handler throws is failed, and retried by pg-boss within the queue's retry limit. */
  private async execute(job: PgBoss.Job<T>): Promise<void> {
    try {
      await this.handler({ id: job.id, data: job.data });
    } catch (error) {
      this.logger.warn({ msg: 'job failed', queue: this.queue, jobId: job.id, error: error instanceof Error ? error.message : String(error) });
      await this.boss.fail(this.queue, job.id).catch((e) => this.logger.error({ msg: 'could not fail job', jobId: job.id, error: String(e) }));
      return;
    }
    await this.boss.complete(this.queue, job.id).catch((e) => this.logger.error({ msg: 'could not complete job', jobId: job.id, error: String(e) }));
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
