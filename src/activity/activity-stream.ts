import type { ActivityType } from '../engine';
import type { ActivityRecord } from './activity.graphql-types';

/** The arguments of `Subscription.activity`; absent ones match everything. */
export interface ActivitySubscriptionFilter {
  journeyId?: string | null;
  userId?: string | null;
  types?: ActivityType[] | null;
  /** true: test runs only; false: live traffic only. */
  test?: boolean | null;
}

/**
 * Records a socket has not taken yet. A subscriber this far behind is dropped (its subscription
 * completes) rather than letting one slow dashboard hold the process's memory.
 */
export const MAX_BUFFERED_RECORDS = 10_000;

export function matchesSubscription(record: ActivityRecord, filter: ActivitySubscriptionFilter): boolean {
  return (
    (!filter.journeyId || record.journeyId === filter.journeyId) &&
    (!filter.userId || record.userId === filter.userId) &&
    (!filter.types?.length || filter.types.includes(record.type)) &&
    (filter.test == null || record.test === filter.test)
  );
}

/**
 * One subscriber's records, in the order they were pushed. It receives records from the moment it is
 * created (not from its first `next()`, as PubSub's iterators do), so a subscription that the server has
 * registered misses nothing written after it.
 */
export class ActivityStream implements AsyncIterableIterator<ActivityRecord> {
  private readonly buffered: ActivityRecord[] = [];
  private waiting: ((result: IteratorResult<ActivityRecord>) => void) | null = null;
  private ended = false;

  constructor(
    private readonly filter: ActivitySubscriptionFilter,
    private readonly onEnd: (reason: 'closed' | 'overflow') => void,
    private readonly maxBuffered = MAX_BUFFERED_RECORDS,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  push(record: ActivityRecord): void {
    if (this.ended || !matchesSubscription(record, this.filter)) return;
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = null;
      deliver({ value: record, done: false });
    } else if (this.buffered.length >= this.maxBuffered) {
      this.end('overflow');
    } else {
      this.buffered.push(record);
    }
  }

  /**
   * Puts records written before the subscription (a resume cursor's backlog) ahead of the live ones
   * buffered meanwhile; a record both read and pushed live is sent once.
   */
  replayFirst(backlog: ActivityRecord[]): void {
    const replayed = new Set(backlog.map((record) => record.id));
    const live = this.buffered.splice(0).filter((record) => !replayed.has(record.id));
    this.buffered.push(...backlog.filter((record) => matchesSubscription(record, this.filter)), ...live);
  }

  next(): Promise<IteratorResult<ActivityRecord>> {
    const record = this.buffered.shift();
    if (record) return Promise.resolve({ value: record, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** graphql-ws calls this when the client completes the subscription or the socket closes. */
  return(): Promise<IteratorResult<ActivityRecord>> {
    this.buffered.length = 0;
    this.end('closed');
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(reason: 'closed' | 'overflow'): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(reason);
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ value: undefined, done: true });
  }
}
