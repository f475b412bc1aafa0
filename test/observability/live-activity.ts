import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ActivityFanout } from '../../src/activity/activity-fanout';
import type { TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/** An activity record as a subscriber received it, stamped with when it arrived. */
export interface ReceivedActivity {
  id: string;
  at: string;
  type: string;
  journeyId: string;
  instanceId: string;
  userId: string;
  stepKey: string | null;
  detail: Record<string, unknown> | null;
  receivedAt: number;
}

const ACTIVITY_SUBSCRIPTION = `
  subscription ($journeyId: ID, $userId: String, $types: [ActivityType!]) {
    activity(journeyId: $journeyId, userId: $userId, types: $types) { id at type journeyId instanceId userId stepKey detail }
  }`;

/** One `Subscription.activity` on a socket: what it received, and how it ended, if it did. */
export class ActivityWatch {
  readonly records: ReceivedActivity[] = [];
  error: unknown = null;
  completed = false;
  private readonly unsubscribe: () => void;

  constructor(client: Client, variables: { journeyId?: string; userId?: string; types?: string[] }) {
    this.unsubscribe = client.subscribe<{ activity: Omit<ReceivedActivity, 'receivedAt'> }>(
      { query: ACTIVITY_SUBSCRIPTION, variables },
      {
        next: (result) => {
          if (result.errors?.length) this.error = result.errors;
          else if (result.data) this.records.push({ ...result.data.activity, receivedAt: Date.now() });
        },
        error: (error) => (this.error = error),
        complete: () => (this.completed = true),
      },
    );
  }

  /** `TYPE:stepKey` (or `TYPE`) of each record received, of one instance if given. */
  steps(instanceId?: string): string[] {
    return this.of(instanceId).map((r) => (r.stepKey ? `${r.type}:${r.stepKey}` : r.type));
  }

  /** The types of the records received, of one instance if given. */
  types(instanceId?: string): string[] {
    return this.of(instanceId).map((r) => r.type);
  }

  private of(instanceId?: string): ReceivedActivity[] {
    return this.records.filter((r) => !instanceId || r.instanceId === instanceId);
  }

  stop(): void {
    this.unsubscribe();
  }
}

/**
 * A real `graphql-ws` client on the admin API's socket, as a dashboard would open it:
 * `ws://127.0.0.1:<port>/graphql` with `connectionParams.authorization`.
 */
export class ActivitySocket {
  readonly client: Client;
  connected = false;
  readonly closeCodes: number[] = [];

  constructor(httpUrl: string, authorization?: string) {
    this.client = createClient({
      url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: authorization === undefined ? {} : { authorization },
      // A refusal must reach the test as it is, not as a retry loop.
      retryAttempts: 0,
      on: {
        connected: () => (this.connected = true),
        closed: (event) => this.closeCodes.push((event as { code: number }).code),
      },
    });
  }

  watch(variables: { journeyId?: string; userId?: string; types?: string[] } = {}): ActivityWatch {
    return new ActivityWatch(this.client, variables);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/**
 * graphql-ws does not acknowledge a subscription, so tests wait until the server has registered it
 * (the test app runs in this process) before they write what it should see.
 */
export async function waitForSubscribers(itinera: TestApp, workspaceId: string, count: number): Promise<void> {
  await waitFor(() => subscriberCount(itinera, workspaceId) >= count, { what: `${count} activity subscriber(s) of workspace ${workspaceId}` });
}

export function subscriberCount(itinera: TestApp, workspaceId: string): number {
  return itinera.app.get(ActivityFanout).subscriberCount(workspaceId);
}

/** The close code of a refused connection, or the error the subscription got instead. */
export function refusalOf(watch: ActivityWatch): number | unknown {
  const error = watch.error as { code?: number } | null;
  return typeof error?.code === 'number' ? error.code : error;
}
