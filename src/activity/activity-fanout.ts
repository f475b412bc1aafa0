import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import createSubscriber, { Subscriber } from 'pg-listen';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ACTIVITY_CHANNEL } from './activity-log';
import { readBacklog } from './activity-backlog';
import { ActivityStream, ActivitySubscriptionFilter } from './activity-stream';
import { ActivityRecord } from './activity.graphql-types';
import { ActivityService } from './activity.service';

export const ACTIVITY_LISTENER_NAME = 'itinera-activity-listener';

interface ActivityNotification {
  w: string;
  ids: string[];
}

/**
 * Brings activity records written by any process to this process's subscribers: every writer
 * NOTIFYs ids on commit; here we LISTEN, load the records and hand them to the subscribers' streams.
 * Listening starts with the first subscriber, and records are loaded only for workspaces someone watches.
 */
@Injectable()
export class ActivityFanout implements OnApplicationShutdown {
  private readonly logger = new Logger('activity-fanout');
  private readonly streams = new Map<string, Set<ActivityStream>>();
  private listener: Promise<Subscriber> | null = null;
  private readonly pending: ActivityNotification[] = [];
  private draining = false;

  constructor(
    private readonly activity: ActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves once the stream is registered: from then on it receives every matching record of the workspace. */
  async subscribe(workspaceId: string, filter: ActivitySubscriptionFilter, after?: string | null): Promise<AsyncIterableIterator<ActivityRecord>> {
    await this.listen();
    const stream = new ActivityStream(filter, (reason) => {
      const streams = this.streams.get(workspaceId);
      streams?.delete(stream);
      if (streams?.size === 0) this.streams.delete(workspaceId);
      if (reason === 'overflow') this.logger.warn({ msg: 'dropped an activity subscriber that fell too far behind', workspaceId });
    });
    const streams = this.streams.get(workspaceId) ?? new Set<ActivityStream>();
    streams.add(stream);
    this.streams.set(workspaceId, streams);
    // Registered first, read second: a record committed in between is both read and pushed, never neither.
    if (after) {
      try {
        stream.replayFirst(await readBacklog(this.activity, workspaceId, filter, after));
      } catch (error) {
        void stream.return();
        throw error;
      }
    }
    return stream;
  }

  /** Live subscriptions of the workspace in this process (tests wait on it; it also tells operators who watches). */
  subscriberCount(workspaceId: string): number {
    return this.streams.get(workspaceId)?.size ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    this.endAll();
    if (this.listener) await (await this.listener).close().catch(() => undefined);
  }

  private endAll(): void {
    for (const streams of [...this.streams.values()]) for (const stream of [...streams]) void stream.return();
  }

  private listen(): Promise<Subscriber> {
    this.listener ??= (async () => {
      // Named, so operators (and tests) can tell the listening connection in pg_stat_activity.
      const subscriber = createSubscriber({ connectionString: this.config.databaseUrl, application_name: ACTIVITY_LISTENER_NAME });
      subscriber.notifications.on(ACTIVITY_CHANNEL, (payload: ActivityNotification) => this.enqueue(payload));
      subscriber.events.on('error', (error) => {
        this.logger.error({ msg: 'activity listener lost its connection; ending live subscriptions', error: String(error) });
        // pg-listen gives up after its retries: end the streams so clients see their subscriptions
        // complete (and resubscribe) rather than wait on a dead one, and let the next subscriber listen anew.
        this.listener = null;
        this.endAll();
        void subscriber.close().catch(() => undefined);
      });
      await subscriber.connect();
      await subscriber.listenTo(ACTIVITY_CHANNEL);
      return subscriber;
    })().catch((error) => {
      // The next subscriber tries again instead of inheriting this failure forever.
      this.listener = null;
      throw error;
    });
    return this.listener;
  }

  private enqueue(notification: ActivityNotification): void {
    if (!this.streams.has(notification.w)) return;
    this.pending.push(notification);
    void this.drain();
  }

  /**
   * One batch at a time, in notification order: notifications arrive in commit order, and loading them
   * concurrently could publish a later record (COMPLETED) before an earlier one (HOLD_MATCHED).
   * Notifications that arrive during a load are taken together by the next round.
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) await this.forward(this.pending.splice(0));
    } finally {
      this.draining = false;
    }
  }

  private async forward(notifications: ActivityNotification[]): Promise<void> {
    const idsByWorkspace = new Map<string, string[]>();
    for (const { w, ids } of notifications) {
      const forWorkspace = idsByWorkspace.get(w) ?? [];
      forWorkspace.push(...ids);
      idsByWorkspace.set(w, forWorkspace);
    }
    for (const [workspaceId, ids] of idsByWorkspace) {
      if (!this.streams.has(workspaceId)) continue;
      try {
        const records = new Map((await this.activity.byIds(workspaceId, ids)).map((record) => [record.id, record]));
        for (const id of ids) {
          const record = records.get(id);
          if (record) for (const stream of this.streams.get(workspaceId) ?? []) stream.push(record);
        }
      } catch (error) {
        this.logger.error({ msg: 'could not forward activity', workspaceId, error: String(error) });
      }
    }
  }
}
