import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Problem } from '../common/errors';

/** What a file can declare, by name: journeys, destinations and audiences (journeys as code). */
export type Resource =
  | { kind: 'destination'; name: string; file: string; spec: DestinationSpec }
  | { kind: 'audience'; name: string; file: string; spec: AudienceSpec }
  | { kind: 'journey'; name: string; file: string; spec: JourneySpec; publish: boolean };

export interface DestinationSpec {
  name: string;
  plugin: string;
  settings: Record<string, unknown>;
  enabled?: boolean;
  rateLimit?: { max: number; per: 'SECOND' | 'MINUTE' } | null;
}
export interface AudienceSpec {
  name: string;
  condition: unknown;
}
/** A JourneyInput whose references read `$<destination name>` / `$<audience name>` instead of ids. */
export type JourneySpec = Record<string, unknown> & { name: string; steps: unknown[] };

export interface FileProblem extends Problem {
  file: string;
}

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
/** `${NAME}` or `${NAME:-default}`; a bare `$NAME` is a reference by name, not a variable. */
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A folder's `.itineraignore`: names of files and folders in it (one a line, `#` comments) that hold no Itinera resources. */
export const IGNORE_FILE = '.itineraignore';

/**
 * The files a path names: itself, or the JSON and YAML files under a folder (recursively, sorted),
 * less what a folder's `.itineraignore` lists (e.g. examples/ keeps a Grafana dashboard beside its journeys).
 */
export function resourceFilesAt(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  const ignored = ignoredNames(target);
  return readdirSync(target, { withFileTypes: true })
    .filter((entry) => !ignored.has(entry.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      if (entry.isDirectory()) return resourceFilesAt(full);
      return EXTENSIONS.has(path.extname(entry.name)) ? [full] : [];
    });
}

