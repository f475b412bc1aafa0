import { stringify } from 'yaml';
import { ItineraApi } from './itinera-api';
import type { AudienceSpec, DestinationSpec, JourneySpec, Resource } from './resource-files';
import { isObject } from './resource-files';
import { lineDiff } from './text-diff';
import { canonical, journeyAsSpec, journeySpecForComparison, WorkspaceState } from './workspace-state';

/** `version`: a live journey whose file changes more than it may change in place gets a new published version. */
export type ChangeAction = 'create' | 'update' | 'publish' | 'version' | 'unchanged' | 'refused';

export interface PlannedChange {
  action: ChangeAction;
  resource: Resource;
  /** The stored record's id, when it exists. */
  id?: string;
  /** Lines of a diff from what is stored to what the file says (updates). */
  diff?: string[];
  /** Why a change cannot be made (e.g. audiences cannot change once created). */
  reason?: string;
  /** A journey that is published once created or updated. */
  publish?: boolean;
}

/** What applying the resources would change in the workspace, without changing it. */
export function planChanges(resources: Resource[], state: WorkspaceState): PlannedChange[] {
  const names = {
    destinations: new Map(state.destinations.map((d) => [d.id, d.name])),
    audiences: new Map(state.audiences.map((a) => [a.id, a.name])),
  };
  const order = { destination: 0, audience: 1, journey: 2 };
  return [...resources].sort((a, b) => order[a.kind] - order[b.kind]).map((resource) => {
    switch (resource.kind) {
      case 'destination':
        return planDestination(resource, resource.spec, state);
      case 'audience':
        return planAudience(resource, resource.spec, state);
      case 'journey':
        return planJourney(resource, resource.spec, resource.publish, state, names);
    }
  });
}

function planDestination(resource: Resource, spec: DestinationSpec, state: WorkspaceState): PlannedChange {
  const stored = state.destinations.find((d) => d.name === spec.name);
  if (!stored) return { action: 'create', resource };
  if (stored.plugin !== spec.plugin) return { action: 'refused', resource, id: stored.id, reason: `its plugin is ${stored.plugin}; a destination's plugin cannot change` };
  // Secret settings are never returned, so they cannot be compared: they are sent when something else changes.
  const schema = state.plugins.find((p) => p.name === spec.plugin)?.settingsSchema ?? {};
  const compared = Object.keys(spec.settings).filter((key) => !schema[key]?.secret);
  const before = { enabled: stored.enabled, rateLimit: stored.rateLimit ?? null, settings: Object.fromEntries(compared.map((key) => [key, stored.settings[key]])) };
  const after = { enabled: spec.enabled ?? true, rateLimit: spec.rateLimit ?? null, settings: Object.fromEntries(compared.map((key) => [key, spec.settings[key]])) };
  if (sameContent(before, after)) return { action: 'unchanged', resource, id: stored.id };
  return { action: 'update', resource, id: stored.id, diff: lineDiff(stringify(before), stringify(after)) };
}

function planAudience(resource: Resource, spec: AudienceSpec, state: WorkspaceState): PlannedChange {
  const stored = state.audiences.find((a) => a.name === spec.name);
  if (!stored) return { action: 'create', resource };
  const before = canonical(stored.condition);
  const after = canonical(spec.condition);
  if (sameContent(before, after)) return { action: 'unchanged', resource, id: stored.id };
  return {
    action: 'refused',
    resource,
    id: stored.id,
    diff: lineDiff(stringify(before), stringify(after)),
    reason: 'an audience cannot change once created: give the new condition a new name',
  };
}

function planJourney(
  resource: Resource,
  spec: JourneySpec,
  publish: boolean,
  state: WorkspaceState,
  names: { destinations: Map<string, string>; audiences: Map<string, string> },
): PlannedChange {
  const stored = state.journeys.find((j) => j.name === spec.name);
  if (!stored) return { action: 'create', resource, publish };
  const before = journeyAsSpec(stored, names);
  const after = journeySpecForComparison(spec, before);
  // `publish: true` asks for a live journey: it publishes a draft, and leaves a paused or archived one as its operator left it.
  const publishes = publish && stored.status === 'DRAFT';
  if (sameContent(before, after)) return { action: publishes ? 'publish' : 'unchanged', resource, id: stored.id, publish: publishes };
  const diff = lineDiff(stringify(before), stringify(after));
  if (stored.status === 'ARCHIVED') return { action: 'refused', resource, id: stored.id, diff, reason: 'the journey is archived: give the file a new name' };
  if (stored.status !== 'DRAFT' && stored.draftVersion != null) {
    const reason = `version ${stored.draftVersion} is open as a draft in the workspace: publish or discard it first`;
    return { action: 'refused', resource, id: stored.id, diff, reason };
  }
  if (stored.status !== 'DRAFT' && !sameContent(frozenParts(before), frozenParts(after))) {
    // In-flight instances finish on the version they entered; new entries go to the new one.
    return { action: 'version', resource, id: stored.id, diff, reason: `publishes version ${stored.version + 1}; running instances finish on theirs` };
  }
  return { action: 'update', resource, id: stored.id, diff, publish: publishes };
}

