import { DraftStep, JourneyDraft } from './journey-definition';
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
    if (step.type !== 'SEND') continue;
    let key = newKeys.get(step.key);
    if (key === undefined) {
      key = generateStepKey(step.name, taken, random, maxKeyLength);
      taken.add(key);
      newKeys.set(step.key, key);
    }
    step.key = key;
    if (step.send) step.send.enabled = true;
  }

  const follow = (target: string | undefined) => (target === undefined ? undefined : (newKeys.get(target) ?? target));
  for (const step of steps) rewriteReferences(step, follow);
  if (copy.startStep !== undefined) copy.startStep = follow(copy.startStep);
  return copy;
}

/** Every place a step names another, whatever its type, so no stale key survives in the copy. */
function rewriteReferences(step: DraftStep, follow: (target: string | undefined) => string | undefined): void {
  const rewrite = <T extends object, K extends keyof T>(holder: T | undefined, field: K) => {
    if (holder && holder[field] !== undefined) holder[field] = follow(holder[field] as string) as T[K];
  };
  rewrite(step, 'next');
  rewrite(step.hold, 'timeoutNext');
  for (const branch of step.hold?.branches ?? []) rewrite(branch, 'next');
  rewrite(step.waitForCondition, 'timeoutNext');
  rewrite(step.split, 'trueNext');
  rewrite(step.split, 'falseNext');
  for (const branch of step.multiBranch?.branches ?? []) rewrite(branch, 'next');
  rewrite(step.multiBranch, 'elseNext');
}
