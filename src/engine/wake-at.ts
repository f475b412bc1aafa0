import { currentStepOf } from './advance-instance';
import type { JourneyDefinition } from './definition';
import type { EngineFacts } from './engine-facts';
import type { InstanceState } from './instance-state';

/**
 * When the caller should apply the user's state to this instance again although no event comes: the
 * instant its step could move by time alone ("no order within 3 days" once the last order leaves the
 * window), if that is before the step's own timer. Null when only new events or its timer can move it.
 * `afterEvent` names an event that just changed nothing: then only a step counting that event can have a new instant.
 */
export function wakeAt(definition: JourneyDefinition, state: InstanceState, facts: EngineFacts, afterEvent?: string): string | null {
  if (state.status !== 'ACTIVE' || state.currentStep === null) return null;
  const current = currentStepOf(definition, state.currentStep);
  const at = current?.module.wakeAt?.(current.step, facts, afterEvent) ?? null;
  if (at === null || (state.waitingUntil !== null && at >= Date.parse(state.waitingUntil))) return null;
  return new Date(at).toISOString();
}
