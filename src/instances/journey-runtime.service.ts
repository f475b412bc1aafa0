import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  admitEntry,
  applyEvent,
  applyTimer,
  endInstance,
  membershipEvent,
  refreshConditions,
  wakeAt,
  type EngineFacts,
  type EngineResult,
  type InstanceState,
  type JourneyDefinition,
  type MembershipChange,
  type TimeSettings,
  type TrackedEvent,
} from '../engine';
import { workspaceTimeSettings } from '../workspaces/workspace-time-settings';
import { USER_EVENTS_QUEUE, userEventsJobKey, type UserEventsJob } from '../ingestion/user-events-queue';
import { PublishedJourneys, RunnableJourney } from '../journeys/published-journeys';
import { QueueService } from '../queue/queue.service';
import { AudienceMembership } from './audience-membership';
import { EntryLimits, mayTrigger } from './entry-limits';
import { InstanceStore } from './instance-store';
import { allJourneysOf, journeysOf, journeysToEnter, publishedOnly, type JourneysToEnter } from './journeys-to-enter';
import { AUDIENCE_ENTRIES_QUEUE, type AudienceEntryJob, type InstanceTimerJob } from './runtime-queues';
import { runtimeTransaction } from './runtime-transaction';
import { RuntimeWriters, RuntimeWrites } from './runtime-writes';
import { loadUserFacts, runningDefinitions, type UserFacts } from './user-facts';
import { userWakeUp } from './user-wake-ups';
import { takeUnappliedEvents, userKeyOf, type EventRow, type UserKey } from './unapplied-events';

/** Events applied per job: bounds one transaction; the rest go to a follow-up job of the same user. */
const EVENTS_PER_JOB = 200;

/**
 * What one job knows of its user while it applies events, loaded once for the job and kept current as
 * instances change (entries this transaction makes are not in the tables until it flushes).
 */
