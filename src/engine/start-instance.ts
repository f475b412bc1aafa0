import type { JourneyDefinition } from './definition';
import { advanceInstance } from './advance-instance';
import { beginTransition, finishTransition, recordActivity } from './transition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import type { InstanceState, JourneyContext } from './instance-state';
import type { TrackedEvent } from './tracked-event';

export interface JourneyIdentity {
  id: string;
  name: string;
  version: number;
  /** Set for a journey run in test mode: the instance is a test run. */
  test?: boolean;
}

/**
 * Starts an instance for an entry the caller has admitted (`decideEntry`, or an audience entry with a
 * synthetic event) and runs its first steps at once. The caller chooses the instance id so it can
 * persist the instance, its activities and its jobs in one transaction.
 */
export function startInstance(
  definition: JourneyDefinition,
  journey: JourneyIdentity,
  ids: { instanceId: string },
  event: TrackedEvent,
  uniqueId: string | null,
  facts: EngineFacts,
): EngineResult {
  const enteredAt = facts.now;
  const context: JourneyContext = {
    userId: event.userId,
    journey: { id: journey.id, name: journey.name, version: journey.version },
    instance: { id: ids.instanceId, uniqueId, enteredAt },
    entry: { event: event.event, properties: event.properties, timestamp: event.timestamp, messageId: event.messageId },
    events: {},
    traits: facts.traits,
  };
  const initial: InstanceState = {
    id: ids.instanceId,
    journeyId: journey.id,
    journeyVersion: journey.version,
    userId: event.userId,
    uniqueId,
    status: 'ACTIVE',
    currentStep: null,
    stepSeq: 0,
    visits: {},
    context,
    converted: false,
    exitReason: null,
    enteredAt,
    endedAt: null,
    waitingUntil: null,
    test: journey.test === true,
  };
  // beginTransition deep-copies, so the context shares nothing with the event or the facts.
  const t = beginTransition(initial, facts, definition);
  recordActivity(t, 'ENTERED', null, { event: event.event, messageId: event.messageId, uniqueId });
  advanceInstance(t, definition, definition.startStep, null);
  return finishTransition(t);
}
