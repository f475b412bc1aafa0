import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ActivityLog } from '../activity/activity-log';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import {
  applyEvent,
  applyTimer,
  decideEntry,
  endInstance,
  membershipEvent,
  nextPerformedChangeAt,
  performedClausesOf,
  refreshConditions,
  startInstance,
  triggers,
  type EngineFacts,
  type MembershipChange,
  type EngineResult,
  type InstanceState,
  type TrackedEvent,
} from '../engine';
import { USER_EVENTS_QUEUE, userEventsJobKey, type UserEventsJob } from '../ingestion/user-events-queue';
import type { JourneyDefinition } from '../engine/definition';
import { PublishedJourneys, RunnableJourney } from '../journeys/published-journeys';
import { QueueService } from '../queue/queue.service';
import { AudienceMembership } from './audience-membership';
import { InstanceStore } from './instance-store';
import { AUDIENCE_ENTRIES_QUEUE, type AudienceEntryJob, type InstanceTimerJob } from './runtime-queues';
import { countPerformed, performedEventTimes } from './performed-counts';
import { runtimeTransaction } from './runtime-transaction';
import { RuntimeWrites, type RuntimeWriters } from './runtime-writes';
import { takeUnappliedEvents, userKeyOf, type EventRow, type UserKey } from './unapplied-events';

/** Events applied per job: bounds one transaction; the rest go to a follow-up job of the same user. */
const EVENTS_PER_JOB = 200;

/** What one job knows of its user while it applies events: kept current as instances change. */
interface UserState {
  workspaceId: string;
  userId: string;
  admitting: RunnableJourney[];
  active: InstanceState[];
  traits: Record<string, unknown>;
  /** Journeys entered in this transaction: their instances are not in the table until it flushes. */
  entered: Set<string>;
  /**
   * When the last of them was entered (ms). Instances list in (enteredAt, id) order, so two entered in
   * the same millisecond would list in random order: the next one enters a millisecond later at least.
   */
  lastEnteredAt: number;
  writes: RuntimeWrites;
}

/**
 * The edge between the pure engine and the world: loads state, calls the engine, and persists its
 * result (state, activity, timers, deliveries) in one transaction.
 *
 * Concurrency lives here and only here: every change to a user's instances happens under that user's
 * transaction-scoped advisory lock, so events and timers of one user apply one at a time, in order,
 * in whatever process runs them; different users proceed in parallel.
 */
