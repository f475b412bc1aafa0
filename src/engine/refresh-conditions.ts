import { currentStepOf, followOutcome } from './advance-instance';
import type { JourneyDefinition } from './definition';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import type { InstanceState } from './instance-state';
import { beginTransition, finishTransition } from './transition';

/**
 * For changes that come without a track event (identify calls, audience windows sliding): an
 * instance waiting at a step that re-checks (WAIT_FOR_CONDITION) moves on when it now can. Null otherwise.
 */
export function refreshConditions(definition: JourneyDefinition, state: InstanceState, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep === null) return null;
  const current = currentStepOf(definition, state.currentStep);
  if (!current?.module.onRefresh) return null;
  const t = beginTransition(state, facts, definition);
  const outcome = current.module.onRefresh(t, current.step);
  if (outcome === null) return null;
  followOutcome(t, definition, current.step, outcome);
  return finishTransition(t);
}
