import { admitEntry } from './admit-entry';
import { applyEvent } from './apply-event';
import { applyTimer } from './apply-timer';
import { performedClauseKey, performedClausesOf } from './condition';
import type { JourneyDefinition, Performed } from './definition';
import { requireDurationMs } from './duration';
import type { EngineFacts } from './engine-facts';
import type { ActivityDraft, DeliveryRequest, EngineResult, TimerRequest } from './engine-result';
import type { InstanceState } from './instance-state';
import type { PerformedEventTimes } from './performed-timing';
import { quote, type Problem } from './problem';
import { eventFilterSubject, matchesFilters } from './property-filter';
import { refreshConditions } from './refresh-conditions';
import type { JourneyIdentity } from './start-instance';
import type { TrackedEvent } from './tracked-event';
import { wakeAt } from './wake-at';

/** One record of a simulated timeline: an activity as the runtime would store it, with its instance. */
export interface SimulatedRecord extends ActivityDraft {
  instanceId: string;
}

/** A send the runtime would hand the delivery worker, at the virtual time it would. */
export interface SimulatedSend {
  instanceId: string;
  at: string;
  request: DeliveryRequest;
}

export interface SimulationOptions {
  definition: JourneyDefinition;
  journey: JourneyIdentity;
  userId: string;
  /** The profile's traits when the simulation starts; identify calls merge into them as ingestion does. */
  traits?: Record<string, unknown>;
  /** Instance ids, in entry order (default: UUID-shaped counters, so a simulation is repeatable). */
  instanceId?: (ordinal: number) => string;
}

/** A track call at a virtual instant. `timestamp` is the source's own (default: the instant itself). */
export interface SimulatedTrack {
  event: string;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
  timestamp?: string;
  messageId?: string;
}

interface PendingTimer {
  instanceId: string;
  timer: TimerRequest;
  due: number;
}

/**
 * Refuses what a simulation cannot reproduce: audience membership is evaluated by the audiences module
 * from stored events and time, which a simulation has neither of.
 */
export function simulationProblems(definition: JourneyDefinition): Problem[] {
  const problems: Problem[] = [];
  if (definition.trigger.type === 'AUDIENCE') {
    problems.push({ path: 'trigger', message: `the journey is triggered by audience ${quote(definition.trigger.audienceId)}; simulations and backtests do not evaluate audiences` });
  }
  if (definition.trigger.audienceFilterId) {
    problems.push({
      path: 'trigger.audienceFilterId',
      message: `the journey admits only members of audience ${quote(definition.trigger.audienceFilterId)}; simulations and backtests do not evaluate audiences`,
    });
  }
  return problems;
}

/**
 * One user's life in one journey on a virtual clock: the same engine calls, in the same order, as
 * `JourneyRuntime` makes for a live user (refresh, apply the event to active instances, admit, then
 * timers and window wake-ups when their time comes), with state, timers and the user's event history
 * kept in memory. Nothing waits: time moves only when an input says so.
 */
export class JourneySimulation {
  readonly timeline: SimulatedRecord[] = [];
  readonly sends: SimulatedSend[] = [];
  private readonly states = new Map<string, InstanceState>();
  private readonly timers: PendingTimer[] = [];
  private readonly wakeUps = new Set<number>();
  private readonly clauses: Performed[];
  private readonly performedTimes: PerformedEventTimes = {};
  private readonly enteredJourneys = new Set<string>();
  private traits: Record<string, unknown>;
  private now = -Infinity;
  private lastEnteredAt: string | null = null;
  private inputs = 0;

  constructor(private readonly options: SimulationOptions) {
    this.traits = structuredClone(options.traits ?? {});
    this.clauses = performedClausesOf(options.definition);
    for (const clause of this.clauses) this.performedTimes[performedClauseKey(clause)] = [];
  }

  /**
   * Hands over the records and sends gathered so far and forgets them: a long replay of one user counts
   * them as it goes instead of holding them all.
   */
  drain(): { timeline: SimulatedRecord[]; sends: SimulatedSend[] } {
    return { timeline: this.timeline.splice(0), sends: this.sends.splice(0) };
  }

  get instances(): InstanceState[] {
    return [...this.states.values()];
  }

  get clock(): number {
    return this.now;
  }

  /** The user's track call accepted at `at` (epoch ms): timers due until then fire first. */
  track(call: SimulatedTrack, at: number): void {
    this.advanceTo(at);
    const instant = new Date(this.now).toISOString();
    const event: TrackedEvent = {
      userId: this.options.userId,
      event: call.event,
      properties: call.properties ?? {},
      context: call.context ?? {},
      timestamp: call.timestamp ?? instant,
      receivedAt: instant,
      messageId: call.messageId ?? `simulated-${++this.inputs}`,
    };
    this.remember(event);
    // As a runtime job does: time passed since the last one, then the event, then admission.
    this.refreshAll();
    for (const state of this.activeStates()) {
      const facts = this.facts();
      const result = applyEvent(this.options.definition, state, event, facts);
      if (result) this.persist(result, facts);
      else this.wakeWhenWindowsSlide(state, facts, event.event);
    }
    this.admit(event);
  }

