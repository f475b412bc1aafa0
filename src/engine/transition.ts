import type { JourneyDefinition, JourneyStep } from './definition';
import { requireDurationMs } from './duration';
import type { EngineFacts } from './engine-facts';
import type { ActivityDraft, ActivityType, DeliveryRequest, EngineResult, TimerKind } from './engine-result';
import type { InstanceState } from './instance-state';
import { effectiveTimeSettings, type EffectiveTimeSettings, type TimeSettings } from './time-settings';

/**
 * The private working copy of one engine call. It owns a deep copy of the state, so the steps
 * may change it in place while the caller's objects stay untouched.
 */
export interface Transition {
  state: InstanceState;
  facts: EngineFacts;
  activities: ActivityDraft[];
  timers: EngineResult['timers'];
  deliveries: DeliveryRequest[];
  stepEntries: number;
  /** The journey's time zone and quiet hours, else its workspace's (`facts.workspaceTime`). */
  timeSettings: EffectiveTimeSettings;
}

export function beginTransition(state: InstanceState, facts: EngineFacts, journey?: TimeSettings): Transition {
  if (Number.isNaN(Date.parse(facts.now))) throw new Error(`facts.now is not an ISO-8601 instant: ${JSON.stringify(facts.now)}`);
  const timeSettings = effectiveTimeSettings(journey, facts.workspaceTime);
  return { state: structuredClone(state), facts, activities: [], timers: [], deliveries: [], stepEntries: 0, timeSettings };
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
  return scheduleTimerAt(t, kind, stepKey, addDuration(t.facts.now, duration));
}

/** The same, due at an instant (a time of day, a timestamp, the end of quiet hours). */
export function scheduleTimerAt(t: Transition, kind: TimerKind, stepKey: string, dueAt: string): string {
  t.timers.push({ kind, stepKey, stepSeq: t.state.stepSeq, dueAt });
  t.state.waitingUntil = dueAt;
  return dueAt;
}
