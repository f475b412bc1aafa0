import { ItineraApi } from './itinera-api';
import type { JourneySpec } from './resource-files';
import { isObject } from './resource-files';

/** Every field of a journey that JourneyInput can set, so a stored journey reads back as its file. */
const FILTER = 'path operator values';
const CONDITION = `match filters { ${FILTER} } performed { event filters { ${FILTER} } atLeast atMost within }`;
const MATCH = `event filters { ${FILTER} }`;
export const JOURNEY_FIELDS = `id name description status version draftVersion startStep transactional
  trigger { type event { ${MATCH} } audienceId audienceFilterId useHistoricalData }
  entry { mode uniqueIdentifier cooldown limit { max within } }
  exit { ${MATCH} }
  goal { targetPercent match { ${MATCH} } }
  timeZone quietHours { start end mode timeZoneTrait }
  steps {
    key name type next
    hold { maxDuration timeoutNext branches { key next match { ${MATCH} } } updateEvents { ${MATCH} } }
    wait { duration }
    waitUntil { timeOfDay days timeZoneTrait timestampPath offset }
    waitForCondition { condition { ${CONDITION} } maxDuration timeoutNext }
    split { condition { ${CONDITION} } trueNext falseNext }
    multiBranch { elseNext branches { key next condition { ${CONDITION} } } }
    randomSplit { controlWeight branches { key next weight } }
    send { destinationId action eventName mapping enabled }
  }`;

export interface StoredJourney {
  id: string;
  name: string;
  status: 'DRAFT' | 'PUBLISHED' | 'PAUSED' | 'ARCHIVED';
  version: number;
  draftVersion?: number | null;
  [field: string]: unknown;
}
export interface StoredDestination {
  id: string;
  name: string;
  plugin: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  rateLimit?: { max: number; per: string } | null;
}
export interface StoredAudience {
  id: string;
  name: string;
  condition: unknown;
}
export interface PluginSummary {
  name: string;
  settingsSchema: Record<string, { secret?: boolean; required?: boolean }>;
  actions: { name: string; fields: { name: string; required: boolean; defaultMapping: unknown }[] }[];
}

/** What a workspace holds, read once per command. */
export interface WorkspaceState {
  journeys: StoredJourney[];
  destinations: StoredDestination[];
  audiences: StoredAudience[];
  plugins: PluginSummary[];
}

/** Whole definitions are costly under the API's complexity bound: a page of them stays well within it. */
const JOURNEYS_PER_PAGE = 40;

export async function readWorkspace(api: ItineraApi): Promise<WorkspaceState> {
  const { destinations, audiences, destinationPlugins } = await api.request(`{
    destinations { id name plugin enabled settings rateLimit { max per } }
    audiences { id name condition { ${CONDITION} } }
    destinationPlugins { name settingsSchema actions { name fields { name required defaultMapping } } }
  }`);
  const journeys: StoredJourney[] = [];
  let after: string | null = null;
  do {
    const { journeys: page }: { journeys: { nodes: StoredJourney[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await api.request(
      `query ($after: String) { journeys(first: ${JOURNEYS_PER_PAGE}, after: $after) { nodes { ${JOURNEY_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    journeys.push(...page.nodes);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return { journeys, destinations, audiences, plugins: destinationPlugins };
}

/**
 * The one form files and stored journeys are compared in: no nulls, no empty lists, no values equal to
 * the API's defaults, keys sorted. A file and the journey applied from it are equal in this form.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = canonical(value[key]);
    if (field === null || field === undefined) continue;
    if (Array.isArray(field) && field.length === 0) continue;
    // Entry rules that are all defaults read back as {}: the same as none.
    if (key === 'entry' && isObject(field) && Object.keys(field).length === 0) continue;
    if (isDefault(key, field)) continue;
    result[key] = field;
  }
  return result;
}

const DEFAULTS: Record<string, unknown> = { useHistoricalData: false, transactional: false, enabled: true, match: 'ALL', mode: 'REENTER_EVERY_TIME', timeZoneTrait: 'traits.timezone' };
const isDefault = (key: string, value: unknown) => key in DEFAULTS && DEFAULTS[key] === value;

/** A stored journey as a file declares it: references by `$name`, no id or status. */
export function journeyAsSpec(journey: StoredJourney, names: { destinations: Map<string, string>; audiences: Map<string, string> }): JourneySpec {
  const { id: _id, status: _status, version: _version, draftVersion: _draftVersion, ...input } = journey;
  const byName = (map: Map<string, string>, id: unknown) => (typeof id === 'string' && map.has(id) ? `$${map.get(id)}` : id);
  const spec = JSON.parse(JSON.stringify(input)) as JourneySpec & { trigger?: Record<string, unknown>; steps: { send?: Record<string, unknown> }[] };
  if (isObject(spec.trigger)) {
    spec.trigger.audienceId = byName(names.audiences, spec.trigger.audienceId);
    spec.trigger.audienceFilterId = byName(names.audiences, spec.trigger.audienceFilterId);
  }
  for (const step of spec.steps) if (isObject(step.send)) step.send.destinationId = byName(names.destinations, step.send.destinationId);
  return canonical(spec) as JourneySpec;
}

/**
 * A file's journey in canonical form, with what the API fills in made explicit: the start step, and the
 * keys of steps left without one (taken from the stored journey's step of the same name).
 */
export function journeySpecForComparison(spec: JourneySpec, stored: JourneySpec | undefined): JourneySpec {
  const copy = JSON.parse(JSON.stringify(spec)) as JourneySpec & { steps: { key?: string; name?: string }[]; startStep?: string };
  const storedKeys = new Map((stored?.steps as { key: string; name: string }[] | undefined)?.map((s) => [s.name, s.key]) ?? []);
  for (const step of copy.steps) if (isObject(step) && !step.key && step.name && storedKeys.has(step.name)) step.key = storedKeys.get(step.name);
  if (!copy.startStep && isObject(copy.steps[0]) && copy.steps[0].key) copy.startStep = copy.steps[0].key;
  return canonical(copy) as JourneySpec;
}
