import { durationToMs } from '../common/duration';
import {
  Condition,
  ConditionMatch,
  DraftStep,
  EntryMode,
  EntryRules,
  EventMatch,
  FILTER_OPERATORS,
  FilterOperator,
  Goal,
  HoldUntilConfig,
  JourneyDefinition,
  JourneyDraft,
  JourneyStep,
  MultiBranchConfig,
  Performed,
  Problem,
  PropertyFilter,
  SendConfig,
  STEP_TYPES,
  StepType,
  Trigger,
  TriggerType,
} from './journey-definition';
import { JourneyLimits, MAX_DESCRIPTION_LENGTH } from './journey-limits';
import { assignStepKeys, RandomSource, STEP_KEY_PATTERN } from './step-keys';

// ---------------------------------------------------------------------------------------------
// The GraphQL `JourneyInput` as it arrives: optional fields may be null or missing.
// ---------------------------------------------------------------------------------------------

type Nullable<T> = T | null | undefined;

export interface PropertyFilterInputShape {
  path: string;
  operator: FilterOperator;
  values?: Nullable<readonly unknown[]>;
}
export interface EventMatchInputShape {
  event: string;
  filters?: Nullable<readonly PropertyFilterInputShape[]>;
}
export interface PerformedInputShape extends EventMatchInputShape {
  atLeast?: Nullable<number>;
  atMost?: Nullable<number>;
  within?: Nullable<string>;
}
export interface ConditionInputShape {
  match?: Nullable<ConditionMatch>;
  filters?: Nullable<readonly PropertyFilterInputShape[]>;
  performed?: Nullable<readonly PerformedInputShape[]>;
}
export interface TriggerInputShape {
  type: TriggerType;
  event?: Nullable<EventMatchInputShape>;
  audienceId?: Nullable<string>;
  audienceFilterId?: Nullable<string>;
  useHistoricalData?: Nullable<boolean>;
}
export interface StepInputShape {
  key?: Nullable<string>;
  name: string;
  type: StepType;
  next?: Nullable<string>;
  hold?: Nullable<{
    branches: readonly { key: string; match: EventMatchInputShape; next?: Nullable<string> }[];
    updateEvents?: Nullable<readonly EventMatchInputShape[]>;
    maxDuration: string;
    timeoutNext?: Nullable<string>;
  }>;
  wait?: Nullable<{ duration: string }>;
  waitForCondition?: Nullable<{ condition: ConditionInputShape; maxDuration?: Nullable<string>; timeoutNext?: Nullable<string> }>;
  split?: Nullable<{ condition: ConditionInputShape; trueNext?: Nullable<string>; falseNext?: Nullable<string> }>;
  multiBranch?: Nullable<{
    branches: readonly { key: string; condition: ConditionInputShape; next?: Nullable<string> }[];
    elseNext?: Nullable<string>;
  }>;
  send?: Nullable<{
    destinationId: string;
    action: string;
    eventName?: Nullable<string>;
    mapping: unknown;
    enabled?: Nullable<boolean>;
  }>;
}
export interface JourneyInputShape {
  name: string;
  description?: Nullable<string>;
  trigger: TriggerInputShape;
  entry?: Nullable<{ mode?: Nullable<EntryMode>; uniqueIdentifier?: Nullable<string> }>;
  exit?: Nullable<readonly EventMatchInputShape[]>;
  goal?: Nullable<{ match: EventMatchInputShape; targetPercent?: Nullable<number> }>;
  steps: readonly StepInputShape[];
  startStep?: Nullable<string>;
}

export interface NormalizeOptions {
  /** Bounds generated step keys; defaults to the standard limits. */
  limits?: Pick<JourneyLimits, 'maxStepKeyLength'>;
  random?: RandomSource;
}

// ---------------------------------------------------------------------------------------------
// Normalizing: input → draft
// ---------------------------------------------------------------------------------------------

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
    }) as EntryRules,
    exit: list(input.exit).map(normalizeEventMatch),
    goal: input.goal
      ? (compact({ match: normalizeEventMatch(input.goal.match), targetPercent: orUndefined(input.goal.targetPercent) }) as Goal)
      : undefined,
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

function normalizeEventMatch(match: Nullable<EventMatchInputShape>): EventMatch {
  return { event: match?.event ?? '', filters: list(match?.filters).map(normalizeFilter) };
}

function normalizeFilter(filter: PropertyFilterInputShape): PropertyFilter {
  return compact({
    path: filter?.path ?? '',
    operator: filter?.operator,
    values: Array.isArray(filter?.values) ? cloneJson(filter.values) : (filter?.values ?? undefined),
  }) as PropertyFilter;
}

