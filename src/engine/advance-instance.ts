import type { JourneyDefinition, JourneyStep } from './definition';
import type { ActivityDraft } from './engine-result';
import { stepModuleOf } from './steps/registry';
import type { StepModule, StepOutcome } from './steps/step-module';
import { endInstanceAs, findStep, recordActivity, type Transition } from './transition';

/**
 * Validation rejects cycles without a hold or wait, but a definition loaded from storage is still
 * input: a runaway loop must end the instance rather than the worker.
 */
export const MAX_STEP_ENTRIES_PER_CALL = 1000;

/**
 * Runs steps from `next` until the instance blocks (hold, wait, unmet condition) or ends, all in this
 * call: sends and branches never wait for a poll cycle. `from` is the step that led here, which a
 * missing `next` completes at.
 */
export function advanceInstance(t: Transition, definition: JourneyDefinition, next: string | undefined, from: string | null): void {
  let key = next;
  let previous = from;
  for (;;) {
    if (key === undefined) return endInstanceAs(t, { status: 'COMPLETED' }, previous);
    if (t.stepEntries >= MAX_STEP_ENTRIES_PER_CALL) {
      return endInstanceAs(t, { status: 'EXITED', reason: 'step_limit' }, previous, { nextStep: key });
    }
    const step = findStep(definition, key);
    const module = step && stepModuleOf(step.type);
    if (!step || !module) return endInstanceAs(t, { status: 'EXITED', reason: 'unknown_step' }, previous, { nextStep: key });
    const outcome = module.enter(t, step, enterStep(t, step));
    if (outcome.kind === 'stop') return;
    previous = step.key;
    key = outcome.next;
  }
}

/** Follows what a waiting step decided: on to its next step, or nothing when it stays. */
export function followOutcome(t: Transition, definition: JourneyDefinition, step: JourneyStep, outcome: StepOutcome | null): void {
  if (outcome?.kind === 'next') advanceInstance(t, definition, outcome.next, step.key);
}

/** The step the instance waits at and its module, or undefined when it is at none this version knows. */
export function currentStepOf(definition: JourneyDefinition, key: string | null): { step: JourneyStep; module: StepModule<any, any> } | undefined {
  const step = key === null ? undefined : findStep(definition, key);
  const module = step && stepModuleOf(step.type);
  return step && module ? { step, module } : undefined;
}

/** Each entry is a new visit with a new `stepSeq`: timers of earlier visits become stale. */
function enterStep(t: Transition, step: JourneyStep): ActivityDraft {
  const s = t.state;
  t.stepEntries += 1;
  s.stepSeq += 1;
  const visit = (s.visits[step.key] ?? 0) + 1;
  s.visits[step.key] = visit;
  s.currentStep = step.key;
  s.waitingUntil = null;
  // Traits are "read when a step runs": mappings and conditions see the profile as it is now.
  s.context.traits = structuredClone(t.facts.traits);
  return recordActivity(t, 'STEP_ENTERED', step.key, { type: step.type, visit });
}
