import type { JourneyDefinition } from '../journeys/journey-definition';
import { advanceIfConditionHolds, beginTransition, findStep, finishTransition } from './advance-instance';
import type { EngineFacts } from './engine-facts';
import type { EngineResult } from './engine-result';
import type { InstanceState } from './instance-state';

/**
 * For changes that come without a track event (identify calls, audience windows sliding): an
 * instance waiting at a WAIT_FOR_CONDITION step moves on when its condition now holds. Null otherwise.
 */
export function refreshConditions(definition: JourneyDefinition, state: InstanceState, facts: EngineFacts): EngineResult | null {
  if (state.status !== 'ACTIVE' || state.currentStep === null) return null;
  const step = findStep(definition, state.currentStep);
  if (step?.type !== 'WAIT_FOR_CONDITION') return null;
  const t = beginTransition(state, facts);
  return advanceIfConditionHolds(t, definition, step) ? finishTransition(t) : null;
}