/** The condition a `ConditionInput` describes (also an audience's): `match` defaults to ALL, nulls become empty lists. */
export function normalizeCondition(condition: Nullable<ConditionInputShape>): Condition {
  return {
    match: condition?.match ?? 'ALL',
    filters: list(condition?.filters).map(normalizeFilter),
    performed: list(condition?.performed).map(
      (performed) =>
        compact({
          ...normalizeEventMatch(performed),
          atLeast: orUndefined(performed?.atLeast),
          atMost: orUndefined(performed?.atMost),
          within: orUndefined(performed?.within),
        }) as Performed,
    ),
  };
}

function normalizeStep(input: StepInputShape): Omit<DraftStep, 'key'> & { key?: string } {
  const step = input ?? ({} as StepInputShape);
  const { hold, wait, waitForCondition, split, multiBranch, send } = step;
  return compact({
    key: orUndefined(step.key),
    name: step.name ?? '',
    type: step.type,
    next: orUndefined(step.next),
    hold: hold
      ? (compact({
          branches: list(hold.branches).map((branch) =>
            compact({ key: branch?.key ?? '', match: normalizeEventMatch(branch?.match), next: orUndefined(branch?.next) }),
          ),
          updateEvents: list(hold.updateEvents).map(normalizeEventMatch),
          maxDuration: hold.maxDuration ?? '',
          timeoutNext: orUndefined(hold.timeoutNext),
        }) as HoldUntilConfig)
      : undefined,
    wait: wait ? { duration: wait.duration ?? '' } : undefined,
    waitForCondition: waitForCondition
      ? compact({
          condition: normalizeCondition(waitForCondition.condition),
          maxDuration: orUndefined(waitForCondition.maxDuration),
          timeoutNext: orUndefined(waitForCondition.timeoutNext),
        })
      : undefined,
    split: split
      ? compact({
          condition: normalizeCondition(split.condition),
          trueNext: orUndefined(split.trueNext),
          falseNext: orUndefined(split.falseNext),
        })
      : undefined,
    multiBranch: multiBranch
      ? (compact({
          branches: list(multiBranch.branches).map((branch) =>
            compact({ key: branch?.key ?? '', condition: normalizeCondition(branch?.condition), next: orUndefined(branch?.next) }),
          ),
          elseNext: orUndefined(multiBranch.elseNext),
        }) as MultiBranchConfig)
      : undefined,
    send: send
      ? (compact({
          destinationId: send.destinationId ?? '',
          action: send.action ?? '',
          eventName: orUndefined(send.eventName),
          mapping: send.mapping == null ? undefined : cloneJson(send.mapping),
          enabled: send.enabled ?? true,
        }) as SendConfig)
      : undefined,
  }) as Omit<DraftStep, 'key'> & { key?: string };
}

// ---------------------------------------------------------------------------------------------
// Validating: draft → every problem, or the definition
// ---------------------------------------------------------------------------------------------

export interface DestinationActionFields {
  /** A field with `required` needs a mapping key unless the plugin gives it a default mapping. */
  fields: Record<string, { required?: boolean; default?: unknown }>;
}

export interface DestinationSummary {
  plugin: string;
  actions: Map<string, DestinationActionFields>;
}

export interface ValidationContext {
  limits: JourneyLimits;
  /** The journey's name; omitted, the name is not checked (e.g. when it was checked elsewhere). */
  name?: string;
  description?: string | null;
  /** The workspace's destinations by id; omitted, send steps' destinations and actions are not checked. */
  destinations?: Map<string, DestinationSummary>;
  /** The workspace's audience ids; omitted, audience references are not checked. */
  audienceIds?: Set<string>;
  /** Mapping paths that cannot exist, with paths relative to the mapping (from the plugin kit). */
  checkMappingPaths?: (mapping: unknown) => Problem[];
}

export interface ValidationResult {
  problems: Problem[];
  /** Present exactly when there are no problems. */
  definition?: JourneyDefinition;
}

type Report = (path: string, message: string) => void;

/** Steps that make an instance stop and wait; a loop without one would run forever at once. */
const PAUSING_STEP_TYPES: ReadonlySet<StepType> = new Set(['HOLD_UNTIL', 'WAIT', 'WAIT_FOR_CONDITION']);
const STEPS_WITH_NEXT: ReadonlySet<StepType> = new Set(['WAIT', 'WAIT_FOR_CONDITION', 'SEND']);
const CONFIG_KEYS = ['hold', 'wait', 'waitForCondition', 'split', 'multiBranch', 'send'] as const;
type ConfigKey = (typeof CONFIG_KEYS)[number];
const CONFIG_OF_TYPE: Record<StepType, ConfigKey | undefined> = {
  HOLD_UNTIL: 'hold',
  WAIT: 'wait',
  WAIT_FOR_CONDITION: 'waitForCondition',
  SPLIT: 'split',
  MULTI_BRANCH: 'multiBranch',
  SEND: 'send',
  END: undefined,
};

