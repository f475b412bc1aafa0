import type { Condition, DraftStep, JourneyStep } from '../definition';
import type { EngineFacts } from '../engine-facts';
import type { ActivityDraft, TimerFiring } from '../engine-result';
import { quote, type Problem, type Report } from '../problem';
import type { TrackedEvent } from '../tracked-event';
import type { Transition } from '../transition';

/** What a step decided: move on to `next` (undefined completes the instance), or stay where it is. */
export type StepOutcome = { kind: 'next'; next: string | undefined } | { kind: 'stop' };

export interface DestinationActionFields {
  /** A field with `required` needs a mapping key unless the plugin gives it a default mapping. */
  fields: Record<string, { required?: boolean; default?: unknown }>;
}

export interface DestinationSummary {
  plugin: string;
  actions: Map<string, DestinationActionFields>;
}

/** What a step's validation may know of the workspace; each part omitted is simply not checked. */
export interface StepValidationContext {
  /** The workspace's destinations by id. */
  destinations?: Map<string, DestinationSummary>;
  /** Mapping paths that cannot exist, with paths relative to the mapping (from the plugin kit). */
  checkMappingPaths?: (mapping: unknown) => Problem[];
}

/** Where a step's problems go: `path` is `steps[2]`, `label` how messages name the step. */
export interface StepAt {
  path: string;
  label: string;
}

/** A step key a configuration names, `path` relative to the configuration (`branches[0].next`). */
export interface StepReference {
  path: string;
  target: string;
}

/**
 * Everything the journey language knows about one step type. Validation, graph analysis, conversion,
 * limits, duplication, the GraphQL mapping and the engine all read the registry of these
 * (`steps/registry.ts`), so a new type is its module, its GraphQL types and its tests.
 * `Config` is the block a step of this type carries under `configKey` (`Input` the same block as the API takes it); drafts may hold anything there
 * until validation has passed, so the draft-side hooks must read it defensively.
 */
export interface StepModule<S extends JourneyStep = JourneyStep, Config = unknown, Input = Config> {
  readonly type: S['type'];
  /** The step field that holds this type's configuration (`hold`); none for a type without one. */
  readonly configKey?: string;
  /** Whether the step leads on through a plain `next`; if not, `nextAdvice` says what to use instead. */
  readonly takesNext: boolean;
  readonly nextAdvice?: string;
  /** Whether an instance stops here until an event or a timer: a loop through such a step is not a runaway. */
  readonly pauses: boolean;

  /** The draft configuration from the admin API's input: defaults applied, nulls gone. */
  normalize?(input: Input): Config;
  /** Reports every problem of the configuration, under `${at.path}.${configKey}`. */
  validate?(config: Config, at: StepAt, ctx: StepValidationContext, report: Report): void;
  /** The steps the configuration leads to (the plain `next` is added by the caller when `takesNext`). */
  references?(config: Config): StepReference[];
  /** How many steps it counts as against the journey limit; 1 if absent. */
  countedAs?(config: Config | undefined): number;
  /** Configuration fields a published journey may still change (a new version freezes them); all others are fixed. */
  readonly liveEditable?: readonly string[];
  /** Prepares a copy for a duplicated journey; true when the copy needs a new key. */
  duplicate?(step: DraftStep): boolean;

  /** The destinations a step sends to. */
  destinations?(step: S): string[];
  /** The events a step reacts to or counts. */
  events?(step: S): string[];
  /** The conditions it evaluates (their `performed` clauses must be counted before calling the engine). */
  conditions?(step: S): Condition[];

  /** Runs as the instance enters the step (after `STEP_ENTERED` is recorded as `entered`). */
  enter(t: Transition, step: S, entered: ActivityDraft): StepOutcome;
  /** An event of the user while the instance waits here; null when it changes nothing. */
  onEvent?(t: Transition, step: S, event: TrackedEvent): StepOutcome | null;
  /** A timer this step scheduled, still current; null when the step does not own the timer's kind. */
  onTimer?(t: Transition, step: S, timer: TimerFiring): StepOutcome | null;
  /** Traits or time changed without an event; null when the step stays as it is. */
  onRefresh?(t: Transition, step: S): StepOutcome | null;
  /**
   * The instant (ms) at which the step could move by time alone, for the caller to refresh it then; null
   * when only events or its timer move it. `afterEvent`: an event that changed nothing was just applied.
   */
  wakeAt?(step: S, facts: EngineFacts, afterEvent?: string): number | null;
}

/** The same branch key twice would make activity records and stats ambiguous. */
export function checkBranchKeys(branches: readonly { key: string }[], path: string, label: string, report: Report): void {
  const seen = new Set<string>();
  branches.forEach((branch, j) => {
    const key = branch?.key;
    if (typeof key !== 'string' || key === '') report(`${path}[${j}].key`, `branch ${j + 1} of ${label} needs a key`);
    else if (seen.has(key)) report(`${path}[${j}].key`, `branch key ${quote(key)} is used twice in ${label}`);
    else seen.add(key);
  });
}
