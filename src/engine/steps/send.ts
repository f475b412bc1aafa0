import { cloneJson, compact, isPlainObject, orUndefined, type Nullable } from '../input-normalizing';
import { joinPath, quote, type Report } from '../problem';
import { QUIET_HOURS_REASON, quietHoursDecision } from '../time-settings';
import { recordActivity, scheduleTimerAt, type Transition } from '../transition';
import type { DestinationActionFields, StepModule, StepOutcome } from './step-module';

export interface SendConfig {
  destinationId: string;
  action: string;
  eventName?: string;
  /** JSON whose leaves are literals, `{ "@path": "$.traits.email" }` or `{ "@template": "Hi {{traits.first_name}}" }`. */
  mapping: unknown;
  enabled: boolean;
}

/**
 * Hands a payload to a destination (delivered on its own, with retries) and moves on at once; inside the
 * quiet hours in force it waits for their end (DEFER) or moves on without sending (SKIP).
 */
export interface SendStep {
  key: string;
  name: string;
  type: 'SEND';
  send: SendConfig;
  next?: string;
}

export interface SendInputShape {
  destinationId: string;
  action: string;
  eventName?: Nullable<string>;
  mapping: unknown;
  enabled?: Nullable<boolean>;
}

export const sendStep: StepModule<SendStep, SendConfig, SendInputShape> = {
  type: 'SEND',
  configKey: 'send',
  takesNext: true,
  pauses: false,
  liveEditable: ['destinationId', 'action', 'eventName', 'mapping', 'enabled'],

  normalize: (send) =>
    compact({
      destinationId: send.destinationId ?? '',
      action: send.action ?? '',
      eventName: orUndefined(send.eventName),
      mapping: send.mapping == null ? undefined : cloneJson(send.mapping),
      enabled: send.enabled ?? true,
    }) as SendConfig,

  validate(send, { path: stepPath, label }, ctx, report) {
    const path = `${stepPath}.send`;
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
  },

  /** Destinations tell journeys apart by the send step's key, so a copy sends under a new one, enabled. */
  duplicate(step) {
    if (step.send) step.send.enabled = true;
    return true;
  },

  destinations: (step) => [step.send.destinationId],
  events: () => [],

  /**
   * Delivery runs on its own with retries, so a send blocks the instance only while quiet hours defer it.
   * The deferral and the skip are decided here, where the send comes due, in the same transaction as the step.
   */
  enter(t, step, entered) {
    if (!step.send.enabled) {
      entered.detail = { ...entered.detail, skipped: 'disabled' };
      return { kind: 'next', next: step.next };
    }
    const held = holdBackInQuietHours(t, step);
    if (held) return held;
    entered.detail = { ...entered.detail, ...queueDelivery(t, step) };
    return { kind: 'next', next: step.next };
  },

  /**
   * The deferred send goes out once: the timer is a pg-boss job, and a redelivered one is stale (its
   * `stepSeq` no longer matches) once this call has moved the instance on. It reads the profile as it
   * is now, and a timer that fired late, inside the next night's window, waits again.
   */
  onTimer(t, step, timer) {
    if (timer.kind !== 'QUIET_HOURS_ENDED') return null;
    t.state.context.traits = structuredClone(t.facts.traits);
    if (!step.send.enabled) {
      recordActivity(t, 'SEND_SKIPPED', step.key, { reason: 'DISABLED', destinationId: step.send.destinationId });
      return { kind: 'next', next: step.next };
    }
    // A new stepSeq makes a redelivered copy of this timer stale if the send waits again.
    t.state.stepSeq += 1;
    const held = holdBackInQuietHours(t, step);
    if (held) return held;
    queueDelivery(t, step);
    return { kind: 'next', next: step.next };
  },
};

/** Inside the quiet hours in force: records the deferral (and schedules its end) or the skip; null when the send may go. */
function holdBackInQuietHours(t: Transition, step: SendStep): StepOutcome | null {
  const quiet = quietHoursDecision(t, step.key);
  if (!quiet) return null;
  const { destinationId } = step.send;
  if (quiet.mode === 'SKIP') {
    recordActivity(t, 'SEND_SKIPPED', step.key, { reason: QUIET_HOURS_REASON, destinationId, quietUntil: quiet.until, timeZone: quiet.timeZone });
    return { kind: 'next', next: step.next };
  }
  recordActivity(t, 'SEND_DEFERRED', step.key, { reason: QUIET_HOURS_REASON, destinationId, until: quiet.until, timeZone: quiet.timeZone });
  scheduleTimerAt(t, 'QUIET_HOURS_ENDED', step.key, quiet.until);
  return { kind: 'stop' };
}

/** The delivery of this visit: the same send of the same visit always carries the same idempotency key. */
function queueDelivery(t: Transition, step: SendStep): { destinationId: string; idempotencyKey: string } {
  const send = step.send;
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
  return { destinationId: send.destinationId, idempotencyKey };
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