/** One property-path segment: an identifier (step keys may start with a digit or hold `-`) with optional `[n]`s. */
const PATH_SEGMENT = '[A-Za-z0-9_-]+(?:\\[\\d+\\])*';
const PROPERTY_PATH = new RegExp(`^${PATH_SEGMENT}(?:\\.${PATH_SEGMENT})*$`);
const EVENT_PATH_PARENTS = ['properties', 'context', 'traits'];
const EVENT_PATH_LEAVES = ['userId', 'event', 'timestamp'];
const CONTEXT_PATH_ROOTS = ['userId', 'journey', 'instance', 'entry', 'events', 'traits'];
const NUMERIC_OPERATORS: ReadonlySet<FilterOperator> = new Set(['GT', 'GTE', 'LT', 'LTE']);

/**
 * Every problem of a draft, each with its path in the journey input (`steps[2].hold.timeoutNext`);
 * with none, the definition the engine runs (start step filled in).
 */
export function validateJourneyDraft(draft: JourneyDraft, ctx: ValidationContext): ValidationResult {
  const problems: Problem[] = [];
  const report: Report = (path, message) => problems.push({ path, message });

  if (ctx.name !== undefined) checkJourneyName(ctx.name, ctx.limits, report);
  if (ctx.description != null && length(ctx.description) > MAX_DESCRIPTION_LENGTH) {
    report('description', `description is ${length(ctx.description)} characters long; the limit is ${MAX_DESCRIPTION_LENGTH}`);
  }
  checkTrigger(draft.trigger, ctx, report);
  checkEntry(draft.entry, report);
  list(draft.exit).forEach((match, i) => checkEventMatch(match, `exit[${i}]`, `exit ${i + 1}`, report));
  if (draft.goal) checkGoal(draft.goal, report);

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

/** Normalizes a `JourneyInput` and validates it with its own name and description. */
export function validateJourneyInput(
  input: JourneyInputShape,
  ctx: Omit<ValidationContext, 'name' | 'description'>,
  options: Pick<NormalizeOptions, 'random'> = {},
): ValidationResult & { draft: JourneyDraft } {
  const draft = normalizeJourneyInput(input, { limits: ctx.limits, random: options.random });
  const result = validateJourneyDraft(draft, { ...ctx, name: input.name ?? '', description: input.description });
  return { draft, ...result };
}

/**
 * The refusal for publishing one more journey in a workspace that already has `publishedCount`
 * published ones (not counting this journey), or null when there is room.
 */
export function publishedLimitProblem(publishedCount: number, limits: JourneyLimits): string | null {
  if (publishedCount < limits.maxPublishedPerWorkspace) return null;
  return (
    `the workspace already has ${publishedCount} published journeys; the limit is ${limits.maxPublishedPerWorkspace}. ` +
    'Archive one before publishing another.'
  );
}

/** Counted as the reference product counts them: a MULTI_BRANCH counts its branches, any other step 1. */
export function countedSteps(steps: readonly DraftStep[]): number {
  return steps.reduce((sum, step) => sum + (step?.type === 'MULTI_BRANCH' ? list(step.multiBranch?.branches).length : 1), 0);
}

// --- journey level -----------------------------------------------------------------------------

function checkJourneyName(name: string, limits: JourneyLimits, report: Report): void {
  if (typeof name !== 'string' || name.trim() === '') report('name', 'journey needs a name');
  else if (length(name) > limits.maxNameLength) {
    report('name', `journey name is ${length(name)} characters long; the limit is ${limits.maxNameLength}`);
  }
}

function checkTrigger(trigger: Trigger | undefined, ctx: ValidationContext, report: Report): void {
  if (!trigger) {
    report('trigger', 'journey needs a trigger');
    return;
  }
  if (trigger.type === 'EVENT') {
    if (!trigger.event) report('trigger.event', 'an EVENT trigger needs an event to match');
    else checkEventMatch(trigger.event, 'trigger.event', 'the trigger', report);
    if (trigger.audienceId !== undefined) {
      report('trigger.audienceId', 'audienceId is for AUDIENCE triggers; use audienceFilterId to admit only members of an audience');
    }
    if (trigger.useHistoricalData) report('trigger.useHistoricalData', 'useHistoricalData applies to AUDIENCE triggers only');
  } else if (trigger.type === 'AUDIENCE') {
    if (!trigger.audienceId) report('trigger.audienceId', 'an AUDIENCE trigger needs an audienceId');
    else if (ctx.audienceIds && !ctx.audienceIds.has(trigger.audienceId)) {
      report('trigger.audienceId', `unknown audience ${quote(trigger.audienceId)}`);
    }
    if (trigger.event) report('trigger.event', 'an AUDIENCE trigger admits users as they enter the audience; it takes no event');
  } else {
    report('trigger.type', `unknown trigger type ${quote(trigger.type)}; use EVENT or AUDIENCE`);
  }
  if (trigger.audienceFilterId !== undefined && ctx.audienceIds && !ctx.audienceIds.has(trigger.audienceFilterId)) {
    report('trigger.audienceFilterId', `unknown audience ${quote(trigger.audienceFilterId)}`);
  }
}

function checkEntry(entry: EntryRules | undefined, report: Report): void {
  if (!entry) return;
  if (entry.mode !== 'REENTER_EVERY_TIME' && entry.mode !== 'ONCE') {
    report('entry.mode', `unknown entry mode ${quote(entry.mode)}; use REENTER_EVERY_TIME or ONCE`);
  }
  const id = entry.uniqueIdentifier;
  if (id === undefined) return;
  if (typeof id !== 'string' || id === '') report('entry.uniqueIdentifier', 'uniqueIdentifier is empty; leave it out for one instance per user');
  else if (!PROPERTY_PATH.test(id)) report('entry.uniqueIdentifier', `uniqueIdentifier ${quote(id)} is not a valid path`);
  else if (!id.startsWith('properties.')) {
    report('entry.uniqueIdentifier', `uniqueIdentifier ${quote(id)} must be a path into the entry event's properties, e.g. properties.Application_id`);
  }
  if (entry.mode === 'ONCE') {
    report('entry.uniqueIdentifier', 'uniqueIdentifier only applies when users re-enter (mode REENTER_EVERY_TIME)');
  }
}

function checkGoal(goal: Goal, report: Report): void {
  if (!goal.match) report('goal.match', 'the goal needs an event to match');
  else checkEventMatch(goal.match, 'goal.match', 'the goal', report);
  const target = goal.targetPercent;
  if (target !== undefined && !(typeof target === 'number' && target >= 0 && target <= 100)) {
    report('goal.targetPercent', `targetPercent must be between 0 and 100, not ${JSON.stringify(target)}`);
  }
}

// --- event matches, filters, conditions --------------------------------------------------------

function checkEventMatch(match: EventMatch | undefined, path: string, what: string, report: Report): void {
  if (!match) {
    report(path, `${what} needs an event to match`);
    return;
  }
  if (typeof match.event !== 'string' || match.event.trim() === '') report(`${path}.event`, `${what} needs an event name`);
  list(match.filters).forEach((filter, i) => checkFilter(filter, `${path}.filters[${i}]`, 'event', report));
}

/** What a filter reads: an event, a journey context (step conditions), or a profile (audience conditions). */
type FilterTarget = 'event' | 'context' | 'profile';

function checkFilter(filter: PropertyFilter, path: string, target: FilterTarget, report: Report): void {
  const filterPath = filter?.path;
  const named = filterPath ? `filter on ${quote(filterPath)}` : 'filter';
  if (typeof filterPath !== 'string' || filterPath === '') report(`${path}.path`, 'filter needs a path');
  else if (!PROPERTY_PATH.test(filterPath)) {
    report(`${path}.path`, `filter path ${quote(filterPath)} is not a valid path (dot-separated names, optionally with [n])`);
  } else if (target === 'event' && !isEventPath(filterPath)) {
    report(`${path}.path`, `filter path ${quote(filterPath)} must start with properties., context., traits., userId, event or timestamp`);
  } else if (target === 'context' && !CONTEXT_PATH_ROOTS.includes(rootSegment(filterPath))) {
    report(`${path}.path`, `condition path ${quote(filterPath)} must start with one of ${CONTEXT_PATH_ROOTS.join(', ')}`);
  } else if (target === 'profile' && !filterPath.startsWith('traits.')) {
    report(`${path}.path`, `audience filter path ${quote(filterPath)} must start with traits. (an audience is a condition over profiles)`);
  }

  const operator = filter?.operator;
  if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) {
    report(`${path}.operator`, `${named} has unknown operator ${quote(operator)}`);
    return;
  }
  const values = filter.values;
  if (values !== undefined && !Array.isArray(values)) {
    report(`${path}.values`, `${named}: values must be a list`);
    return;
  }
  const given = values ?? [];
  if (operator === 'EXISTS' || operator === 'NOT_EXISTS') {
    if (given.length > 0) report(`${path}.values`, `${named}: ${operator} takes no values`);
  } else if (given.length === 0) {
    report(`${path}.values`, operator === 'EQUALS_ANY_OF' ? `${named}: EQUALS_ANY_OF needs at least one value` : `${named}: ${operator} needs a value`);
  } else if (NUMERIC_OPERATORS.has(operator)) {
    for (const value of given.filter((value) => !isNumeric(value))) {
      report(`${path}.values`, `${named}: ${operator} compares numbers, and ${JSON.stringify(value)} is not one`);
    }
  }
}

