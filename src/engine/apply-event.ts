import type { HoldUntilStep, JourneyDefinition } from '../journeys/journey-definition';
import {
  advanceIfConditionHolds,
  advanceInstance,
  beginTransition,
  endInstanceAs,
  findStep,
  finishTransition,
  recordActivity,
  scheduleTimer,
  type Transition,
} from './advance-instance';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import type { InstanceState } from './instance-state';
import { matchesEvent } from './property-filter';
import type { TrackedEvent } from './tracked-event';
import { eventConcernsInstance } from './unique-identifier';

/**
 * Applies one of the user's events to one active instance: goal, exit triggers, then the step the
 * instance waits at. Returns null when the event changes nothing, so the caller writes nothing.
 * For a WAIT_FOR_CONDITION step, `facts.performedCounts` must already count this event.
 */
export function applyEvent(definition: JourneyDefinition, state: InstanceState, event: TrackedEvent, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep === null || event.userId !== state.userId) return null;
  // The entry event started this instance; it is never also its follow-up (goal, exit or hold match).
  // Every other event comes after entry by the caller's acceptance order. No clock check here: after downtime,
  // `enteredAt` (processing time) can be later than the `receivedAt` of events accepted after the entry.
  if (event.messageId === state.context.entry.messageId) return null;
  if (!eventConcernsInstance(definition, state, event)) return null;

  const t = beginTransition(state, facts);
  const stepKey = state.currentStep;
  const eventDetail = { event: event.event, messageId: event.messageId };

  // Goal before exit: a goal event that is also an exit (Purchase_Completed) still counts as converted.
  if (definition.goal && !state.converted && matchesEvent(definition.goal.match, event)) {
    t.state.converted = true;
    recordActivity(t, 'GOAL_MET', stepKey, eventDetail);
  }
  if (definition.exit.some((match) => matchesEvent(match, event))) {
    endInstanceAs(t, { status: 'EXITED', reason: 'exit_event' }, stepKey, eventDetail);
    return finishTransition(t);
  }

  const step = findStep(definition, stepKey);
  if (step?.type === 'HOLD_UNTIL') applyEventToHold(t, definition, step, event);
  if (step?.type === 'WAIT_FOR_CONDITION') advanceIfConditionHolds(t, definition, step);
  return t.activities.length > 0 ? finishTransition(t) : null;
}

/**
 * A branch event releases the hold; an update event only refreshes what the hold captured and
 * restarts its timer. The new `stepSeq` makes the previous timeout stale, so nothing needs cancelling.
 */
function applyEventToHold(t: Transition, definition: JourneyDefinition, step: HoldUntilStep, event: TrackedEvent): void {
  const branch = step.hold.branches.find((candidate) => matchesEvent(candidate.match, event));
  if (branch) {
    captureEvent(t, step.key, event);
    recordActivity(t, 'HOLD_MATCHED', step.key, { branch: branch.key, event: event.event, messageId: event.messageId });
    advanceInstance(t, definition, branch.next, step.key);
    return;
  }
  if (step.hold.updateEvents.some((match) => matchesEvent(match, event))) {
    captureEvent(t, step.key, event);
    t.state.stepSeq += 1;
    const dueAt = scheduleTimer(t, 'HOLD_TIMEOUT', step.key, step.hold.maxDuration);
    recordActivity(t, 'HOLD_UPDATED', step.key, { event: event.event, messageId: event.messageId, dueAt });
  }
}

function captureEvent(t: Transition, holdStepKey: string, event: TrackedEvent): void {
  t.state.context.events[holdStepKey] = {
    event: event.event,
    properties: structuredClone(event.properties),
    timestamp: event.timestamp,
  };
}
