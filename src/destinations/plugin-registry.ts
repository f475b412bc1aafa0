import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { KIT_PACKAGE, KIT_VERSION, type ActionDefinition, type DestinationDefinition } from '@itinera/plugin-kit';
import semver from 'semver';
import { exposeKitTo } from './kit-resolution';

/** `<repo>/plugins` from `src/destinations` (and `dist/plugins` from `dist/src/destinations`). */
export const BUILT_IN_PLUGINS_DIR = path.resolve(__dirname, '..', '..', 'plugins');

/** A plugin folder that was skipped at start, and why. */
export interface PluginLoadProblem {
  folder: string;
  reason: string;
}

const ENTRY_FILES = ['index.ts', 'index.js'];
/** Settings and action fields share one specification (`FieldSpec`), so one list of types. */
const FIELD_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'datetime']);

/**
 * The destination plugins this process can deliver through, by name. Loading never throws: a folder that
 * fails to import or exports something that is not a destination definition is recorded in `problems`
 * (and reported through `onProblem`) and skipped, so one broken plugin cannot keep the server down.
 */
export class PluginRegistry {
  private readonly byName = new Map<string, DestinationDefinition>();
  readonly problems: PluginLoadProblem[] = [];

  /**
   * Registers every plugin folder (a folder with an `index.ts` or `index.js`) inside each of `directories`,
   * in order: on a duplicate name the first one wins.
   */
  static loadFrom(directories: string[], onProblem: (problem: PluginLoadProblem) => void = () => undefined): PluginRegistry {
    const registry = new PluginRegistry();
    const report = (problem: PluginLoadProblem) => {
      registry.problems.push(problem);
      onProblem(problem);
    };
    exposeKitTo(directories);
    for (const directory of directories) {
      for (const folder of pluginFolders(directory, report)) registry.loadFolder(folder, report);
    }
    return registry;
  }

  /** Registers an already loaded definition; returns why it was refused, if it was. */
  register(definition: unknown): string | undefined {
    const reasons = destinationDefinitionProblems(definition);
    if (reasons.length > 0) return `not a valid destination definition: ${reasons.join('; ')}`;
    const plugin = definition as DestinationDefinition;
    const incompatible = kitVersionProblem(plugin.kitVersion);
    if (incompatible) return `plugin "${plugin.name}" ${incompatible}`;
    if (this.byName.has(plugin.name)) return `a plugin named "${plugin.name}" is already registered`;
    this.byName.set(plugin.name, plugin);
    return undefined;
  }

  get(name: string): DestinationDefinition | undefined {
    return this.byName.get(name);
  }

  /** The action `actionName` of plugin `name`, if both exist (own properties only: `toString` is no action). */
  action(name: string, actionName: string): ActionDefinition | undefined {
    const plugin = this.byName.get(name);
    return plugin && Object.hasOwn(plugin.actions, actionName) ? plugin.actions[actionName] : undefined;
  }

  /** Sorted by name, so the admin API lists them in a stable order. */
  list(): DestinationDefinition[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private loadFolder(folder: string, report: (problem: PluginLoadProblem) => void): void {
    let exported: unknown;
    try {
      // require, not import(): ts-node (and jest) hook require, so a plugin written in TypeScript loads as is.
      exported = require(folder);
    } catch (error) {
      report({ folder, reason: `failed to load: ${errorMessage(error)}${typeScriptHint(folder, error)}` });
      return;
    }
    let refused: string | undefined;
    try {
      refused = this.register(defaultExport(exported));
    } catch (error) {
      // A getter on the exported object may throw while it is checked; that plugin is as broken as one that throws on load.
      refused = `failed to read its definition: ${errorMessage(error)}`;
    }
    if (refused) report({ folder, reason: refused });
  }
}

/** The plugin folders inside `directory`, sorted; a directory that cannot be read is a problem of its own. */
function pluginFolders(directory: string, report: (problem: PluginLoadProblem) => void): string[] {
  const absolute = path.resolve(directory);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    report({ folder: absolute, reason: 'is not a directory (plugin paths name directories that hold plugin folders)' });
    return [];
  }
  try {
    return readdirSync(absolute, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && ENTRY_FILES.some((file) => existsSync(path.join(absolute, entry.name, file))))
      .map((entry) => path.join(absolute, entry.name))
      .sort();
  } catch (error) {
    report({ folder: absolute, reason: `cannot be read: ${errorMessage(error)}` });
    return [];
  }
}

