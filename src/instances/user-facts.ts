import type { EntityManager } from 'typeorm';
import { performedClauseKey, performedClausesOf, type InstanceState, type JourneyDefinition, type Performed, type PerformedEventTimes } from '../engine';
import type { RunnableJourney } from '../journeys/published-journeys';
import type { AudienceMembership } from './audience-membership';
import { InstanceStore } from './instance-store';
import { performedEventTimes } from './performed-counts';
import { userKeyOf, type UserKey } from './unapplied-events';

/** What the engine needs to know of one user during one job, loaded once for all the job's users. */
export interface UserFacts {
  /** Per `performedClauseKey`, for every clause of the journeys the user is in or may enter. */
  performedTimes: PerformedEventTimes;
  /** Of the ONCE journeys that admit entries, those the user ever entered. */
  enteredJourneys: Set<string>;
  /** Of the audiences that admitting journeys filter on (or that trigger them), those the user is in. */
  memberships: Set<string>;
  /** Of the admitting journeys with a re-entry cool-down, when the user last entered each. */
  lastEntries: Map<string, string>;
}

/**
 * Loads, for users of one workspace, the facts the engine decides on: one query per distinct `performed`
 * clause, one for ONCE journeys' past entries, one for audience memberships, whatever the number of users,
 * events and instances. Events of the job are already stored, so the times include them.
 */
export async function loadUserFacts(
  manager: EntityManager,
  membership: AudienceMembership,
  workspaceId: string,
  users: UserKey[],
  definitions: { admitting: RunnableJourney[]; running: JourneyDefinition[] },
  now: Date,
): Promise<Map<string, UserFacts>> {
  const { admitting, running } = definitions;
  const userIds = users.map((user) => user.userId);
  const clauses = distinctClauses([...admitting.map((journey) => journey.definition), ...running]);
  const times = clauses.length ? await performedEventTimes(manager, workspaceId, userIds, clauses, now) : new Map<string, PerformedEventTimes>();
  const once = admitting.filter((journey) => journey.definition.entry.mode === 'ONCE');
  const entered = await InstanceStore.enteredJourneysOfUsers(
    manager,
    users,
    once.filter((journey) => !journey.test).map((journey) => journey.id),
    once.filter((journey) => journey.test).map((journey) => journey.id),
  );
  const coolingJourneys = admitting.filter((journey) => journey.definition.entry.cooldown).map((journey) => journey.id);
  const lastEntries = await InstanceStore.lastEntriesOfUsers(manager, users, coolingJourneys);
  const audiences = [
    ...new Set(admitting.flatMap(({ definition: { trigger } }) => [trigger.audienceFilterId, trigger.type === 'AUDIENCE' ? trigger.audienceId : undefined])),
  ].filter((id): id is string => !!id);
  const memberships = audiences.length ? await membership.membershipsOf(manager, workspaceId, audiences, userIds) : new Map<string, Set<string>>();
  return new Map(
    users.map((user) => [
      userKeyOf(user),
      {
        performedTimes: times.get(user.userId) ?? {},
        enteredJourneys: entered.get(userKeyOf(user)) ?? new Set(),
        memberships: memberships.get(user.userId) ?? new Set(),
        lastEntries: lastEntries.get(userKeyOf(user)) ?? new Map(),
      },
    ]),
  );
}

function distinctClauses(definitions: JourneyDefinition[]): Performed[] {
  const byKey = new Map<string, Performed>();
  for (const definition of definitions) for (const clause of performedClausesOf(definition)) byKey.set(performedClauseKey(clause), clause);
  return [...byKey.values()];
}

/** The definitions the users' active instances run (their versions may be older than the admitting ones). */
export async function runningDefinitions(
  instances: InstanceState[],
  definition: (journeyId: string, version: number, test: boolean) => Promise<JourneyDefinition>,
): Promise<JourneyDefinition[]> {
  const versions = new Map(instances.map((state) => [`${state.journeyId}:${state.test}:${state.journeyVersion}`, state]));
  return Promise.all([...versions.values()].map((state) => definition(state.journeyId, state.journeyVersion, state.test)));
}