/**
 * Every problem of a condition, with paths under `path`. Audiences pass `target` 'profile': their filters
 * read the profile's traits only, while a step's condition reads the whole journey context.
 */
export function conditionProblems(condition: Condition | undefined, path: string, what: string, target: 'context' | 'profile'): Problem[] {
  const problems: Problem[] = [];
  checkCondition(condition, path, what, (at, message) => problems.push({ path: at, message }), target);
  return problems;
}

function checkCondition(condition: Condition | undefined, path: string, what: string, report: Report, target: 'context' | 'profile' = 'context'): void {
  if (!condition) {
    report(path, `${what} needs a condition`);
    return;
  }
  if (condition.match !== 'ALL' && condition.match !== 'ANY') report(`${path}.match`, `unknown match ${quote(condition.match)}; use ALL or ANY`);
  const filters = list(condition.filters);
  const performed = list(condition.performed);
  if (filters.length === 0 && performed.length === 0) report(path, `${what} needs at least one filter or performed clause in its condition`);
  filters.forEach((filter, i) => checkFilter(filter, `${path}.filters[${i}]`, target, report));
  performed.forEach((clause, i) => checkPerformed(clause, `${path}.performed[${i}]`, report));
}

function checkPerformed(clause: Performed, path: string, report: Report): void {
  checkEventMatch(clause, path, 'performed clause', report);
  const { atLeast, atMost, within } = clause;
  const countOk = (count: number | undefined) => count === undefined || (Number.isInteger(count) && count >= 0);
  if (!countOk(atLeast)) report(`${path}.atLeast`, `atLeast must be a whole number, 0 or more, not ${JSON.stringify(atLeast)}`);
  if (!countOk(atMost)) report(`${path}.atMost`, `atMost must be a whole number, 0 or more, not ${JSON.stringify(atMost)}`);
  if (countOk(atLeast) && countOk(atMost) && atLeast !== undefined && atMost !== undefined && atLeast > atMost) {
    report(`${path}.atLeast`, `atLeast (${atLeast}) is more than atMost (${atMost}), so the clause can never hold`);
  }
  if (within !== undefined) checkDuration(within, `${path}.within`, 'within', 'the performed clause', report);
}

