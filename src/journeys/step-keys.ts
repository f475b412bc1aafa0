import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';

export { STEP_KEY_PATTERN } from '../engine/definition';

const SUFFIX_LENGTH = 6;
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A random source that is broken (or a set that is nearly full) must not make key generation spin. */
const RANDOM_ATTEMPTS = 100;

/** A random number in [0, 1), like `Math.random`; injectable so tests get predictable keys. */
export type RandomSource = () => number;

/**
 * The slug part of a generated key: lowercase ASCII letters and digits joined by single `_`,
 * at most `maxLength` characters, `step` when nothing is left of the name.
 */
export function slugifyStepName(name: string, maxLength: number): string {
  const slug = (typeof name === 'string' ? name : '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const room = Math.max(1, maxLength);
  return (slug.slice(0, room).replace(/_+$/, '') || 'step').slice(0, room);
}

/**
 * A new step key for a step called `name`: its slug, `_` and six random characters
 * (`Opened email` → `opened_email_dje83h`), not in `taken`, at most `maxKeyLength` long.
 */
export function generateStepKey(
  name: string,
  taken: ReadonlySet<string>,
  random: RandomSource = Math.random,
  maxKeyLength: number = DEFAULT_JOURNEY_LIMITS.maxStepKeyLength,
): string {
  const slug = slugifyStepName(name, maxKeyLength - SUFFIX_LENGTH - 1);
  for (let attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
    const key = `${slug}_${randomSuffix(random)}`;
    if (!taken.has(key)) return key;
  }
  for (let n = 0; ; n++) {
    const key = `${slug}_${n.toString(36).padStart(SUFFIX_LENGTH, '0')}`;
    if (!taken.has(key)) return key;
  }
}

/**
 * Gives every step without a key (absent, null or empty) a generated one, unique among all keys of
 * the list, given ones included. Given keys and everything else are kept as they are.
 */
export function assignStepKeys<T extends { name?: string | null; key?: string | null }>(
  steps: readonly T[],
  random: RandomSource = Math.random,
  maxKeyLength: number = DEFAULT_JOURNEY_LIMITS.maxStepKeyLength,
): Array<Omit<T, 'key'> & { key: string }> {
  const taken = new Set(steps.map((step) => step.key).filter(isGivenKey));
  return steps.map((step) => {
    if (isGivenKey(step.key)) return { ...step, key: step.key };
    const key = generateStepKey(step.name ?? '', taken, random, maxKeyLength);
    taken.add(key);
    return { ...step, key };
  });
}

function isGivenKey(key: string | null | undefined): key is string {
  return typeof key === 'string' && key !== '';
}

function randomSuffix(random: RandomSource): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) {
    const value = random();
    const scaled = Number.isFinite(value) ? Math.floor(value * SUFFIX_ALPHABET.length) : 0;
    const index = Math.min(SUFFIX_ALPHABET.length - 1, Math.max(0, scaled));
    suffix += SUFFIX_ALPHABET[index];
  }
  return suffix;
}
