import { requireDurationMs } from '../common/duration';
import type {
  HoldUntilStep,
  JourneyDefinition,
  JourneyStep,
  MultiBranchStep,
  SendStep,
  SplitStep,
  WaitForConditionStep,
  WaitStep,
} from '../journeys/journey-definition';
import { evaluateCondition } from './condition';
import type { EngineFacts } from './engine-facts';
import type { ActivityDraft, ActivityType, DeliveryRequest, EngineResult, TimerKind } from './engine-result';
import type { InstanceState } from './instance-state';

/**
 * Validation rejects cycles without a hold or wait, but a definition loaded from storage is still
 * input: a runaway loop must end the instance rather than the worker.
 */
export const MAX_STEP_ENTRIES_PER_CALL = 1000;

/**
 * The private working copy of one engine call. It owns a deep copy of the state, so the steps below
 * may change it in place while the caller's objects stay untouched.
 */
export interface Transition {
  state: InstanceState;
  facts: EngineFacts;
  activities: ActivityDraft[];
  timers: EngineResult['timers'];
  deliveries: DeliveryRequest[];
  stepEntries: number;
}

export function beginTransition(state: InstanceState, facts: EngineFacts): Transition {
  if (Number.isNaN(Date.parse(facts.now))) throw new Error(`facts.now is not an ISO-8601 instant: ${JSON.stringify(facts.now)}`);
  return { state: structuredClone(state), facts, activities: [], timers: [], deliveries: [], stepEntries: 0 };
}

export function finishTransition(t: Transition): EngineResult {
  return { state: t.state, activities: t.activities, timers: t.timers, deliveries: t.deliveries };
}

export function recordActivity(t: Transition, type: ActivityType, stepKey: string | null, detail: Record<string, unknown> | null): ActivityDraft {
  const activity: ActivityDraft = { type, stepKey, detail, at: t.facts.now };
  t.activities.push(activity);
  return activity;
}

export function findStep(definition: JourneyDefinition, key: string): JourneyStep | undefined {
  return definition.steps.find((step) => step.key === key);
}

export function addDuration(instant: string, duration: string): string {
  return new Date(Date.parse(instant) + requireDurationMs(duration)).toISOString();
}

/** Ends the instance; `currentStep` is null from now on, so only ACTIVE instances are "at" a step. */
export function endInstanceAs(
  t: Transition,
  outcome: { status: 'COMPLETED' } | { status: 'EXITED'; reason: string },
  stepKey: string | null,
  detail: Record<string, unknown> | null = null,
): void {
  const s = t.state;
  s.status = outcome.status;
  s.exitReason = outcome.status === 'EXITED' ? outcome.reason : null;
  s.currentStep = null;
  s.waitingUntil = null;
  s.endedAt = t.facts.now;
  if (outcome.status === 'EXITED') recordActivity(t, 'EXITED', stepKey, { reason: outcome.reason, ...detail });
  else recordActivity(t, 'COMPLETED', stepKey, detail);
}

/** Schedules the timer that ends the current wait; its `stepSeq` is the one the instance has now. */
export function scheduleTimer(t: Transition, kind: TimerKind, stepKey: string, duration: string): string {
  const dueAt = addDuration(t.facts.now, duration);
  t.timers.push({ kind, stepKey, stepSeq: t.state.stepSeq, dueAt });
  t.state.waitingUntil = dueAt;
  return dueAt;
}

type StepOutcome = { kind: 'next'; next: string | undefined } | { kind: 'stop' };

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
    if (!step) return endInstanceAs(t, { status: 'EXITED', reason: 'unknown_step' }, previous, { nextStep: key });
    const outcome = runStep(t, step);
    if (outcome.kind === 'stop') return;
    previous = step.key;
    key = outcome.next;
  }
}

function runStep(t: Transition, step: JourneyStep): StepOutcome {
  const entered = enterStep(t, step);
  switch (step.type) {
    case 'HOLD_UNTIL':
      return runHoldUntil(t, step);
    case 'WAIT':
      return runWait(t, step);
    case 'WAIT_FOR_CONDITION':
      return runWaitForCondition(t, step);
    case 'SPLIT':
      return runSplit(t, step);
    case 'MULTI_BRANCH':
      return runMultiBranch(t, step);
    case 'SEND':
      return runSend(t, step, entered);
    case 'END':
      endInstanceAs(t, { status: 'COMPLETED' }, step.key);
      return { kind: 'stop' };
  }
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

function runHoldUntil(t: Transition, step: HoldUntilStep): StepOutcome {
  scheduleTimer(t, 'HOLD_TIMEOUT', step.key, step.hold.maxDuration);
  return { kind: 'stop' };
}

function runWait(t: Transition, step: WaitStep): StepOutcome {
  scheduleTimer(t, 'WAIT_ELAPSED', step.key, step.wait.duration);
  return { kind: 'stop' };
}

function runWaitForCondition(t: Transition, step: WaitForConditionStep): StepOutcome {
  if (evaluateCondition(step.waitForCondition.condition, t.state.context, t.facts)) {
    recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: 'met' });
    return { kind: 'next', next: step.next };
  }
  if (step.waitForCondition.maxDuration) scheduleTimer(t, 'CONDITION_TIMEOUT', step.key, step.waitForCondition.maxDuration);
  return { kind: 'stop' };
}

function runSplit(t: Transition, step: SplitStep): StepOutcome {
  const holds = evaluateCondition(step.split.condition, t.state.context, t.facts);
  recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: holds ? 'true' : 'false' });
  return { kind: 'next', next: holds ? step.split.trueNext : step.split.falseNext };
}

function runMultiBranch(t: Transition, step: MultiBranchStep): StepOutcome {
  const taken = step.multiBranch.branches.find((branch) => evaluateCondition(branch.condition, t.state.context, t.facts));
  recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: taken ? taken.key : 'else' });
  return { kind: 'next', next: taken ? taken.next : step.multiBranch.elseNext };
}

/** Delivery runs on its own with retries, so a send never blocks the instance. */
function runSend(t: Transition, step: SendStep, entered: ActivityDraft): StepOutcome {
  const send = step.send;
  if (!send.enabled) {
    entered.detail = { ...entered.detail, skipped: 'disabled' };
    return { kind: 'next', next: step.next };
  }
  const visit = t.state.visits[step.key];
  const idempotencyKey = `${t.state.id}:${step.key}:${visit}`;
  t.deliveries.push({
    stepKey: step.key,
    visit,
    idempotencyKey,
    destinationId: send.destinationId,
    action: send.action,
    eventName: send.eventName ?? null,
    mapping: structuredClone(send.mapping),
    context: structuredClone(t.state.context),
  });
  entered.detail = { ...entered.detail, destinationId: send.destinationId, idempotencyKey };
  return { kind: 'next', next: step.next };
}

/** Re-evaluates a WAIT_FOR_CONDITION step with the facts given; moves on when it now holds. */
export function advanceIfConditionHolds(t: Transition, definition: JourneyDefinition, step: WaitForConditionStep): boolean {
  if (!evaluateCondition(step.waitForCondition.condition, t.state.context, t.facts)) return false;
  recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: 'met' });
  advanceInstance(t, definition, step.next, step.key);
  return true;
}
