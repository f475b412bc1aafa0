import type { Logger } from '@nestjs/common';

/**
 * Sends wake-ups (NOTIFY with a queue name) to the workers of every process, outside any transaction
 * that created jobs. A wake-up is only a hint, as workers also poll, so it goes through a connection
 * whose commits do not wait for the disk: it holds PostgreSQL's notify lock for microseconds instead
 * of an fsync. At most one is in flight; queues named meanwhile go in the next one.
 */
export class WakeUpSender {
  private readonly pending = new Set<string>();
  private sending: Promise<void> | null = null;

  constructor(
    private readonly channel: string,
    private readonly executeSql: (text: string, values: unknown[]) => Promise<unknown>,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  send(queues: Iterable<string>): void {
    for (const queue of queues) this.pending.add(queue);
    if (!this.sending && this.pending.size > 0) this.sending = this.flush().finally(() => (this.sending = null));
  }

  /** Resolves when no wake-up is being sent. */
  async settled(): Promise<void> {
    await this.sending;
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const queues = [...this.pending];
      this.pending.clear();
      await this.executeSql(`SELECT ${queues.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ')}`, [this.channel, ...queues]).catch((error) => this.logger.warn({ msg: 'wake-up not sent; workers find the jobs at their next poll', error: String(error) }));
    }
  }
}
