import { parse, toSeconds } from 'iso8601-duration';
import type { JourneyDefinition } from './definition';
import { isPlainObject } from './input-normalizing';
import type { Problem } from './problem';
import { quote } from './problem';
import type { JourneySimulation, SimulatedRecord } from './simulation';
import { findStep } from './transition';

/**
 * One entry of a simulation script, as the API takes it: exactly one of `track`, `identify` (each at
 * offset `at` from the start, default: where the clock is) or `advanceTo` (itself an offset).
 */
export interface ScriptEntryShape {
  at?: string | null;
  track?: { event?: string | null; properties?: unknown } | null;
  identify?: { traits?: unknown } | null;
  advanceTo?: string | null;
}

export type ScriptStep =
  | { kind: 'track'; at: number; event: string; properties: Record<string, unknown> }
  | { kind: 'identify'; at: number; traits: Record<string, unknown> }
  | { kind: 'advanceTo'; at: number };

/**
 * The script as instants from `startAt` (epoch ms), or every problem with its path (`script[2].at`):
 * exactly one action per entry, offsets as ISO-8601 durations (`PT0S` allowed), never going back in time.
 */
export function readScript(entries: readonly ScriptEntryShape[], startAt: number): { steps: ScriptStep[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const steps: ScriptStep[] = [];
  let clock = 0;
  entries.forEach((entry, index) => {
    const path = `script[${index}]`;
    const report = (field: string, message: string) => problems.push({ path: field ? `${path}.${field}` : path, message });
    const actions = (['track', 'identify', 'advanceTo'] as const).filter((key) => entry[key] != null);
    if (actions.length !== 1) {
      report('', actions.length === 0 ? 'needs one of track, identify or advanceTo' : `has ${actions.join(' and ')}; give exactly one per entry`);
      return;
    }
    const [action] = actions;
    if (action === 'advanceTo' && entry.at != null) report('at', 'advanceTo is its own offset; leave at out');
    const offsetField = action === 'advanceTo' ? 'advanceTo' : 'at';
    const text = action === 'advanceTo' ? entry.advanceTo : entry.at;
    let offset = clock;
    if (text != null) {
      const ms = offsetMs(text);
      if (ms === null) report(offsetField, `${quote(text)} is not an ISO-8601 duration such as "PT2H" or "P3D"`);
      else if (ms < clock) report(offsetField, `${quote(text)} is before the previous entry (the clock never goes back)`);
      else offset = ms;
    }
    clock = offset;
    const at = startAt + offset;
    if (action === 'track') {
      const { event, properties } = entry.track!;
      if (typeof event !== 'string' || event.trim() === '') report('track.event', 'needs the event name');
      if (properties != null && !isPlainObject(properties)) report('track.properties', 'must be a JSON object');
      steps.push({ kind: 'track', at, event: event ?? '', properties: isPlainObject(properties) ? properties : {} });
    } else if (action === 'identify') {
      const { traits } = entry.identify!;
      if (!isPlainObject(traits)) report('identify.traits', 'must be a JSON object');
      steps.push({ kind: 'identify', at, traits: isPlainObject(traits) ? traits : {} });
    } else {
      steps.push({ kind: 'advanceTo', at });
    }
  });
  return { steps, problems };
}

/** Runs a script read by `readScript`. */
export function runScript(simulation: JourneySimulation, steps: readonly ScriptStep[]): void {
  for (const step of steps) {
    if (step.kind === 'track') simulation.track({ event: step.event, properties: step.properties }, step.at);
    else if (step.kind === 'identify') simulation.identify(step.traits, step.at);
    else simulation.advanceTo(step.at);
  }
}

/** A branch an instance took (or a hold it left), and why. */
export interface Decision {
  instanceId: string;
  at: string;
  stepKey: string;
  stepType: string;
  branch: string;
  reason: string;
}

/** The decisions in a timeline: every BRANCH_TAKEN, HOLD_MATCHED and HOLD_TIMED_OUT record, with the rule that took it. */
export function decisionsOf(definition: JourneyDefinition, timeline: readonly SimulatedRecord[]): Decision[] {
  const decisions: Decision[] = [];
  for (const record of timeline) {
    if (record.stepKey === null) continue;
    const step = findStep(definition, record.stepKey);
    const stepType = step?.type ?? 'UNKNOWN';
    const branch = String(record.detail?.branch ?? 'timeout');
    const base = { instanceId: record.instanceId, at: record.at, stepKey: record.stepKey, stepType, branch };
    if (record.type === 'HOLD_MATCHED') decisions.push({ ...base, reason: `event ${quote(record.detail?.event)} matched branch ${quote(branch)}` });
    else if (record.type === 'HOLD_TIMED_OUT') decisions.push({ ...base, reason: `no branch event within ${record.detail?.maxDuration}` });
    else if (record.type === 'BRANCH_TAKEN') decisions.push({ ...base, reason: branchReason(stepType, branch) });
  }
  return decisions;
}

function branchReason(stepType: string, branch: string): string {
  switch (stepType) {
    case 'SPLIT':
      return branch === 'true' ? 'the condition held' : 'the condition did not hold';
    case 'MULTI_BRANCH':
      return branch === 'else' ? "no branch's condition held" : `branch ${quote(branch)} was the first whose condition held`;
    case 'RANDOM_SPLIT':
      return `drawn by weight from the instance id (the same branch on every visit)`;
    case 'WAIT_FOR_CONDITION':
      return branch === 'met' ? 'the condition held' : 'the condition did not hold before maxDuration';
    default:
      return `branch ${quote(branch)}`;
  }
}

/** Offsets may be zero (`PT0S`), which journey durations may not. */
function offsetMs(text: string): number | null {
  if (typeof text !== 'string' || !text.startsWith('P')) return null;
  try {
    const ms = Math.round(toSeconds(parse(text)) * 1000);
    return Number.isFinite(ms) && ms >= 0 ? ms : null;
  } catch {
    return null;
  }
}