function checkDuration(text: string | undefined, path: string, field: string, owner: string, report: Report): void {
  if (text === undefined || text === '') report(path, `${owner} needs a ${field} such as PT1H or P3D`);
  else if (durationToMs(text) === null) {
    report(path, `${field} ${quote(text)} of ${owner} is not a positive ISO-8601 duration such as PT5S, PT1H or P3D`);
  }
}

// --- steps -------------------------------------------------------------------------------------

function checkStep(
  step: DraftStep,
  i: number,
  firstIndexOfKey: ReadonlyMap<string, number>,
  keys: ReadonlySet<string>,
  ctx: ValidationContext,
  report: Report,
): void {
  const path = `steps[${i}]`;
  const { limits } = ctx;
  const key = step?.key;
  const label = typeof key === 'string' && key !== '' ? `step ${quote(key)}` : path;

  if (typeof key !== 'string' || key === '') report(`${path}.key`, `${path} needs a key`);
  else if (firstIndexOfKey.has(key)) report(`${path}.key`, `step key ${quote(key)} is already used by steps[${firstIndexOfKey.get(key)}]`);
  else if (length(key) > limits.maxStepKeyLength) {
    report(`${path}.key`, `step key ${quote(key)} is ${length(key)} characters long; the limit is ${limits.maxStepKeyLength}`);
  } else if (!STEP_KEY_PATTERN.test(key)) report(`${path}.key`, `step key ${quote(key)} may only contain letters, digits, _ and -`);

  const name = step?.name;
  if (typeof name !== 'string' || name.trim() === '') report(`${path}.name`, `${label} needs a name`);
  else if (length(name) > limits.maxStepNameLength) {
    report(`${path}.name`, `name of ${label} is ${length(name)} characters long; the limit is ${limits.maxStepNameLength}`);
  }

  const type = step?.type;
  if (!(STEP_TYPES as readonly string[]).includes(type)) {
    report(`${path}.type`, `${label} has unknown type ${quote(type)}`);
    return;
  }
  const own = CONFIG_OF_TYPE[type];
  for (const configKey of CONFIG_KEYS) {
    if (configKey !== own && step[configKey] != null) report(`${path}.${configKey}`, `${type} ${label} takes no ${configKey}`);
  }
  if (step.next !== undefined && !STEPS_WITH_NEXT.has(type)) report(`${path}.next`, `${type} ${label} takes no next; ${NEXT_ADVICE[type]}`);
  const configured = own === undefined || step[own] != null;
  if (!configured) report(`${path}.${own}`, `${type} ${label} needs ${own}`);

  switch (configured ? type : undefined) {
    case 'HOLD_UNTIL':
      checkHold(step.hold!, `${path}.hold`, label, report);
      break;
    case 'WAIT':
      checkDuration(step.wait!.duration, `${path}.wait.duration`, 'duration', label, report);
      break;
    case 'WAIT_FOR_CONDITION': {
      const config = step.waitForCondition!;
      checkCondition(config.condition, `${path}.waitForCondition.condition`, label, report);
      if (config.maxDuration !== undefined) checkDuration(config.maxDuration, `${path}.waitForCondition.maxDuration`, 'maxDuration', label, report);
      else if (config.timeoutNext !== undefined) {
        report(`${path}.waitForCondition.timeoutNext`, `${label} has a timeoutNext but no maxDuration, so it never times out`);
      }
      break;
    }
    case 'SPLIT':
      checkCondition(step.split!.condition, `${path}.split.condition`, label, report);
      break;
    case 'MULTI_BRANCH': {
      const branches = list(step.multiBranch!.branches);
      if (branches.length === 0) report(`${path}.multiBranch.branches`, `${label} needs at least one branch`);
      checkBranchKeys(branches, `${path}.multiBranch.branches`, label, report);
      branches.forEach((branch, j) =>
        checkCondition(branch?.condition, `${path}.multiBranch.branches[${j}].condition`, `branch ${quote(branch?.key)} of ${label}`, report),
      );
      break;
    }
    case 'SEND':
      checkSend(step.send!, `${path}.send`, label, ctx, report);
      break;
    case 'END':
      break;
  }

  for (const reference of stepReferences(step)) {
    if (!keys.has(reference.target)) report(`${path}.${reference.path}`, `${label} points to unknown step ${quote(reference.target)}`);
  }
}

