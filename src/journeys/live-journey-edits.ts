import { isDeepStrictEqual } from 'node:util';
import { invalidState } from '../common/errors';
import type { DraftStep, JourneyDraft, JourneyStatus } from '../engine/definition';
import { stepModuleOf } from '../engine/steps/registry';
import type { Journey } from './journey.entity';

/**
 * Refuses any change a live journey cannot take, naming the first such field; tells whether a step's
 * live-editable configuration (a send step's destination, action, event name, mapping, enabled) changed.
 */
export function checkLiveEdit(journey: Journey, proposed: JourneyDraft): boolean {
  const current = journey.draft;
  const refuse = (field: string) =>
    invalidState(
      `${field} cannot change on ${article(journey.status)} ${journey.status.toLowerCase()} journey: ${journey.status === 'ARCHIVED' ? 'duplicate it to make a new draft' : 'open a new version of it (createJourneyVersion), or duplicate it'}`,
    );
  for (const part of ['trigger', 'entry', 'transactional', 'exit', 'goal', 'timeZone', 'quietHours'] as const) {
    if (!isDeepStrictEqual(proposed[part], current[part])) throw refuse(part);
  }
  // Compared as they take effect: naming the first step explicitly is no change.
  if (startOf(proposed) !== startOf(current)) throw refuse('startStep');

  const liveEditable = journey.status !== 'ARCHIVED';
  if (proposed.steps.length !== current.steps.length) throw refuse('the list of steps');
  // Identity first: a step of another key or type differs everywhere, and its key or type is what to name.
  current.steps.forEach((step, i) => {
    for (const field of ['key', 'type'] as const) if (proposed.steps[i][field] !== step[field]) throw refuse(`steps[${i}].${field}`);
  });
  const frozen = (steps: DraftStep[]) => (liveEditable ? steps.map(withoutLiveEditableFields) : steps);
  const difference = firstDifference(frozen(current.steps), frozen(proposed.steps), 'steps');
  if (difference) throw refuse(difference);
  return !isDeepStrictEqual(proposed.steps, current.steps);
}

function startOf(draft: JourneyDraft): string | undefined {
  return draft.startStep ?? draft.steps[0]?.key;
}

function withoutLiveEditableFields(step: DraftStep): DraftStep {
  const module = stepModuleOf(step.type);
  const configKey = module?.configKey;
  const config = configKey ? (step as Record<string, unknown>)[configKey] : undefined;
  if (!module?.liveEditable || !configKey || !config) return step;
  const frozen: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const field of module.liveEditable) delete frozen[field];
  return { ...step, [configKey]: frozen } as DraftStep;
}

/** The path of the first place where two JSON values differ (`steps[1].hold.maxDuration`), or null. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const difference = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return null;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const difference = firstDifference(a[key], b[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return null;
  }
  return path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function article(status: JourneyStatus): string {
  return status === 'ARCHIVED' ? 'an' : 'a';
}
