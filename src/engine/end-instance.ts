import { beginTransition, endInstanceAs, finishTransition } from './transition';
import type { EngineResult } from './engine-result';
import type { InstanceState } from './instance-state';

/**
 * Ends an active instance from outside the journey (e.g. reason `archived`). Null when it has
 * already ended, so an archive racing a completion writes nothing.
 */
export function endInstance(state: InstanceState, reason: string, now: string): EngineResult | null {
  if (state.status !== 'ACTIVE') return null;
  const t = beginTransition(state, { now, traits: state.context.traits, performedTimes: {} });
  endInstanceAs(t, { status: 'EXITED', reason }, state.currentStep);
  return finishTransition(t);
}
