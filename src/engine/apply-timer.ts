import type { JourneyDefinition } from '../journeys/journey-definition';
import { advanceIfConditionHolds, advanceInstance, beginTransition, findStep, finishTransition, recordActivity } from './advance-instance';
import type { EngineFacts } from './engine-facts';
import type { EngineResult, TimerFiring } from './engine-result';
import type { InstanceState } from './instance-state';

/**
 * Applies a fired timer. Returns null, and the caller writes nothing, unless the instance is still
 * ACTIVE at the timer's step with the timer's `stepSeq`: that is what makes a redelivered job, a
 * timer restarted by an update event, or a timeout racing a matching event advance the instance once.
 * A timer that fires late still applies; time comes from `facts.now`.
 */
export function applyTimer(definition: JourneyDefinition, state: InstanceState, timer: TimerFiring, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep !== timer.stepKey || state.stepSeq !== timer.stepSeq) return null;
  const step = findStep(definition, timer.stepKey);
  if (!step) return null;
  const t = beginTransition(state, facts);

  if (timer.kind === 'HOLD_TIMEOUT' && step.type === 'HOLD_UNTIL') {
    recordActivity(t, 'HOLD_TIMED_OUT', step.key, { maxDuration: step.hold.maxDuration });
    advanceInstance(t, definition, step.hold.timeoutNext, step.key);
  } else if (timer.kind === 'WAIT_ELAPSED' && step.type === 'WAIT') {
    recordActivity(t, 'WAIT_ELAPSED', step.key, { duration: step.wait.duration });
    advanceInstance(t, definition, step.next, step.key);
  } else if (timer.kind === 'CONDITION_TIMEOUT' && step.type === 'WAIT_FOR_CONDITION') {
    // Windows slide without any event: a condition that holds by the deadline counts as met, not timed out.
    if (!advanceIfConditionHolds(t, definition, step)) {
      recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: 'timeout' });
      advanceInstance(t, definition, step.waitForCondition.timeoutNext, step.key);
    }
  } else {
    return null;
  }
  return finishTransition(t);
}