const NEXT_ADVICE: Record<StepType, string> = {
  HOLD_UNTIL: "use its branches' next and timeoutNext",
  SPLIT: 'use trueNext and falseNext',
  MULTI_BRANCH: "use its branches' next and elseNext",
  END: 'it ends the instance',
  WAIT: '',
  WAIT_FOR_CONDITION: '',
  SEND: '',
};

function checkHold(hold: HoldUntilConfig, path: string, label: string, report: Report): void {
  const branches = list(hold.branches);
  if (branches.length === 0) report(`${path}.branches`, `${label} needs at least one branch to wait for`);
  checkBranchKeys(branches, `${path}.branches`, label, report);
  branches.forEach((branch, j) => checkEventMatch(branch?.match, `${path}.branches[${j}].match`, `branch ${quote(branch?.key)} of ${label}`, report));
  list(hold.updateEvents).forEach((match, j) => checkEventMatch(match, `${path}.updateEvents[${j}]`, `update event ${j + 1} of ${label}`, report));
  checkDuration(hold.maxDuration, `${path}.maxDuration`, 'maxDuration', label, report);
}

function checkBranchKeys(branches: readonly { key: string }[], path: string, label: string, report: Report): void {
  const seen = new Set<string>();
  branches.forEach((branch, j) => {
    const key = branch?.key;
    if (typeof key !== 'string' || key === '') report(`${path}[${j}].key`, `branch ${j + 1} of ${label} needs a key`);
    else if (seen.has(key)) report(`${path}[${j}].key`, `branch key ${quote(key)} is used twice in ${label}`);
    else seen.add(key);
  });
}

