import { isDeepStrictEqual } from 'node:util';
import type { JourneyDefinition } from '../engine/definition';

/** The journey-wide parts a version can change besides its steps. */
const PARTS = ['trigger', 'entry', 'exit', 'goal', 'startStep'] as const;

/** What a version changed against the one published before it, by step key. */
export interface VersionChanges {
  stepsAdded: string[];
  stepsRemoved: string[];
  /** Steps whose key persists but whose type, name, next step or configuration differs. */
  stepsChanged: string[];
  /** Of trigger, entry, exit, goal and startStep, those that differ. */
  partsChanged: string[];
  /** The same, as one sentence. */
  summary: string;
}

/** The changes from `previous` (null for a journey's first version) to `next`. */
export function describeChanges(previous: JourneyDefinition | null, next: JourneyDefinition): VersionChanges {
  if (!previous) {
    return { stepsAdded: next.steps.map((step) => step.key), stepsRemoved: [], stepsChanged: [], partsChanged: [], summary: 'First version.' };
  }
  const before = new Map(previous.steps.map((step) => [step.key, step]));
  const after = new Map(next.steps.map((step) => [step.key, step]));
  const stepsAdded = next.steps.filter((step) => !before.has(step.key)).map((step) => step.key);
  const stepsRemoved = previous.steps.filter((step) => !after.has(step.key)).map((step) => step.key);
  const stepsChanged = next.steps.filter((step) => before.has(step.key) && !sameJson(before.get(step.key), step)).map((step) => step.key);
  const partsChanged = PARTS.filter((part) => !sameJson(previous[part], next[part]));
  return { stepsAdded, stepsRemoved, stepsChanged, partsChanged, summary: sentence(stepsAdded, stepsRemoved, stepsChanged, partsChanged) };
}

function sentence(added: string[], removed: string[], changed: string[], parts: string[]): string {
  const clauses = [
    added.length > 0 ? `added ${plural(added.length, 'step')} ${added.join(', ')}` : null,
    removed.length > 0 ? `removed ${plural(removed.length, 'step')} ${removed.join(', ')}` : null,
    changed.length > 0 ? `changed ${plural(changed.length, 'step')} ${changed.join(', ')}` : null,
    parts.length > 0 ? `changed the ${joinAnd(parts)}` : null,
  ].filter((clause): clause is string => clause !== null);
  if (clauses.length === 0) return 'No changes.';
  const text = joinAnd(clauses);
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Stored definitions are JSON: undefined and absent fields are the same thing. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a === undefined ? undefined : JSON.parse(JSON.stringify(a)), b === undefined ? undefined : JSON.parse(JSON.stringify(b)));
}