function ignoredNames(folder: string): Set<string> {
  const file = path.join(folder, IGNORE_FILE);
  if (!existsSync(file)) return new Set();
  const lines = readFileSync(file, 'utf8').split('\n').map((line) => line.replace(/#.*/, '').trim().replace(/\/$/, ''));
  return new Set(lines.filter(Boolean));
}

/** Replaces `${NAME}` with the environment's value, `${NAME:-default}` with the default when unset. */
export function substituteEnvironment(text: string, env: NodeJS.ProcessEnv, report: (message: string) => void): string {
  return text.replace(VARIABLE, (_, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    report(`environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    return '';
  });
}

/** Reads every resource the paths declare, with every problem found, each with its file. */
export function readResources(targets: string[], env: NodeJS.ProcessEnv): { resources: Resource[]; problems: FileProblem[] } {
  const resources: Resource[] = [];
  const problems: FileProblem[] = [];
  for (const target of targets) {
    let files: string[];
    try {
      files = resourceFilesAt(target);
    } catch (error) {
      problems.push({ file: target, path: '', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    for (const file of files) {
      const parsed = parseResourceText(readFileSync(file, 'utf8'), file, env);
      resources.push(...parsed.resources);
      problems.push(...parsed.problems);
    }
  }
  for (const kind of ['destination', 'audience', 'journey'] as const) {
    const seen = new Map<string, string>();
    for (const resource of resources.filter((r) => r.kind === kind)) {
      const first = seen.get(resource.name);
      if (first) problems.push({ file: resource.file, path: 'name', message: `${kind} "${resource.name}" is also declared in ${first}` });
      else seen.set(resource.name, resource.file);
    }
  }
  return { resources, problems };
}

export function parseResourceText(text: string, file: string, env: NodeJS.ProcessEnv): { resources: Resource[]; problems: FileProblem[] } {
  const problems: FileProblem[] = [];
  const report = (where: string, message: string) => problems.push({ file, path: where, message });
  const substituted = substituteEnvironment(text, env, (message) => report('', message));
  const resources: Resource[] = [];
  const documents = parseAllDocuments(substituted);
  for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    for (const error of document.errors) report(documents.length > 1 ? `document ${index + 1}` : '', `syntax: ${error.message.split('\n')[0]}`);
    if (document.errors.length) continue;
    const value = document.toJS();
    if (value === null || value === undefined) continue;
    resources.push(...resourcesOf(value, file, report));
  }
  return { resources, problems };
}

function resourcesOf(value: unknown, file: string, report: (where: string, message: string) => void): Resource[] {
  if (!isObject(value)) {
    report('', 'expected an object: a journey, { kind: ... }, { audience, journey }, or lists of destinations, audiences and journeys');
    return [];
  }
  if (['destinations', 'audiences', 'journeys'].some((key) => key in value)) {
    const listed: Resource[] = [];
    for (const [key, kind] of [['destinations', 'Destination'], ['audiences', 'Audience'], ['journeys', 'Journey']] as const) {
      const items = value[key];
      if (items === undefined) continue;
      if (!Array.isArray(items)) report(key, 'must be a list');
      else items.forEach((item, i) => listed.push(...one(item, kind, `${key}[${i}]`, file, report)));
    }
    return listed;
  }
  if (isObject(value.journey) && (isObject(value.audience) || typeof value.audienceName === 'string')) {
    // An audience journey beside its audience (examples/audiences/): "$AUDIENCE" names the audience of the
    // same file, or the one `audienceName` names (a journey on another file's audience).
    const audience = isObject(value.audience) ? one(value.audience, 'Audience', 'audience', file, report) : [];
    const audienceName = isObject(value.audience) ? value.audience.name : value.audienceName;
    const reference = typeof audienceName === 'string' ? `$${audienceName}` : '$AUDIENCE';
    const journey = JSON.parse(JSON.stringify(value.journey).replaceAll('"$AUDIENCE"', JSON.stringify(reference)));
    return [...audience, ...one(journey, 'Journey', 'journey', file, report)];
  }
  if (typeof value.kind === 'string') return one(value, value.kind, '', file, report);
  if ('steps' in value || 'trigger' in value) return one(value, 'Journey', '', file, report);
  report('', 'not a journey, destination or audience: give it a `kind` (Journey, Destination or Audience)');
  return [];
}

function one(item: unknown, kind: string, where: string, file: string, report: (where: string, message: string) => void): Resource[] {
  const at = (field: string) => (where ? `${where}.${field}` : field);
  if (!isObject(item)) {
    report(where, 'must be an object');
    return [];
  }
  const { kind: _kind, ...spec } = item;
  if (typeof spec.name !== 'string' || spec.name.trim() === '') {
    report(at('name'), 'a name is required: resources are matched by name');
    return [];
  }
  const name = spec.name;
  switch (kind.toLowerCase()) {
    case 'destination':
      if (typeof spec.plugin !== 'string') report(at('plugin'), 'a plugin name is required');
      if (!isObject(spec.settings)) report(at('settings'), 'settings must be an object');
      return typeof spec.plugin === 'string' && isObject(spec.settings) ? [{ kind: 'destination', name, file, spec: spec as unknown as DestinationSpec }] : [];
    case 'audience':
      if (!isObject(spec.condition)) report(at('condition'), 'a condition is required');
      return isObject(spec.condition) ? [{ kind: 'audience', name, file, spec: spec as unknown as AudienceSpec }] : [];
    case 'journey': {
      const { publish, ...journey } = spec;
      if (publish !== undefined && typeof publish !== 'boolean') report(at('publish'), 'must be true or false');
      if (!Array.isArray(journey.steps)) report(at('steps'), 'a list of steps is required');
      return Array.isArray(journey.steps) ? [{ kind: 'journey', name, file, spec: journey as JourneySpec, publish: publish === true }] : [];
    }
    default:
      report(at('kind'), `unknown kind "${kind}": Journey, Destination or Audience`);
      return [];
  }
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