function checkSend(send: SendConfig, path: string, label: string, ctx: ValidationContext, report: Report): void {
  const mapping = send.mapping;
  const mappingIsObject = isPlainObject(mapping);
  if (!send.destinationId) report(`${path}.destinationId`, `${label} needs a destinationId`);
  if (!send.action) report(`${path}.action`, `${label} needs an action`);
  if (!mappingIsObject) report(`${path}.mapping`, `mapping of ${label} must be a JSON object keyed by the action's fields`);

  if (ctx.destinations && send.destinationId) {
    const destination = ctx.destinations.get(send.destinationId);
    if (!destination) report(`${path}.destinationId`, `${label} sends to unknown destination ${quote(send.destinationId)}`);
    else if (send.action) {
      const action = destination.actions.get(send.action);
      if (!action) {
        const known = [...destination.actions.keys()].map(quote).join(', ') || 'none';
        report(`${path}.action`, `plugin ${quote(destination.plugin)} has no action ${quote(send.action)} (its actions: ${known})`);
      } else if (mappingIsObject) {
        checkMappedFields(mapping, action, `${path}.mapping`, `${label} (action ${quote(send.action)})`, report);
      }
    }
  }

  if (ctx.checkMappingPaths && mapping !== undefined) {
    for (const problem of ctx.checkMappingPaths(mapping)) report(joinPath(`${path}.mapping`, problem.path), problem.message);
  }
}

/** What the plugin kit would refuse on every single delivery, so publishing refuses it first. */
function checkMappedFields(mapping: Record<string, unknown>, action: DestinationActionFields, path: string, what: string, report: Report): void {
  for (const [field, declaration] of Object.entries(action.fields)) {
    const value = mapping[field];
    // A default fills only an absent field; an explicit null stays null and counts as missing.
    if (declaration.required && (value === null || (value === undefined && declaration.default === undefined))) {
      report(`${path}.${field}`, `${what} does not map the required field ${quote(field)}`);
    }
  }
  const fieldNames = Object.keys(action.fields);
  for (const key of Object.keys(mapping).filter((key) => !Object.hasOwn(action.fields, key))) {
    report(`${path}.${key}`, `${what} maps ${quote(key)}, which is not one of its fields (${fieldNames.join(', ') || 'none'})`);
  }
}

interface StepReference {
  /** Relative to the step, e.g. `hold.branches[0].next`. */
  path: string;
  target: string;
}

/** The steps a step can lead to, as its type reads them (configuration of other types is ignored). */
function stepReferences(step: DraftStep): StepReference[] {
  const references: StepReference[] = [];
  const add = (path: string, target: string | undefined) => {
    if (target !== undefined) references.push({ path, target });
  };
  switch (step.type) {
    case 'HOLD_UNTIL':
      list(step.hold?.branches).forEach((branch, j) => add(`hold.branches[${j}].next`, branch?.next));
      add('hold.timeoutNext', step.hold?.timeoutNext);
      break;
    case 'WAIT_FOR_CONDITION':
      add('next', step.next);
      add('waitForCondition.timeoutNext', step.waitForCondition?.timeoutNext);
      break;
    case 'SPLIT':
      add('split.trueNext', step.split?.trueNext);
      add('split.falseNext', step.split?.falseNext);
      break;
    case 'MULTI_BRANCH':
      list(step.multiBranch?.branches).forEach((branch, j) => add(`multiBranch.branches[${j}].next`, branch?.next));
      add('multiBranch.elseNext', step.multiBranch?.elseNext);
      break;
    case 'WAIT':
    case 'SEND':
      add('next', step.next);
      break;
  }
  return references;
}

// --- the step graph ----------------------------------------------------------------------------

/** Successor indexes of each step, by the first step holding each key (duplicates are reported apart). */
function successors(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>): number[][] {
  return steps.map((step) =>
    step && (STEP_TYPES as readonly string[]).includes(step.type)
      ? stepReferences(step)
          .map((reference) => firstIndexOfKey.get(reference.target))
          .filter((index): index is number => index !== undefined)
      : [],
  );
}

function checkReachability(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>, startStep: string, report: Report): void {
  const start = firstIndexOfKey.get(startStep);
  if (start === undefined) return;
  const next = successors(steps, firstIndexOfKey);
  const reached = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const target of next[queue.shift()!]) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  steps.forEach((step, i) => {
    if (!reached.has(i) && firstIndexOfKey.get(step?.key) === i) {
      report(`steps[${i}]`, `step ${quote(step.key)} cannot be reached from the start step ${quote(startStep)}`);
    }
  });
}

