import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { canonical, journeyAsSpec, WorkspaceState } from './workspace-state';

export type FileFormat = 'yaml' | 'json';

/**
 * Writes the workspace as files `apply` takes back: one per journey (references by `$name`,
 * `publish: true` for live ones), plus destinations (without their secret settings) and audiences.
 * Returns the paths written.
 */
export function exportWorkspace(state: WorkspaceState, folder: string, format: FileFormat): string[] {
  mkdirSync(folder, { recursive: true });
  const names = {
    destinations: new Map(state.destinations.map((d) => [d.id, d.name])),
    audiences: new Map(state.audiences.map((a) => [a.id, a.name])),
  };
  const write = (base: string, value: unknown) => {
    const file = path.join(folder, `${base}.${format}`);
    writeFileSync(file, format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
    return file;
  };
  const written: string[] = [];
  if (state.destinations.length || state.audiences.length) {
    written.push(
      write('workspace', {
        destinations: state.destinations.map((d) =>
          canonical({ name: d.name, plugin: d.plugin, enabled: d.enabled, rateLimit: d.rateLimit, settings: { ...d.settings, ...requiredSecrets(state, d.name, d.plugin) } }),
        ),
        audiences: state.audiences.map((a) => canonical({ name: a.name, condition: a.condition })),
      }),
    );
  }
  const used = new Set<string>();
  for (const journey of state.journeys) {
    const live = journey.status === 'PUBLISHED' || journey.status === 'PAUSED';
    const spec = { ...journeyAsSpec(journey, names), ...(live ? { publish: true } : {}) };
    let base = slug(journey.name);
    for (let n = 2; used.has(base); n++) base = `${slug(journey.name)}-${n}`;
    used.add(base);
    written.push(write(`journey-${base}`, spec));
  }
  return written;
}

/**
 * Secret settings are never returned: a required one is written as an environment variable to set
 * before applying (`\${ITINERA_SECRET_<DESTINATION>_<SETTING>}`), so the file says what it needs.
 */
function requiredSecrets(state: WorkspaceState, destination: string, pluginName: string): Record<string, string> {
  const schema = (state.plugins.find((p) => p.name === pluginName)?.settingsSchema ?? {}) as Record<string, { secret?: boolean; required?: boolean }>;
  const variable = (key: string) => `ITINERA_SECRET_${destination}_${key}`.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([, field]) => field.secret && field.required)
      .map(([key]) => [key, `\${${variable(key)}}`]),
  );
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'journey';