  /** The user's identify call at `at`: traits merge (top level, as ingestion merges them) and waiting conditions look again. */
  identify(traits: Record<string, unknown>, at: number): void {
    this.advanceTo(at);
    this.traits = { ...this.traits, ...structuredClone(traits) };
    this.refreshAll();
  }

  /** Moves the clock to `at`, firing every timer and window wake-up due by then, in due order. */
  advanceTo(at: number): void {
    for (;;) {
      const timer = this.nextTimer();
      const wakeUp = Math.min(...this.wakeUps);
      const due = Math.min(timer?.due ?? Infinity, wakeUp);
      if (due > at) break;
      this.now = Math.max(this.now, due);
      if (timer && timer.due === due) this.fire(timer);
      else {
        this.wakeUps.delete(wakeUp);
        this.refreshAll();
      }
    }
    this.now = Math.max(this.now, at);
  }

  private fire(pending: PendingTimer): void {
    this.timers.splice(this.timers.indexOf(pending), 1);
    const state = this.states.get(pending.instanceId);
    if (!state || state.status !== 'ACTIVE') return;
    const facts = this.facts();
    const result = applyTimer(this.options.definition, state, pending.timer, facts);
    if (result) this.persist(result, facts);
  }

  private refreshAll(): void {
    for (const state of this.activeStates()) {
      const facts = this.facts();
      const result = refreshConditions(this.options.definition, state, facts);
      if (result) this.persist(result, facts);
      else this.wakeWhenWindowsSlide(state, facts);
    }
  }

  private admit(event: TrackedEvent): void {
    const { definition, journey } = this.options;
    const facts = this.facts();
    const user = { instances: this.activeStates(), enteredJourneys: this.enteredJourneys, memberships: new Set<string>(), lastEnteredAt: this.lastEnteredAt };
    const instanceId = (this.options.instanceId ?? simulatedInstanceId)(this.states.size + 1);
    const admission = admitEntry(definition, journey, { instanceId }, event, user, facts);
    if (!admission.admitted) return;
    this.enteredJourneys.add(journey.id);
    this.lastEnteredAt = admission.result.state.enteredAt;
    this.persist(admission.result, facts);
  }

  private persist(result: EngineResult, facts: EngineFacts): void {
    const { state } = result;
    this.states.set(state.id, state);
    for (const activity of result.activities) this.timeline.push({ ...activity, instanceId: state.id });
    for (const timer of result.timers) this.timers.push({ instanceId: state.id, timer, due: Date.parse(timer.dueAt) });
    for (const request of result.deliveries) this.sends.push({ instanceId: state.id, at: facts.now, request });
    this.wakeWhenWindowsSlide(state, facts);
  }

  private wakeWhenWindowsSlide(state: InstanceState, facts: EngineFacts, afterEvent?: string): void {
    const at = wakeAt(this.options.definition, state, facts, afterEvent);
    if (at !== null) this.wakeUps.add(Date.parse(at));
  }

  /** The earliest due timer; among equal ones the first scheduled, as a queue ordered by due time serves them. */
  private nextTimer(): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.timers) if (!next || timer.due < next.due) next = timer;
    return next;
  }

  private activeStates(): InstanceState[] {
    return [...this.states.values()].filter((state) => state.status === 'ACTIVE');
  }

  /** As the runtime loads them: events matching each `performed` clause, by their own timestamp; windows keep only what can still count. */
  private remember(event: TrackedEvent): void {
    for (const clause of this.clauses) {
      if (clause.event !== event.event || !matchesFilters(clause.filters, eventFilterSubject(event))) continue;
      const times = this.performedTimes[performedClauseKey(clause)];
      const stamped = Date.parse(event.timestamp);
      times.splice(upperBound(times, stamped), 0, stamped);
      if (clause.within) {
        const since = this.now - requireDurationMs(clause.within);
        while (times.length > 0 && times[0] < since) times.shift();
      }
    }
  }

  private facts(): EngineFacts {
    return { now: new Date(this.now).toISOString(), traits: this.traits, performedTimes: this.performedTimes };
  }
}

/** `00000000-0000-4000-8000-000000000001` and on: shaped like the runtime's ids, which mappings may carry. */
export function simulatedInstanceId(ordinal: number): string {
  return `00000000-0000-4000-8000-${String(ordinal).padStart(12, '0')}`;
}

function upperBound(sorted: number[], value: number): number {
  let index = sorted.length;
  while (index > 0 && sorted[index - 1] > value) index -= 1;
  return index;
}
