import { currentStepOf, followOutcome } from './advance-instance';
import type { JourneyDefinition } from './definition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import type { InstanceState } from './instance-state';
import { matchesEvent } from './property-filter';
import type { TrackedEvent } from './tracked-event';
import { beginTransition, endInstanceAs, finishTransition, recordActivity } from './transition';
import { eventConcernsInstance } from './unique-identifier';

/**
 * Applies one of the user's events to one active instance: goal, exit triggers, then the step the
 * instance waits at. Returns null when the event changes nothing, so the caller writes nothing.
 * For a WAIT_FOR_CONDITION step, `facts.performedTimes` must already hold this event.
 */
export function applyEvent(definition: JourneyDefinition, state: InstanceState, event: TrackedEvent, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep === null || event.userId !== state.userId) return null;
  // The entry event started this instance; it is never also its follow-up (goal, exit or hold match).
  // Every other event comes after entry by the caller's acceptance order. No clock check here: after downtime,
  // `enteredAt` (processing time) can be later than the `receivedAt` of events accepted after the entry.
  if (event.messageId === state.context.entry.messageId) return null;
  if (!eventConcernsInstance(definition, state, event)) return null;

  const t = beginTransition(state, facts, definition);
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

  const current = currentStepOf(definition, stepKey);
  if (current?.module.onEvent) followOutcome(t, definition, current.step, current.module.onEvent(t, current.step, event));
  return t.activities.length > 0 ? finishTransition(t) : null;
}
