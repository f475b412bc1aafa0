import type { EventMatch } from '../definition';
import { checkDuration, checkEventMatch } from '../filter-validation';
import { compact, list, normalizeEventMatch, orUndefined, type EventMatchInputShape, type Nullable } from '../input-normalizing';
import { quote } from '../problem';
import { matchesEvent } from '../property-filter';
import type { TrackedEvent } from '../tracked-event';
import { recordActivity, scheduleTimer, type Transition } from '../transition';
import { checkBranchKeys, type StepModule, type StepReference } from './step-module';

export interface HoldBranch {
  key: string;
  match: EventMatch;
  next?: string;
}

export interface HoldUntilConfig {
  branches: HoldBranch[];
  updateEvents: EventMatch[];
  maxDuration: string;
  timeoutNext?: string;
}

/** Waits for one of its branch events, or times out after `maxDuration`. */
export interface HoldUntilStep {
  key: string;
  name: string;
  type: 'HOLD_UNTIL';
  hold: HoldUntilConfig;
}

export interface HoldUntilInputShape {
  branches: readonly { key: string; match: EventMatchInputShape; next?: Nullable<string> }[];
  updateEvents?: Nullable<readonly EventMatchInputShape[]>;
  maxDuration: string;
  timeoutNext?: Nullable<string>;
}

export const holdUntilStep: StepModule<HoldUntilStep, HoldUntilConfig, HoldUntilInputShape> = {
  type: 'HOLD_UNTIL',
  configKey: 'hold',
  takesNext: false,
  nextAdvice: "use its branches' next and timeoutNext",
  pauses: true,

  normalize: (hold) =>
    compact({
      branches: list(hold.branches).map((branch) =>
        compact({ key: branch?.key ?? '', match: normalizeEventMatch(branch?.match), next: orUndefined(branch?.next) }),
      ),
      updateEvents: list(hold.updateEvents).map(normalizeEventMatch),
      maxDuration: hold.maxDuration ?? '',
      timeoutNext: orUndefined(hold.timeoutNext),
    }) as HoldUntilConfig,

  validate(hold, { path, label }, _ctx, report) {
    const at = `${path}.hold`;
    const branches = list(hold.branches);
    if (branches.length === 0) report(`${at}.branches`, `${label} needs at least one branch to wait for`);
    checkBranchKeys(branches, `${at}.branches`, label, report);
    branches.forEach((branch, j) => checkEventMatch(branch?.match, `${at}.branches[${j}].match`, `branch ${quote(branch?.key)} of ${label}`, report));
    list(hold.updateEvents).forEach((match, j) => checkEventMatch(match, `${at}.updateEvents[${j}]`, `update event ${j + 1} of ${label}`, report));
    checkDuration(hold.maxDuration, `${at}.maxDuration`, 'maxDuration', label, report);
  },

  references(hold) {
    const references: StepReference[] = [];
    list(hold?.branches).forEach((branch, j) => {
      if (branch?.next !== undefined) references.push({ path: `branches[${j}].next`, target: branch.next });
    });
    if (hold?.timeoutNext !== undefined) references.push({ path: 'timeoutNext', target: hold.timeoutNext });
    return references;
  },

  events: (step) => [...step.hold.branches.map((branch) => branch.match.event), ...step.hold.updateEvents.map((match) => match.event)],

  enter(t, step) {
    scheduleTimer(t, 'HOLD_TIMEOUT', step.key, step.hold.maxDuration);
    return { kind: 'stop' };
  },

  /**
   * A branch event releases the hold; an update event only refreshes what the hold captured and
   * restarts its timer. The new `stepSeq` makes the previous timeout stale, so nothing needs cancelling.
   */
  onEvent(t, step, event) {
    const branch = step.hold.branches.find((candidate) => matchesEvent(candidate.match, event));
    if (branch) {
      captureEvent(t, step.key, event);
      recordActivity(t, 'HOLD_MATCHED', step.key, { branch: branch.key, event: event.event, messageId: event.messageId });
      return { kind: 'next', next: branch.next };
    }
    if (!step.hold.updateEvents.some((match) => matchesEvent(match, event))) return null;
    captureEvent(t, step.key, event);
    t.state.stepSeq += 1;
    const dueAt = scheduleTimer(t, 'HOLD_TIMEOUT', step.key, step.hold.maxDuration);
    recordActivity(t, 'HOLD_UPDATED', step.key, { event: event.event, messageId: event.messageId, dueAt });
    return { kind: 'stop' };
  },

  onTimer(t, step, timer) {
    if (timer.kind !== 'HOLD_TIMEOUT') return null;
    recordActivity(t, 'HOLD_TIMED_OUT', step.key, { maxDuration: step.hold.maxDuration });
    return { kind: 'next', next: step.hold.timeoutNext };
  },
};

function captureEvent(t: Transition, holdStepKey: string, event: TrackedEvent): void {
  t.state.context.events[holdStepKey] = {
    event: event.event,
    properties: structuredClone(event.properties),
    timestamp: event.timestamp,
  };
}
