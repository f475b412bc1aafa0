import type { DraftStep, JourneyDraft } from '../engine/definition';
import { joinPath } from '../engine/problem';
import { STEP_MODULES, stepModuleOf } from '../engine/steps/registry';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import { generateStepKey, RandomSource } from './step-keys';

/**
 * The draft of a duplicated journey: a deep copy of the trigger, filters, entry rules, exit, goal
 * and every step with its structure and send configuration. Send steps get new keys (destinations
 * tell journeys apart by them), references to them follow, and a send step disabled in the source
 * is enabled in the copy. Other step keys stay, so condition paths like `events.<holdKey>` still hold.
 * The name is not part of a draft: the caller sets the new, unique one.
 *
 * `takenKeys` are keys the new send keys must also avoid (the source's own keys always are).
 */
export function duplicateDraft(
  source: JourneyDraft,
  takenKeys: ReadonlySet<string> = new Set(),
  random: RandomSource = Math.random,
  maxKeyLength: number = DEFAULT_JOURNEY_LIMITS.maxStepKeyLength,
): JourneyDraft {
  // Drafts are JSON (stored as jsonb), so a JSON round trip is a complete deep copy.
  const copy: JourneyDraft = JSON.parse(JSON.stringify(source));
  const steps = (Array.isArray(copy.steps) ? copy.steps : []).filter((step) => step !== null && typeof step === 'object');
  const taken = new Set([...takenKeys, ...steps.map((step) => step.key)]);
  const newKeys = new Map<string, string>();

  for (const step of steps) {
    // Each type says what its copy needs (a send step: a new key, enabled).
    if (!stepModuleOf(step.type)?.duplicate?.(step)) continue;
    let key = newKeys.get(step.key);
    if (key === undefined) {
      key = generateStepKey(step.name, taken, random, maxKeyLength);
      taken.add(key);
      newKeys.set(step.key, key);
    }
    step.key = key;
  }

  const follow = (target: string | undefined) => (target === undefined ? undefined : (newKeys.get(target) ?? target));
  for (const step of steps) rewriteReferences(step, follow);
  if (copy.startStep !== undefined) copy.startStep = follow(copy.startStep);
  return copy;
}

/** Every place a step names another, in any configuration block it carries, so no stale key survives in the copy. */
function rewriteReferences(step: DraftStep, follow: (target: string | undefined) => string | undefined): void {
  if (step.next !== undefined) step.next = follow(step.next);
  const fields = step as Record<string, unknown>;
  for (const module of STEP_MODULES) {
    if (!('configKey' in module) || !module.configKey || !module.references || fields[module.configKey] == null) continue;
    for (const reference of module.references(fields[module.configKey] as never)) {
      setPath(fields, joinPath(module.configKey, reference.path), follow(reference.target));
    }
  }
}

/** Sets `branches[0].next` (a path as the step modules give it) in a JSON object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let holder = target as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) holder = holder[segment] as Record<string, unknown>;
  holder[segments[segments.length - 1]] = value;
}