/** Reports each loop made only of steps that move on at once (one report per strongly connected group). */
function checkLoopsWithoutPause(steps: readonly DraftStep[], firstIndexOfKey: ReadonlyMap<string, number>, report: Report): void {
  const pauses = (i: number) => PAUSING_STEP_TYPES.has(steps[i]?.type);
  const next = successors(steps, firstIndexOfKey).map((targets, i) => (pauses(i) ? [] : targets.filter((t) => !pauses(t))));
  const loops = stronglyConnectedGroups(next)
    .filter((group) => group.length > 1 || next[group[0]].includes(group[0]))
    .map((group) => [...group].sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0]);
  for (const ordered of loops) {
    const names = ordered.map((i) => quote(steps[i].key));
    const subject = ordered.length === 1 ? `step ${names[0]} leads back to itself` : `steps ${names.join(', ')} form a loop`;
    report(`steps[${ordered[0]}]`, `${subject} with no HOLD_UNTIL, WAIT or WAIT_FOR_CONDITION step, so an instance would go round it forever`);
  }
}

/** Tarjan's algorithm without recursion, since a hostile input may hold thousands of steps. */
function stronglyConnectedGroups(next: readonly number[][]): number[][] {
  const index = new Array<number>(next.length).fill(-1);
  const low = new Array<number>(next.length).fill(0);
  const onStack = new Array<boolean>(next.length).fill(false);
  const stack: number[] = [];
  const groups: number[][] = [];
  let counter = 0;
  for (let root = 0; root < next.length; root++) {
    if (index[root] !== -1) continue;
    const work: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.edge < next[frame.node].length) {
        const target = next[frame.node][frame.edge++];
        if (index[target] === -1) {
          index[target] = low[target] = counter++;
          stack.push(target);
          onStack[target] = true;
          work.push({ node: target, edge: 0 });
        } else if (onStack[target]) {
          low[frame.node] = Math.min(low[frame.node], index[target]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low[parent] = Math.min(low[parent], low[frame.node]);
      }
      if (low[frame.node] === index[frame.node]) {
        const group: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          group.push(member);
        } while (member !== frame.node);
        groups.push(group);
      }
    }
  }
  return groups;
}

// --- the definition ----------------------------------------------------------------------------

function toDefinition(draft: JourneyDraft, startStep: string): JourneyDefinition {
  const copy = cloneJson(draft);
  return compact({
    trigger: copy.trigger,
    entry: copy.entry,
    exit: copy.exit,
    goal: copy.goal,
    steps: copy.steps.map(toJourneyStep),
    startStep,
  }) as JourneyDefinition;
}

/** Keeps exactly what the step's type uses; validation has made sure that is all there is. */
function toJourneyStep(step: DraftStep): JourneyStep {
  const { key, name } = step;
  switch (step.type) {
    case 'HOLD_UNTIL':
      return { key, name, type: step.type, hold: step.hold! };
    case 'WAIT':
      return compact({ key, name, type: step.type, wait: step.wait!, next: step.next });
    case 'WAIT_FOR_CONDITION':
      return compact({ key, name, type: step.type, waitForCondition: step.waitForCondition!, next: step.next });
    case 'SPLIT':
      return { key, name, type: step.type, split: step.split! };
    case 'MULTI_BRANCH':
      return { key, name, type: step.type, multiBranch: step.multiBranch! };
    case 'SEND':
      return compact({ key, name, type: step.type, send: step.send!, next: step.next });
    case 'END':
      return { key, name, type: step.type };
  }
}

// --- small pieces ------------------------------------------------------------------------------

function list<T>(value: Nullable<readonly T[]>): T[] {
  return Array.isArray(value) ? [...value] : [];
}

function orUndefined<T>(value: Nullable<T>): T | undefined {
  return value ?? undefined;
}

/** Drops undefined properties, so drafts compare and serialize without `key: undefined` noise. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** Drafts are JSON (stored as jsonb), so a JSON round trip copies them exactly, in this realm's objects. */
function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

function isEventPath(path: string): boolean {
  const root = rootSegment(path);
  const nested = path.length > root.length;
  return (EVENT_PATH_PARENTS.includes(root) && path.startsWith(`${root}.`)) || (EVENT_PATH_LEAVES.includes(root) && !nested);
}

function rootSegment(path: string): string {
  return path.split(/[.[]/, 1)[0];
}

/** Characters, not UTF-16 units, as people count them in a name. */
function length(text: string): number {
  return [...text].length;
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

function joinPath(base: string, relative: string): string {
  if (!relative) return base;
  return relative.startsWith('[') ? `${base}${relative}` : `${base}.${relative}`;
}
