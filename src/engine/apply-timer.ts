import { currentStepOf, followOutcome } from './advance-instance';
import type { JourneyDefinition } from './definition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult, TimerFiring } from './engine-result';
import type { InstanceState } from './instance-state';
import { beginTransition, finishTransition } from './transition';

/**
 * Applies a fired timer. Returns null, and the caller writes nothing, unless the instance is still
 * ACTIVE at the timer's step with the timer's `stepSeq`: that is what makes a redelivered job, a
 * timer restarted by an update event, or a timeout racing a matching event advance the instance once.
 * A timer that fires late still applies; time comes from `facts.now`.
 */
export function applyTimer(definition: JourneyDefinition, state: InstanceState, timer: TimerFiring, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep !== timer.stepKey || state.stepSeq !== timer.stepSeq) return null;
  const current = currentStepOf(definition, timer.stepKey);
  if (!current?.module.onTimer) return null;
  const t = beginTransition(state, facts, definition);
  const outcome = current.module.onTimer(t, current.step, timer);
  if (outcome === null) return null;
  followOutcome(t, definition, current.step, outcome);
  return finishTransition(t);
}