@Injectable()
export class JourneyRuntime {
  private readonly logger = new Logger('runtime');
  private readonly writers: RuntimeWriters;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly journeys: PublishedJourneys,
    activity: ActivityLog,
    deliveries: DeliveryScheduler,
    private readonly membership: AudienceMembership,
  ) {
    this.writers = { activity, queue, deliveries };
  }

  /**
   * Applies each user's not-yet-applied events in acceptance order, after the audience windows that
   * slid since last time: many users in one transaction, read and written in a few statements for all
   * of them (a backlog was bound by round trips per user). Safe to run twice: the cursors move in the
   * same transaction.
   */
  async applyUserEvents(jobs: UserEventsJob[]): Promise<void> {
    const users = [...new Map(jobs.map(({ workspaceId, userId }) => [userKeyOf({ workspaceId, userId }), { workspaceId, userId }])).values()];
    await this.transaction(users, async (manager, writes) => {
      const events = await takeUnappliedEvents(manager, users, EVENTS_PER_JOB);
      const workspaceIds = [...new Set(users.map((user) => user.workspaceId))];
      const withAudiences = await this.membership.workspacesWithAudiences(manager, workspaceIds);
      const admitting = new Map<string, RunnableJourney[]>();
      for (const workspaceId of workspaceIds) admitting.set(workspaceId, await this.journeys.admitting(manager, workspaceId));
      const states = await this.userStates(manager, users, writes, (workspaceId) => admitting.get(workspaceId)!);

      for (const { workspaceId, userId } of users) {
        const key = userKeyOf({ workspaceId, userId });
        const user = states.get(key)!;
        const unapplied = events.get(key)!;
        await this.applyEventsOfUser(manager, user, unapplied.slice(0, EVENTS_PER_JOB), withAudiences.has(workspaceId) ? this.membership : undefined);
        if (unapplied.length > EVENTS_PER_JOB) {
          writes.enqueue({ queue: USER_EVENTS_QUEUE, data: { workspaceId, userId }, singletonKey: userEventsJobKey(workspaceId, userId) });
        }
      }
      const applied = [...events.values()].reduce((sum, rows) => sum + Math.min(rows.length, EVENTS_PER_JOB), 0);
      if (applied > 0) this.logger.debug({ msg: 'user events applied', users: users.length, events: applied });
    });
  }

  /** The users' states (their active instances locked), read in one statement per kind for all of them; keyed by `userKeyOf`. */
  private async userStates(
    manager: EntityManager,
    users: UserKey[],
    writes: RuntimeWrites,
    admitting: (workspaceId: string) => RunnableJourney[],
  ): Promise<Map<string, UserState>> {
    const active = await InstanceStore.lockActiveOfUsers(manager, users);
    const traits = await InstanceStore.traitsOfUsers(manager, users);
    return new Map(
      users.map(({ workspaceId, userId }) => {
        const key = userKeyOf({ workspaceId, userId });
        const state: UserState = {
          workspaceId,
          userId,
          admitting: admitting(workspaceId),
          active: active.get(key)!,
          traits: traits.get(key) ?? {},
          entered: new Set(),
          lastEnteredAt: 0,
          writes,
        };
        return [key, state];
      }),
    );
  }

  private async applyEventsOfUser(manager: EntityManager, user: UserState, batch: EventRow[], membership: AudienceMembership | undefined): Promise<void> {
    const { workspaceId, userId } = user;
    if (membership) await this.applyMembershipChanges(manager, user, await membership.afterTimePassed(manager, workspaceId, userId, new Date()));
    // Time passed since the last job: a waiting condition's windows may have slid (this job may be the wake-up for it).
    await this.refreshWaitingConditions(manager, user);
    for (const row of batch) {
      const changes = await membership?.afterEvent(manager, workspaceId, userId, {
        type: row.type,
        event: row.event,
        timestamp: row.timestamp.toISOString(),
      });
      if (row.type === 'identify') {
        await this.refreshWaitingConditions(manager, user);
      } else {
        const event = toTrackedEvent(userId, row);
        await this.applyToActiveInstances(manager, user, event);
        await this.admitIntoJourneys(manager, user, event);
      }
      await this.applyMembershipChanges(manager, user, changes ?? []);
    }
  }

  /** Admits one existing member of an audience into a journey just published with `useHistoricalData`. */
  async admitAudienceMember({ workspaceId, journeyId, userId }: AudienceEntryJob): Promise<void> {
    const membership = this.membership;
    await this.transaction([{ workspaceId, userId }], async (manager, writes) => {
      const journey = (await this.journeys.admitting(manager, workspaceId)).find((j) => j.id === journeyId);
      const audienceId = journey?.definition.trigger.audienceId;
      if (!journey || !audienceId || !(await membership.isMember(manager, workspaceId, audienceId, userId))) return;
      const user = (await this.userStates(manager, [{ workspaceId, userId }], writes, () => [journey])).get(userKeyOf({ workspaceId, userId }))!;
      const audienceName = await membership.audienceName(manager, audienceId);
      await this.admitIntoJourneys(manager, user, membershipEvent(userId, { audienceId, audienceName, entered: true, at: new Date().toISOString() }));
    });
  }

  /** On publish: queues the admission of the audience's current members, when the journey asks for them. */
  async admitHistoricalMembers(manager: EntityManager, workspaceId: string, journeyId: string): Promise<void> {
    const journey = (await this.journeys.admitting(manager, workspaceId)).find((j) => j.id === journeyId);
    const trigger = journey?.definition.trigger;
    if (trigger?.type !== 'AUDIENCE' || !trigger.useHistoricalData || !trigger.audienceId) return;
    const members = await this.membership.memberIds(manager, workspaceId, trigger.audienceId);
    await this.queue.enqueue(
      members.map((userId) => ({ queue: AUDIENCE_ENTRIES_QUEUE, data: { workspaceId, journeyId, userId } satisfies AudienceEntryJob })),
      manager,
    );
  }

  /**
   * Due timers, many in one transaction under all their users' locks (a backlog of timeouts was bound
   * by round trips per timer). A stale one (the instance moved on, or the job is redelivered) changes nothing.
   */
  async fireTimers(jobs: InstanceTimerJob[]): Promise<void> {
    await this.transaction(jobs, async (manager, writes) => {
      const locked = await InstanceStore.lockManyWithTraits(manager, [...new Set(jobs.map((job) => job.instanceId))]);
      for (const job of jobs) {
        // Kept current, so a second timer of the same instance in this batch sees the first one's advance.
        const current = locked.get(job.instanceId);
        if (!current || current.state.status !== 'ACTIVE') continue;
        const definition = await this.journeys.definition(manager, current.state.journeyId, current.state.journeyVersion);
        const facts = await this.factsFor(manager, { workspaceId: job.workspaceId, userId: current.state.userId, traits: current.traits }, definition);
        const result = applyTimer(definition, current.state, { kind: job.kind, stepKey: job.stepKey, stepSeq: job.stepSeq }, facts);
        if (!result) continue;
        await this.persist(manager, writes, job.workspaceId, result, false);
        current.state = result.state;
      }
    });
  }

  /** Ends every active instance of an archived journey, inside the archiving transaction. */
  async endJourneyInstances(manager: EntityManager, journeyId: string, reason: string): Promise<number> {
    const instances = await InstanceStore.lockActiveOfJourney(manager, journeyId);
    const now = new Date().toISOString();
    const writes = new RuntimeWrites();
    for (const instance of instances) {
      const result = endInstance(instance, reason, now);
      if (result) writes.record(instance.workspaceId, result, false);
    }
    await writes.flush(manager, this.writers);
    return instances.length;
  }

  private async applyToActiveInstances(manager: EntityManager, user: UserState, event: TrackedEvent): Promise<void> {
    for (const [index, state] of user.active.entries()) {
      if (state.status !== 'ACTIVE') continue;
      const definition = await this.journeys.definition(manager, state.journeyId, state.journeyVersion);
      const result = applyEvent(definition, state, event, await this.factsFor(manager, user, definition));
      if (!result) {
        // The event may have moved when a window next changes a count the waiting condition reads.
        await this.wakeWhenWindowsSlide(manager, user.writes, user.workspaceId, state, event.event);
        continue;
      }
      await this.persist(manager, user.writes, user.workspaceId, result, false);
      user.active[index] = result.state;
    }
  }

  private async admitIntoJourneys(manager: EntityManager, user: UserState, event: TrackedEvent): Promise<void> {
    for (const journey of user.admitting) {
      if (!triggers(journey.definition, event)) continue;
      const mine = user.active.filter((s) => s.journeyId === journey.id && s.status === 'ACTIVE');
      const history = {
        activeUniqueIds: mine.map((s) => s.uniqueId),
        everEntered:
          journey.definition.entry.mode === 'ONCE' && (user.entered.has(journey.id) || (await InstanceStore.everEntered(manager, journey.id, user.userId))),
      };
      const decision = decideEntry(journey.definition, event, history);
      if (!decision.enter) continue;
      const audienceFilter = journey.definition.trigger.audienceFilterId;
      if (audienceFilter && !(await this.membership.isMember(manager, user.workspaceId, audienceFilter, user.userId))) continue;
      const facts = await this.factsFor(manager, user, journey.definition);
      const enteredAt = Math.max(Date.parse(facts.now), user.lastEnteredAt + 1);
      const result = startInstance(journey.definition, journey, { instanceId: randomUUID() }, event, decision.uniqueId, { ...facts, now: new Date(enteredAt).toISOString() });
      await this.persist(manager, user.writes, user.workspaceId, result, true);
      user.entered.add(journey.id);
      user.lastEnteredAt = enteredAt;
      if (result.state.status === 'ACTIVE') user.active.push(result.state);
    }
  }

  /** Entering or leaving an audience is an event of the user's: it drives holds, exits, goals and audience entries. */
  private async applyMembershipChanges(manager: EntityManager, user: UserState, changes: MembershipChange[]): Promise<void> {
    for (const change of changes) {
      const event = membershipEvent(user.userId, change);
      await this.applyToActiveInstances(manager, user, event);
      await this.admitIntoJourneys(manager, user, event);
    }
  }

  /** Traits or time changed: waiting conditions may hold now. */
  private async refreshWaitingConditions(manager: EntityManager, user: UserState): Promise<void> {
    for (const [index, state] of user.active.entries()) {
      if (state.status !== 'ACTIVE') continue;
      const definition = await this.journeys.definition(manager, state.journeyId, state.journeyVersion);
      const result = refreshConditions(definition, state, await this.factsFor(manager, user, definition));
      if (!result) {
        await this.wakeWhenWindowsSlide(manager, user.writes, user.workspaceId, state);
        continue;
      }
      await this.persist(manager, user.writes, user.workspaceId, result, false);
      user.active[index] = result.state;
    }
  }

  /**
   * A WAIT_FOR_CONDITION whose `performed` windows can make it hold with no new event ("no order within
   * 3 days"): a user-events job at the instant a window next changes a count re-evaluates it then, instead
   * of at its deadline. Its own singleton key, since a delayed job under the user's key would hold back their events.
   */
  private async wakeWhenWindowsSlide(manager: EntityManager, writes: RuntimeWrites, workspaceId: string, state: InstanceState, afterEvent?: string): Promise<void> {
    if (state.status !== 'ACTIVE' || state.currentStep === null) return;
    const definition = await this.journeys.definition(manager, state.journeyId, state.journeyVersion);
    const step = definition.steps.find((candidate) => candidate.key === state.currentStep);
    if (step?.type !== 'WAIT_FOR_CONDITION') return;
    const windowed = performedClausesOf(step.waitForCondition.condition).filter((clause) => clause.within);
    if (windowed.length === 0 || (afterEvent !== undefined && !windowed.some((clause) => clause.event === afterEvent))) return;
    const now = new Date();
    const times = (await performedEventTimes(manager, workspaceId, [state.userId], windowed, now)).get(state.userId) ?? {};
    const at = nextPerformedChangeAt(windowed, times, now.getTime());
    if (at === null || (state.waitingUntil !== null && at >= Date.parse(state.waitingUntil))) return;
    const userKey = userEventsJobKey(workspaceId, state.userId);
    writes.enqueue({ queue: USER_EVENTS_QUEUE, data: { workspaceId, userId: state.userId } satisfies UserEventsJob, startAfter: new Date(at), singletonKey: `${userKey}:${state.id}:${at}` });
  }

  private async persist(manager: EntityManager, writes: RuntimeWrites, workspaceId: string, result: EngineResult, isNew: boolean): Promise<void> {
    writes.record(workspaceId, result, isNew);
    await this.wakeWhenWindowsSlide(manager, writes, workspaceId, result.state);
  }

  /** A runtime transaction under the users' locks; what its work recorded is written just before it commits. */
  private transaction(users: UserKey[], work: (manager: EntityManager, writes: RuntimeWrites) => Promise<void>): Promise<void> {
    return runtimeTransaction(this.dataSource, users, async (manager) => {
      const writes = new RuntimeWrites();
      await work(manager, writes);
      await writes.flush(manager, this.writers);
    });
  }

  private async factsFor(
    manager: EntityManager,
    { workspaceId, userId, traits }: Pick<UserState, 'workspaceId' | 'userId' | 'traits'>,
    definition: JourneyDefinition,
  ): Promise<EngineFacts> {
    const now = new Date();
    const clauses = performedClausesOf(definition);
    const performedCounts = clauses.length ? await countPerformed(manager, workspaceId, userId, clauses, now) : {};
    return { now: now.toISOString(), traits, performedCounts };
  }
}

function toTrackedEvent(userId: string, row: EventRow): TrackedEvent {
  return {
    userId,
    event: row.event ?? '',
    properties: row.properties,
    context: row.context,
    timestamp: row.timestamp.toISOString(),
    receivedAt: row.received_at.toISOString(),
    messageId: row.message_id,
  };
}
