import type { JourneyDefinition } from './definition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import { decideEntry, type EntryRefusal } from './entry-decision';
import type { InstanceState } from './instance-state';
import { startInstance, type JourneyIdentity } from './start-instance';
import type { TrackedEvent } from './tracked-event';

/** What the caller knows of the user when an event may start instances; loaded once per job and kept current. */
export interface UserEntryFacts {
  /** The user's instances as the caller has them (only ACTIVE ones count), of every journey. */
  instances: readonly Pick<InstanceState, 'journeyId' | 'uniqueId' | 'status'>[];
  /** Journeys the user ever entered, in any version: what ONCE journeys refuse. */
  enteredJourneys: ReadonlySet<string>;
  /** The audiences the user is in now: what an audience filter admits. */
  memberships: ReadonlySet<string>;
  /** The entry time the caller last gave one of the user's instances in this transaction, or null. */
  lastEnteredAt: string | null;
  /** Of the journeys with a re-entry cool-down, when the user last entered each (any version). */
  lastEntries?: ReadonlyMap<string, string>;
}

export type EntryAdmission = { admitted: true; result: EngineResult } | { admitted: false; reason: EntryRefusal | 'not_in_audience' };

/**
 * Whether the event starts an instance of the journey (trigger, entry mode, unique identifier, audience
 * filter) and, if so, the started instance. The journey's status is the caller's to check.
 */
export function admitEntry(
  definition: JourneyDefinition,
  journey: JourneyIdentity,
  ids: { instanceId: string },
  event: TrackedEvent,
  user: UserEntryFacts,
  facts: EngineFacts,
): EntryAdmission {
  const mine = user.instances.filter((instance) => instance.journeyId === journey.id && instance.status === 'ACTIVE');
  const decision = decideEntry(definition, event, {
    activeUniqueIds: mine.map((instance) => instance.uniqueId),
    everEntered: user.enteredJourneys.has(journey.id),
    lastEnteredAt: user.lastEntries?.get(journey.id) ?? null,
    now: facts.now,
  });
  if (!decision.enter) return { admitted: false, reason: decision.reason };
  const audienceFilter = definition.trigger.audienceFilterId;
  if (audienceFilter && !user.memberships.has(audienceFilter)) return { admitted: false, reason: 'not_in_audience' };
  // Instances list in (enteredAt, id) order, so two entered in the same millisecond would list in random
  // order: the next one enters a millisecond later at least.
  const last = user.lastEnteredAt === null ? -Infinity : Date.parse(user.lastEnteredAt) + 1;
  const enteredAt = new Date(Math.max(Date.parse(facts.now), last)).toISOString();
  return { admitted: true, result: startInstance(definition, journey, ids, event, decision.uniqueId, { ...facts, now: enteredAt }) };
}
