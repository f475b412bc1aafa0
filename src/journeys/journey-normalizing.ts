import type { DraftStep, EntryRules, Goal, JourneyDraft, Trigger } from '../engine/definition';
import { compact, list, normalizeEventMatch, orUndefined, type Nullable } from '../engine/input-normalizing';
import { normalizeQuietHours } from '../engine/time-settings';
import { STEP_MODULES } from '../engine/steps/registry';
import type { JourneyInputShape, StepInputShape, TriggerInputShape } from './journey-input-shapes';
import type { JourneyLimits } from './journey-limits';
import { assignStepKeys, type RandomSource } from './step-keys';

export interface NormalizeOptions {
  /** Bounds generated step keys; defaults to the standard limits. */
  limits?: Pick<JourneyLimits, 'maxStepKeyLength'>;
  random?: RandomSource;
}

/**
 * The draft a `JourneyInput` describes: defaults applied, GraphQL nulls gone, step keys generated
 * where missing. Nothing is checked here; an unfinished canvas must still be storable.
 */
export function normalizeJourneyInput(input: JourneyInputShape, options: NormalizeOptions = {}): JourneyDraft {
  const steps = assignStepKeys(list(input.steps).map(normalizeStep), options.random, options.limits?.maxStepKeyLength);
  return compact({
    trigger: normalizeTrigger(input.trigger),
    entry: compact({
      mode: input.entry?.mode ?? 'REENTER_EVERY_TIME',
      uniqueIdentifier: orUndefined(input.entry?.uniqueIdentifier),
      cooldown: orUndefined(input.entry?.cooldown),
      limit: input.entry?.limit ? compact({ max: input.entry.limit.max, within: orUndefined(input.entry.limit.within) }) : undefined,
    }) as EntryRules,
    // false is the default and stored as nothing; anything but a boolean is kept for validation to name.
    transactional: input.transactional == null || input.transactional === false ? undefined : input.transactional,
    exit: list(input.exit).map(normalizeEventMatch),
    goal: input.goal
      ? (compact({ match: normalizeEventMatch(input.goal.match), targetPercent: orUndefined(input.goal.targetPercent) }) as Goal)
      : undefined,
    timeZone: orUndefined(input.timeZone),
    quietHours: normalizeQuietHours(input.quietHours),
    steps,
    startStep: orUndefined(input.startStep),
  }) as JourneyDraft;
}

function normalizeTrigger(trigger: Nullable<TriggerInputShape>): Trigger {
  return compact({
    type: trigger?.type,
    event: trigger?.event ? normalizeEventMatch(trigger.event) : undefined,
    audienceId: orUndefined(trigger?.audienceId),
    audienceFilterId: orUndefined(trigger?.audienceFilterId),
    useHistoricalData: trigger?.useHistoricalData ?? false,
  }) as Trigger;
}

/** Each configuration block is normalized by its type's module, whatever the step's own type (a draft may hold several). */
function normalizeStep(input: StepInputShape): Omit<DraftStep, 'key'> & { key?: string } {
  const step = input ?? ({} as StepInputShape);
  const fields: Record<string, unknown> = {
    key: orUndefined(step.key),
    name: step.name ?? '',
    type: step.type,
    next: orUndefined(step.next),
  };
  for (const module of STEP_MODULES) {
    if (!('configKey' in module) || !module.configKey) continue;
    const config = (step as Record<string, unknown>)[module.configKey];
    fields[module.configKey] = config ? module.normalize!(config as never) : undefined;
  }
  return compact(fields) as Omit<DraftStep, 'key'> & { key?: string };
}
