import type { DraftStep, JourneyDefinition, JourneyDraft, JourneyStep } from './definition';
import { checkEventMatch } from './filter-validation';
import { cloneJson, compact, isPlainObject, list } from './input-normalizing';
import { checkEntry, checkGoal, checkTransactional, checkTrigger } from './journey-rules-validation';
import { quote, type Problem, type Report } from './problem';
import { checkLoopsWithoutPause, checkReachability } from './step-graph';
import { checkStep, type StepLimits } from './step-validation';
import { stepModuleOf } from './steps/registry';
import type { StepValidationContext } from './steps/step-module';
import { checkTimeSettings } from './time-settings';

export interface DraftValidationContext extends StepValidationContext {
  limits: StepLimits & { maxCountedSteps: number };
  /** The workspace's audience ids; omitted, audience references are not checked. */
  audienceIds?: Set<string>;
}

export interface DraftValidationResult {
  problems: Problem[];
  /** Present exactly when there are no problems. */
  definition?: JourneyDefinition;
}

/**
 * Every problem of a draft's journey language (trigger, entry, exit, goal, steps and their graph), each with
 * its path in the journey input (`steps[2].hold.timeoutNext`); with none, the definition the engine runs.
 */
export function validateDraftDefinition(draft: JourneyDraft, ctx: DraftValidationContext): DraftValidationResult {
  const problems: Problem[] = [];
  const report: Report = (path, message) => problems.push({ path, message });
  checkTrigger(draft.trigger, ctx.audienceIds, report);
  checkEntry(draft.entry, report);
  checkTransactional(draft.transactional, report);
  list(draft.exit).forEach((match, i) => checkEventMatch(match, `exit[${i}]`, `exit ${i + 1}`, report));
  if (draft.goal) checkGoal(draft.goal, report);
  checkTimeSettings(draft, '', report);

  // A stored draft is JSON; an entry that is not even an object is reported as a step missing everything.
  const steps = list(draft.steps).map((step) => (isPlainObject(step) ? step : ({} as DraftStep)));
  if (steps.length === 0) report('steps', 'journey needs at least one step');
  const keys = new Set(steps.map((step) => step?.key));
  const firstIndexOfKey = new Map<string, number>();
  steps.forEach((step, i) => {
    checkStep(step, i, firstIndexOfKey, keys, ctx, report);
    if (!firstIndexOfKey.has(step?.key)) firstIndexOfKey.set(step?.key, i);
  });

  const startStep = draft.startStep ?? steps[0]?.key;
  if (draft.startStep !== undefined && !keys.has(draft.startStep)) {
    report('startStep', `start step ${quote(draft.startStep)} is not a step of this journey`);
  } else if (startStep !== undefined) {
    checkReachability(steps, firstIndexOfKey, startStep, report);
  }
  checkLoopsWithoutPause(steps, firstIndexOfKey, report);

  const counted = countedSteps(steps);
  if (counted > ctx.limits.maxCountedSteps) {
    report('steps', `journey has ${counted} counted steps (a MULTI_BRANCH counts its branches); the limit is ${ctx.limits.maxCountedSteps}`);
  }

  if (problems.length > 0 || startStep === undefined) return { problems };
  return { problems, definition: toDefinition(draft, startStep) };
}

/** Counted as the reference product counts them: each type says what it counts as (a MULTI_BRANCH its branches), else 1. */
export function countedSteps(steps: readonly DraftStep[]): number {
  return steps.reduce((sum, step) => {
    const module = stepModuleOf(step?.type);
    const config = module?.configKey ? (step as Record<string, unknown>)[module.configKey] : undefined;
    return sum + (module?.countedAs ? module.countedAs(config) : 1);
  }, 0);
}

function toDefinition(draft: JourneyDraft, startStep: string): JourneyDefinition {
  const copy = cloneJson(draft);
  return compact({
    trigger: copy.trigger,
    entry: copy.entry,
    transactional: copy.transactional,
    exit: copy.exit,
    goal: copy.goal,
    timeZone: copy.timeZone,
    quietHours: copy.quietHours,
    steps: copy.steps.map(toJourneyStep),
    startStep,
  }) as JourneyDefinition;
}

/** Keeps exactly what the step's type uses; validation has made sure that is all there is. */
function toJourneyStep(step: DraftStep): JourneyStep {
  const module = stepModuleOf(step.type)!;
  const fields = step as Record<string, unknown>;
  return compact({
    key: step.key,
    name: step.name,
    type: step.type,
    ...(module.configKey ? { [module.configKey]: fields[module.configKey] } : {}),
    ...(module.takesNext ? { next: step.next } : {}),
  }) as JourneyStep;
}
