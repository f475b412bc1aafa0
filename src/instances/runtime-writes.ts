import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ActivityLog, type ActivityEntry } from '../activity/activity-log';
import { DeliveryScheduler, type ScheduledSends } from '../deliveries/delivery-scheduler';
import type { ActivityDraft, EngineResult, InstanceState } from '../engine';
import { FrequencyCaps } from '../frequency-caps/frequency-caps.service';
import { QueueService, type JobRequest } from '../queue/queue.service';
import { InstanceStore } from './instance-store';
import { INSTANCE_TIMERS_QUEUE, type InstanceTimerJob } from './runtime-queues';

/** Where `RuntimeWrites.flush` writes: one provider for every caller that applies engine results. */
@Injectable()
export class RuntimeWriters {
  constructor(
    readonly activity: ActivityLog,
    readonly queue: QueueService,
    readonly deliveries: DeliveryScheduler,
    readonly caps: FrequencyCaps,
  ) {}
}

/**
 * What the engine's results in one runtime transaction write (instance states, activity records, timers,
 * deliveries), gathered while it runs and written in a handful of statements just before it commits,
 * however many users and instances it covers. Each round trip to PostgreSQL costs more CPU on these
 * machines than the row it writes (BENCHMARKS.md, improvements 6 and 9), so a batch of 50 users costs about
 * what one used to.
 */
export class RuntimeWrites {
  private readonly instances = new Map<string, { workspaceId: string; state: InstanceState; isNew: boolean }>();
  private readonly activities: ActivityEntry[] = [];
  private readonly jobs: JobRequest[] = [];
  private readonly sends: ScheduledSends[] = [];

  /**
   * An instance's advance; `isNew` when it created the instance; `transactional` when its journey's sends
   * bypass the frequency caps. The last state of each instance is the one written.
   */
  record(workspaceId: string, result: EngineResult, isNew: boolean, transactional = false): void {
    const { state } = result;
    const earlier = this.instances.get(state.id);
    this.instances.set(state.id, { workspaceId, state, isNew: isNew || (earlier?.isNew ?? false) });
    const owner = { workspaceId, journeyId: state.journeyId, instanceId: state.id, userId: state.userId, test: state.test };
    if (result.activities.length > 0) this.activities.push({ owner, drafts: result.activities });
    for (const timer of result.timers) {
      this.jobs.push({
        queue: INSTANCE_TIMERS_QUEUE,
        data: { workspaceId, userId: state.userId, instanceId: state.id, kind: timer.kind, stepKey: timer.stepKey, stepSeq: timer.stepSeq } satisfies InstanceTimerJob,
        startAfter: new Date(timer.dueAt),
      });
    }
    if (result.deliveries.length > 0) this.sends.push({ origin: owner, requests: result.deliveries, transactional });
  }

  enqueue(job: JobRequest): void {
    this.jobs.push(job);
  }

  /**
   * Instances first: activity records and deliveries refer to them. The frequency caps decide the sends
   * here, under the users' locks, in the order the steps ran; a refused send's SEND_SKIPPED record
   * follows its step's.
   */
  async flush(manager: EntityManager, { activity, queue, deliveries, caps }: RuntimeWriters): Promise<void> {
    const instances = [...this.instances.values()];
    await InstanceStore.insertMany(manager, instances.filter((instance) => instance.isNew));
    await InstanceStore.updateMany(manager, instances.filter((instance) => !instance.isNew).map((instance) => instance.state));
    const { sends, skipped } = this.sends.length > 0 ? await caps.apply(manager, this.sends) : { sends: [], skipped: new Map<string, ActivityDraft>() };
    await activity.appendMany(manager, skipped.size > 0 ? this.activities.map((entry) => ({ ...entry, drafts: withSkips(entry.drafts, skipped) })) : this.activities);
    await queue.enqueue(this.jobs, manager);
    if (sends.length > 0) await deliveries.schedule(manager, sends);
  }
}

/** Each skipped send's record placed right after the record of the step that asked for it. */
function withSkips(drafts: ActivityDraft[], skipped: ReadonlyMap<string, ActivityDraft>): ActivityDraft[] {
  return drafts.flatMap((draft) => {
    const key = draft.type === 'STEP_ENTERED' ? draft.detail?.idempotencyKey : undefined;
    const skip = typeof key === 'string' ? skipped.get(key) : undefined;
    return skip ? [draft, skip] : [draft];
  });
}