/** `export default x` compiles to `exports.default = x`; `module.exports = x` is x itself. */
function defaultExport(exported: unknown): unknown {
  if (exported !== null && typeof exported === 'object' && 'default' in exported) return (exported as { default: unknown }).default;
  return exported;
}

/**
 * Every reason `value` is not a usable destination definition, checked before the first delivery rather
 * than discovered by it: a name, a display name, settings with known types, and at least one action,
 * each with a title, fields with known types and a `perform` function.
 */
export function destinationDefinitionProblems(value: unknown): string[] {
  if (!isObject(value)) return [`the default export must be an object (use defineDestination), got ${kindOf(value)}`];
  const problems: string[] = [];
  if (typeof value.name !== 'string' || value.name.trim() === '') problems.push('name must be a non-empty string');
  if (typeof value.displayName !== 'string' || value.displayName.trim() === '') problems.push('displayName must be a non-empty string');

  if (!isObject(value.settings)) {
    problems.push('settings must be an object of setting declarations (it may be empty)');
  } else {
    for (const [key, setting] of Object.entries(value.settings)) {
      if (!isObject(setting) || !FIELD_TYPES.has(setting.type as string)) {
        problems.push(`settings.${key}.type must be one of ${[...FIELD_TYPES].join(', ')}`);
      }
    }
  }

  if (!isObject(value.actions) || Object.keys(value.actions).length === 0) {
    problems.push('actions must be an object with at least one action');
    return problems;
  }
  for (const [name, action] of Object.entries(value.actions)) {
    if (!isObject(action)) {
      problems.push(`actions.${name} must be an object`);
      continue;
    }
    if (typeof action.title !== 'string' || action.title === '') problems.push(`actions.${name}.title must be a non-empty string`);
    if (typeof action.perform !== 'function') problems.push(`actions.${name}.perform must be a function`);
    if (!isObject(action.fields)) {
      problems.push(`actions.${name}.fields must be an object of field declarations`);
      continue;
    }
    for (const [field, declaration] of Object.entries(action.fields)) {
      if (!isObject(declaration) || !FIELD_TYPES.has(declaration.type as string)) {
        problems.push(`actions.${name}.fields.${field}.type must be one of ${[...FIELD_TYPES].join(', ')}`);
      }
    }
  }
  return problems;
}

/** Why a plugin declaring `range` cannot run on this kit, or undefined when it can. */
export function kitVersionProblem(range: unknown, kitVersion = KIT_VERSION): string | undefined {
  const fix = `declare the kit versions it was written for, e.g. kitVersion: '^${semver.major(kitVersion)}.0.0'`;
  if (range === undefined) return `declares no kitVersion; ${fix}`;
  if (typeof range !== 'string' || semver.validRange(range) === null) return `has kitVersion ${JSON.stringify(range)}, which is not a semver range; ${fix}`;
  if (semver.satisfies(kitVersion, range, { includePrerelease: true })) return undefined;
  return (
    `works with ${KIT_PACKAGE} ${range}, but this Itinera provides ${KIT_PACKAGE} ${kitVersion}; ` +
    `use a version of the plugin written for ${KIT_PACKAGE} ${semver.major(kitVersion)}.x`
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Compiled Itinera (`npm run start:prod`) runs plain Node, which cannot find a folder holding only `index.ts`. */
function typeScriptHint(folder: string, error: unknown): string {
  const onlyTypeScript = existsSync(path.join(folder, 'index.ts')) && !existsSync(path.join(folder, 'index.js'));
  const folderNotFound = (error as { code?: string } | null)?.code === 'MODULE_NOT_FOUND' && errorMessage(error).includes(`'${folder}'`);
  return onlyTypeScript && folderNotFound ? '; this process runs compiled JavaScript: compile the plugin to index.js, or start Itinera with `npm start`' : '';
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's "Cannot find module" message lists the whole require stack; its first line says it all.
  return message.split('\n')[0];
}
