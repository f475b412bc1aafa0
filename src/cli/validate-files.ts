import { validateAudienceInput } from '../audiences/audience-validation';
import { BUILT_IN_PLUGINS_DIR, PluginRegistry } from '../destinations/plugin-registry';
import { DEFAULT_JOURNEY_LIMITS } from '../journeys/journey-limits';
import { DestinationSummary, validateJourneyInput } from '../journeys/journey-validation';
import { validateSettings } from '@itinera/plugin-kit';
import { resolveReferences } from './apply-plan';
import type { FileProblem, Resource } from './resource-files';

/** Destinations and audiences that exist outside the files (in the workspace, when a server is given). */
export interface KnownElsewhere {
  destinations: Map<string, string>; // name → plugin
  audiences: Set<string>;
}

/**
 * Every problem of the files, found without changing anything and without a server: each journey is
 * checked as publishing would check it, with `$name` references resolved against the files (and what
 * `known` adds), each destination's settings against its plugin, each audience's condition.
 */
export function validateResources(resources: Resource[], known: KnownElsewhere = { destinations: new Map(), audiences: new Set() }, pluginDirs: string[] = []): FileProblem[] {
  const plugins = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR, ...pluginDirs]);
  const problems: FileProblem[] = [];
  const pluginOf = new Map(known.destinations);
  const audienceNames = new Set(known.audiences);
  for (const resource of resources) {
    if (resource.kind === 'destination') {
      pluginOf.set(resource.name, resource.spec.plugin);
      const plugin = plugins.get(resource.spec.plugin);
      if (!plugin) {
        problems.push({ file: resource.file, path: 'plugin', message: `no plugin named "${resource.spec.plugin}" (known: ${plugins.list().map((p) => p.name).join(', ')})` });
        continue;
      }
      for (const problem of validateSettings(plugin.settings, resource.spec.settings)) {
        problems.push({ file: resource.file, path: `destination "${resource.name}".${problem.path}`, message: problem.message });
      }
    } else if (resource.kind === 'audience') {
      audienceNames.add(resource.name);
      for (const problem of validateAudienceInput(resource.spec as never).problems) {
        problems.push({ file: resource.file, path: `audience "${resource.name}".${problem.path}`, message: problem.message });
      }
    }
  }

  // Stand-in ids for names, so the journey validation sees references it can check.
  const destinationIds = new Map([...pluginOf.keys()].map((name, i) => [name, standInId(1, i)]));
  const audienceIds = new Map([...audienceNames].map((name, i) => [name, standInId(2, i)]));
  const summaries = new Map<string, DestinationSummary>();
  for (const [name, pluginName] of pluginOf) {
    const plugin = plugins.get(pluginName);
    if (plugin) summaries.set(destinationIds.get(name)!, { plugin: plugin.name, actions: new Map(Object.entries(plugin.actions).map(([n, a]) => [n, { fields: a.fields }])) });
  }
  for (const resource of resources) {
    if (resource.kind !== 'journey') continue;
    const at = (path: string) => `journey "${resource.name}"${path ? `.${path}` : ''}`;
    let input;
    try {
      input = resolveReferences(resource.spec, destinationIds, audienceIds);
    } catch (error) {
      problems.push({ file: resource.file, path: at(''), message: `${(error as Error).message}: declare it in these files` });
      continue;
    }
    const { problems: found } = validateJourneyInput(input as never, {
      limits: DEFAULT_JOURNEY_LIMITS,
      destinations: summaries,
      audienceIds: new Set(audienceIds.values()),
    });
    for (const problem of found) problems.push({ file: resource.file, path: at(problem.path), message: problem.message });
  }
  return problems;
}

const standInId = (kind: number, index: number) => `00000000-0000-4000-800${kind}-${String(index).padStart(12, '0')}`;