/** What a published journey cannot change (SPEC 3.2): everything but its description and its send steps' settings. */
function frozenParts(spec: JourneySpec): unknown {
  const { description: _description, ...rest } = spec as JourneySpec & { description?: unknown };
  return { ...rest, steps: (rest.steps as Record<string, unknown>[]).map((step) => (isObject(step) && step.type === 'SEND' ? { ...step, send: undefined } : step)) };
}

/** Equal once canonical (keys sorted, defaults dropped); compared as text, whichever realm built the objects. */
const sameContent = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The plan as the CLI prints it: one line per resource, and the diff of each update. */
export function describePlan(plan: PlannedChange[]): string[] {
  const lines: string[] = [];
  for (const change of plan) {
    const what = `${change.resource.kind} "${change.resource.name}"`;
    const publish = change.publish && change.action !== 'publish' ? ' and publish' : '';
    lines.push(`${SYMBOL[change.action]} ${change.action}${publish} ${what}${change.reason ? `: ${change.reason}` : ''}  (${change.resource.file})`);
    for (const line of change.diff ?? []) lines.push(`    ${line}`);
  }
  return lines;
}

const PAST: Record<ChangeAction, string> = {
  create: 'created',
  update: 'updated',
  publish: 'published',
  version: 'published a new version of',
  unchanged: 'unchanged',
  refused: 'refused',
};
const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', publish: '^', version: '>', unchanged: '=', refused: '!' };

export const changesIn = (plan: PlannedChange[]) => plan.filter((c) => c.action !== 'unchanged' && c.action !== 'refused');

/**
 * Makes the planned changes in order (destinations, audiences, journeys), resolving `$name` references
 * to the ids of what exists or was just created. Stops at the first refusal, saying what it was.
 */
export async function executePlan(api: ItineraApi, plan: PlannedChange[], state: WorkspaceState, log: (line: string) => void): Promise<void> {
  const destinationIds = new Map(state.destinations.map((d) => [d.name, d.id]));
  const audienceIds = new Map(state.audiences.map((a) => [a.name, a.id]));
  for (const change of plan) {
    const { resource } = change;
    const what = `${resource.kind} "${resource.name}"`;
    try {
      if (resource.kind === 'destination' && (change.action === 'create' || change.action === 'update')) {
        const { name, plugin, settings, enabled, rateLimit } = resource.spec;
        const input = { name, plugin, settings, enabled: enabled ?? true, rateLimit: rateLimit ?? null };
        const result = change.id
          ? await api.request(`mutation ($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) { id } }`, { id: change.id, input })
          : await api.request(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, { input });
        destinationIds.set(resource.name, (result.updateDestination ?? result.createDestination).id);
      } else if (resource.kind === 'audience' && change.action === 'create') {
        const { createAudience } = await api.request(`mutation ($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
          input: { name: resource.spec.name, condition: resource.spec.condition },
        });
        audienceIds.set(resource.name, createAudience.id);
      } else if (resource.kind === 'journey' && change.action !== 'unchanged' && change.action !== 'refused') {
        const input = resolveReferences(resource.spec, destinationIds, audienceIds);
        let id = change.id;
        if (change.action === 'create') {
          id = (await api.request(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input })).createJourney.id;
        } else if (change.action === 'update') {
          await api.request(`mutation ($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { id } }`, { id, input });
        } else if (change.action === 'version') {
          await publishNewVersion(api, id!, input);
        }
        if (change.publish) await api.request(`mutation ($id: ID!) { publishJourney(id: $id) { id } }`, { id });
      } else {
        continue;
      }
      log(`${SYMBOL[change.action]} ${PAST[change.action]}${change.publish && change.action !== 'publish' ? ' and published' : ''} ${what}`);
    } catch (error) {
      throw new Error(`${what} (${resource.file}) was refused:\n  ${(error as Error).message}`);
    }
  }
}

/** `$name` in a send step's destinationId or a trigger's audience ids becomes the id of that name. */
export function resolveReferences(spec: JourneySpec, destinations: Map<string, string>, audiences: Map<string, string>): JourneySpec {
  const input = JSON.parse(JSON.stringify(spec)) as JourneySpec & { trigger?: Record<string, unknown>; steps: Record<string, unknown>[] };
  const resolve = (map: Map<string, string>, kind: string, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith('$')) return value;
    const id = map.get(value.slice(1));
    if (!id) throw new Error(`no ${kind} named "${value.slice(1)}" (referenced as ${value})`);
    return id;
  };
  if (isObject(input.trigger)) {
    for (const field of ['audienceId', 'audienceFilterId']) if (field in input.trigger) input.trigger[field] = resolve(audiences, 'audience', input.trigger[field]);
  }
  for (const step of input.steps) if (isObject(step) && isObject(step.send)) step.send.destinationId = resolve(destinations, 'destination', step.send.destinationId);
  return input;
}

/** Opens a draft version, sets it to the file's journey and publishes it; a refused one is discarded, leaving the journey as it was. */
async function publishNewVersion(api: ItineraApi, id: string, input: unknown): Promise<void> {
  await api.request(`mutation ($id: ID!) { createJourneyVersion(id: $id) { id } }`, { id });
  try {
    await api.request(`mutation ($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { id } }`, { id, input });
    await api.request(`mutation ($id: ID!) { publishJourneyVersion(id: $id) { id } }`, { id });
  } catch (error) {
    await api.request(`mutation ($id: ID!) { discardJourneyVersion(id: $id) { id } }`, { id }).catch(() => undefined);
    throw error;
  }
}
