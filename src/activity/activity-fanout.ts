import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import createSubscriber, { Subscriber } from 'pg-listen';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ACTIVITY_CHANNEL } from './activity-log';
import { ActivityRecord } from './activity.graphql-types';
import { ActivityService } from './activity.service';

/**
 * Brings activity records written by any process to this process's subscribers: every writer
 * NOTIFYs ids on commit; here we LISTEN, load the records and publish them in-process. Listening
 * starts with the first subscriber, and records are loaded only for workspaces someone watches.
 */
@Injectable()
export class ActivityFanout implements OnApplicationShutdown {
  private readonly logger = new Logger('activity-fanout');
  private readonly pubSub = new PubSub();
  private readonly watchers = new Map<string, number>();
  private listener: Promise<Subscriber> | null = null;

  constructor(
    private readonly activity: ActivityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async subscribe(workspaceId: string): Promise<AsyncIterableIterator<ActivityRecord>> {
    await this.listen();
    const iterator = this.pubSub.asyncIterableIterator<ActivityRecord>(channelOf(workspaceId));
    this.watchers.set(workspaceId, (this.watchers.get(workspaceId) ?? 0) + 1);
    const close = iterator.return.bind(iterator);
    let released = false;
    // graphql-ws calls return() when the client unsubscribes or the socket closes.
    iterator.return = async () => {
      if (!released) {
        released = true;
        const left = (this.watchers.get(workspaceId) ?? 1) - 1;
        if (left > 0) this.watchers.set(workspaceId, left);
        else this.watchers.delete(workspaceId);
      }
      return close();
    };
    return iterator;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.listener) await (await this.listener).close().catch(() => undefined);
  }

  private listen(): Promise<Subscriber> {
    this.listener ??= (async () => {
      const subscriber = createSubscriber({ connectionString: this.config.databaseUrl });
      subscriber.notifications.on(ACTIVITY_CHANNEL, (payload: { w: string; ids: string[] }) => void this.forward(payload));
      subscriber.events.on('error', (error) => this.logger.error({ msg: 'activity listener error', error: String(error) }));
      await subscriber.connect();
      await subscriber.listenTo(ACTIVITY_CHANNEL);
      return subscriber;
    })();
    return this.listener;
  }

  private async forward({ w: workspaceId, ids }: { w: string; ids: string[] }): Promise<void> {
    if (!this.watchers.has(workspaceId)) return;
    try {
      for (const record of await this.activity.byIds(workspaceId, ids)) await this.pubSub.publish(channelOf(workspaceId), record);
    } catch (error) {
      this.logger.error({ msg: 'could not forward activity', error: String(error) });
    }
  }
}

const channelOf = (workspaceId: string) => `activity:${workspaceId}`;