interface UserState extends UserFacts {
  workspaceId: string;
  userId: string;
  admitting: RunnableJourney[];
  active: InstanceState[];
  traits: Record<string, unknown>;
  /** The workspace's default time zone and quiet hours. */
  workspaceTime: TimeSettings | undefined;
  /** The entry time of the last instance entered in this transaction. */
  lastEnteredAt: string | null;
  writes: RuntimeWrites;
  entryLimits: EntryLimits;
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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly journeys: PublishedJourneys,
    private readonly membership: AudienceMembership,
    private readonly writers: RuntimeWriters,
  ) {}

  /**
   * Applies each user's not-yet-applied events in acceptance order, after the audience windows that
   * slid since last time: many users in one transaction, read and written in a few statements for all
   * of them (a backlog was bound by round trips per user: BENCHMARKS.md, improvement 8). Safe to run
   * twice: the cursors move in the same transaction.
   */
  async applyUserEvents(jobs: UserEventsJob[]): Promise<void> {
    const users = [...new Map(jobs.map(({ workspaceId, userId }) => [userKeyOf({ workspaceId, userId }), { workspaceId, userId }])).values()];
    await this.transaction(users, async (manager, writes) => {
      const events = await takeUnappliedEvents(manager, users, EVENTS_PER_JOB);
      const workspaceIds = [...new Set(users.map((user) => user.workspaceId))];
      const withAudiences = await this.membership.workspacesWithAudiences(manager, workspaceIds);
      const admitting = new Map<string, JourneysToEnter>();
      for (const [workspaceId, members] of byWorkspace(users)) {
        admitting.set(workspaceId, await journeysToEnter(manager, this.journeys, workspaceId, members.map((user) => user.userId)));
      }
      const entryLimits = await EntryLimits.lock(
        manager,
        workspaceIds.flatMap((workspaceId) => {
          const tracked = users.filter((user) => user.workspaceId === workspaceId).flatMap(({ userId }) => trackedEventsOf(userId, events.get(userKeyOf({ workspaceId, userId }))!));
          return admitting.get(workspaceId)!.published.map((journey) => ({ ...journey, mayTrigger: mayTrigger(journey.definition, tracked, withAudiences.has(workspaceId)) }));
        }),
      );
      const states = await this.userStates(manager, users, writes, (workspaceId) => admitting.get(workspaceId)!, entryLimits);

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

  /**
   * The users' states (their active instances locked) and the facts the engine decides on, read in a few
   * statements per workspace for all of them; keyed by `userKeyOf`.
   */
  private async userStates(
    manager: EntityManager,
    users: UserKey[],
    writes: RuntimeWrites,
    admitting: (workspaceId: string) => JourneysToEnter,
    entryLimits: EntryLimits,
  ): Promise<Map<string, UserState>> {
    const active = await InstanceStore.lockActiveOfUsers(manager, users);
    const traits = await InstanceStore.traitsOfUsers(manager, users);
    const timeSettings = await workspaceTimeSettings(manager, [...byWorkspace(users).keys()]);
    const states = new Map<string, UserState>();
    for (const [workspaceId, members] of byWorkspace(users)) {
      const running = await runningDefinitions(members.flatMap((user) => active.get(userKeyOf(user))!), (id, version, test) =>
        this.journeys.definition(manager, id, version, test),
      );
      const entries = admitting(workspaceId);
      const facts = await loadUserFacts(manager, this.membership, workspaceId, members, { admitting: allJourneysOf(entries), running }, new Date());
      for (const { userId } of members) {
        const key = userKeyOf({ workspaceId, userId });
        states.set(key, {
          workspaceId,
          userId,
          admitting: journeysOf(entries, userId),
          active: active.get(key)!,
          traits: traits.get(key) ?? {},
          workspaceTime: timeSettings.get(workspaceId),
          ...facts.get(key)!,
          lastEnteredAt: null,
          writes,
          entryLimits,
        });
      }
    }
    return states;
  }

  private async applyEventsOfUser(manager: EntityManager, user: UserState, batch: EventRow[], membership: AudienceMembership | undefined): Promise<void> {
    const { workspaceId, userId } = user;
    if (membership) await this.applyMembershipChanges(manager, user, noteMemberships(user, await membership.afterTimePassed(manager, workspaceId, userId, new Date())));
    // Time passed since the last job: a waiting condition's windows may have slid (this job may be the wake-up for it).
    await this.refreshWaitingConditions(manager, user);
    for (const row of batch) {
      const changes = noteMemberships(
        user,
        (await membership?.afterEvent(manager, workspaceId, userId, { type: row.type, event: row.event, timestamp: row.timestamp.toISOString() })) ?? [],
      );
      if (row.type === 'identify') {
        await this.refreshWaitingConditions(manager, user);
      } else {
        const event = toTrackedEvent(userId, row);
        await this.applyToActiveInstances(manager, user, event);
        await this.admitIntoJourneys(manager, user, event);
      }
      await this.applyMembershipChanges(manager, user, changes);
    }
  }

  /** Admits one existing member of an audience into a journey just published with `useHistoricalData`. */
  async admitAudienceMember({ workspaceId, journeyId, userId }: AudienceEntryJob): Promise<void> {
    await this.transaction([{ workspaceId, userId }], async (manager, writes) => {
      const journey = (await this.journeys.admitting(manager, workspaceId)).find((j) => j.id === journeyId);
      const audienceId = journey?.definition.trigger.audienceId;
      if (!journey || !audienceId) return;
      const entryLimits = await EntryLimits.lock(manager, [{ ...journey, mayTrigger: true }]);
      const user = (await this.userStates(manager, [{ workspaceId, userId }], writes, () => publishedOnly([journey]), entryLimits)).get(userKeyOf({ workspaceId, userId }))!;
      if (!user.memberships.has(audienceId)) return;
      const audienceName = await this.membership.audienceName(manager, audienceId);
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
   * by round trips per timer: BENCHMARKS.md, improvement 6). A stale one (the instance moved on, or the
   * job is redelivered) changes nothing.
   */
  async fireTimers(jobs: InstanceTimerJob[]): Promise<void> {
    await this.transaction(jobs, async (manager, writes) => {
      const locked = await InstanceStore.lockManyWithTraits(manager, [...new Set(jobs.map((job) => job.instanceId))]);
      const known = await this.timerFacts(manager, jobs, locked);
      const timeSettings = await workspaceTimeSettings(manager, [...new Set(jobs.map((job) => job.workspaceId))]);
      for (const job of jobs) {
        // Kept current, so a second timer of the same instance in this batch sees the first one's advance.
        const current = locked.get(job.instanceId);
        if (!current || current.state.status !== 'ACTIVE') continue;
        const definition = await this.journeys.definition(manager, current.state.journeyId, current.state.journeyVersion, current.state.test);
        const facts = factsAt(current.traits, known.get(userKeyOf({ workspaceId: job.workspaceId, userId: current.state.userId })), timeSettings.get(job.workspaceId));
        const result = applyTimer(definition, current.state, { kind: job.kind, stepKey: job.stepKey, stepSeq: job.stepSeq }, facts);
        if (!result) continue;
        this.persist(writes, job.workspaceId, definition, result, facts, false);
        current.state = result.state;
      }
    });
  }

  /** The facts of the timers' users, for the definitions their instances run. */
  private async timerFacts(
    manager: EntityManager,
    jobs: InstanceTimerJob[],
    locked: Map<string, { state: InstanceState }>,
  ): Promise<Map<string, UserFacts>> {
    const instances = jobs.flatMap((job) => {
      const current = locked.get(job.instanceId);
      return current ? [{ workspaceId: job.workspaceId, state: current.state }] : [];
    });
    const known = new Map<string, UserFacts>();
    for (const [workspaceId, members] of byWorkspace(instances.map(({ workspaceId, state }) => ({ workspaceId, userId: state.userId })))) {
      const states = instances.filter((instance) => instance.workspaceId === workspaceId).map((instance) => instance.state);
      const running = await runningDefinitions(states, (id, version, test) => this.journeys.definition(manager, id, version, test));
      for (const [key, facts] of await loadUserFacts(manager, this.membership, workspaceId, members, { admitting: [], running }, new Date())) known.set(key, facts);
    }
    return known;
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
      const definition = await this.journeys.definition(manager, state.journeyId, state.journeyVersion, state.test);
      const facts = factsAt(user.traits, user, user.workspaceTime);
      const result = applyEvent(definition, state, event, facts);
      if (!result) {
        // The event may have moved when a window next changes a count the waiting condition reads.
        this.wakeWhenWindowsSlide(user.writes, user.workspaceId, definition, state, facts, event.event);
        continue;
      }
      this.persist(user.writes, user.workspaceId, definition, result, facts, false);
      user.active[index] = result.state;
    }
  }

  private async admitIntoJourneys(manager: EntityManager, user: UserState, event: TrackedEvent): Promise<void> {
    for (const journey of user.admitting) {
      const facts = factsAt(user.traits, user, user.workspaceTime);
      // A test run's entry rules see only test runs, a live entry's only live instances (see enteredJourneysOfUsers).
      const instances = user.active.filter((instance) => instance.test === (journey.test === true));
      const admission = admitEntry(journey.definition, journey, { instanceId: randomUUID() }, event, { ...user, instances }, facts);
      if (!admission.admitted) continue;
      const { result } = admission;
      const limit = journey.definition.entry.limit;
      if (limit && !journey.test && !(await user.entryLimits.take(journey.id, limit, result.state.enteredAt))) continue;
      this.persist(user.writes, user.workspaceId, journey.definition, result, facts, true);
      user.enteredJourneys.add(journey.id);
      user.lastEnteredAt = result.state.enteredAt;
      user.lastEntries.set(journey.id, result.state.enteredAt);
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
      const definition = await this.journeys.definition(manager, state.journeyId, state.journeyVersion, state.test);
      const facts = factsAt(user.traits, user, user.workspaceTime);
      const result = refreshConditions(definition, state, facts);
      if (!result) {
        this.wakeWhenWindowsSlide(user.writes, user.workspaceId, definition, state, facts);
        continue;
      }
      this.persist(user.writes, user.workspaceId, definition, result, facts, false);
      user.active[index] = result.state;
    }
  }

  /**
   * When the engine says a waiting step can move by time alone ("no order within 3 days"), the user is
   * woken at that instant to re-evaluate it then, instead of at its deadline.
   */
  private wakeWhenWindowsSlide(
    writes: RuntimeWrites,
    workspaceId: string,
    definition: JourneyDefinition,
    state: InstanceState,
    facts: EngineFacts,
    afterEvent?: string,
  ): void {
    const at = wakeAt(definition, state, facts, afterEvent);
    if (at !== null) writes.enqueue(userWakeUp(workspaceId, state.userId, new Date(at), state.id));
  }

  private persist(writes: RuntimeWrites, workspaceId: string, definition: JourneyDefinition, result: EngineResult, facts: EngineFacts, isNew: boolean): void {
    writes.record(workspaceId, result, isNew, definition.transactional ?? false);
    this.wakeWhenWindowsSlide(writes, workspaceId, definition, result.state, facts);
  }

  /** A runtime transaction under the users' locks; what its work recorded is written just before it commits. */
  private transaction(users: UserKey[], work: (manager: EntityManager, writes: RuntimeWrites) => Promise<void>): Promise<void> {
    return runtimeTransaction(this.dataSource, users, async (manager) => {
      const writes = new RuntimeWrites();
      await work(manager, writes);
      await writes.flush(manager, this.writers);
    });
  }
}

/** The engine's facts now: time per call, traits, event times and workspace defaults as loaded for the job. */
function factsAt(traits: Record<string, unknown>, known: Pick<UserFacts, 'performedTimes'> | undefined, workspaceTime: TimeSettings | undefined): EngineFacts {
  return { now: new Date().toISOString(), traits, performedTimes: known?.performedTimes ?? {}, workspaceTime };
}

/** Membership changes the audiences module just persisted, applied to what the job knows of the user. */
function noteMemberships(user: UserState, changes: MembershipChange[]): MembershipChange[] {
  for (const change of changes) {
    if (change.entered) user.memberships.add(change.audienceId);
    else user.memberships.delete(change.audienceId);
  }
  return changes;
}

function byWorkspace(users: UserKey[]): Map<string, UserKey[]> {
  const groups = new Map<string, UserKey[]>();
  for (const user of users) {
    const group = groups.get(user.workspaceId) ?? [];
    if (!group.some((known) => known.userId === user.userId)) group.push(user);
    groups.set(user.workspaceId, group);
  }
  return groups;
}

function trackedEventsOf(userId: string, rows: EventRow[]): TrackedEvent[] {
  return rows.filter((row) => row.type !== 'identify').map((row) => toTrackedEvent(userId, row));
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
