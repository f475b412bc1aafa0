import Module from 'node:module';
import path from 'node:path';
import { KIT_PACKAGE } from '@itinera/plugin-kit';

/**
 * Plugins in ITINERA_PLUGIN_PATHS live outside this repository, where Node would not find
 * `@itinera/plugin-kit` (or would find a copy of their own). Every import of the kit from inside those
 * directories resolves to the copy this process runs: one kit per process, so its errors, address policy
 * and version are the ones Itinera checks (the plugin's `kitVersion` says whether it fits).
 */
const exposedTo = new Set<string>();
let installed = false;

type Resolve = (request: string, parent: NodeModule | undefined, ...rest: unknown[]) => string;

export function exposeKitTo(directories: string[]): void {
  for (const directory of directories) exposedTo.add(path.resolve(directory) + path.sep);
  if (installed) return;
  installed = true;
  const internals = Module as unknown as { _resolveFilename: Resolve };
  const original = internals._resolveFilename;
  internals._resolveFilename = function resolveKit(request, parent, ...rest) {
    if (isKitRequest(request) && parent?.filename && isExposed(parent.filename)) return require.resolve(request);
    return original.call(this, request, parent, ...rest);
  };
}

function isKitRequest(request: string): boolean {
  return request === KIT_PACKAGE || request.startsWith(`${KIT_PACKAGE}/`);
}

function isExposed(filename: string): boolean {
  for (const directory of exposedTo) if (filename.startsWith(directory)) return true;
  return false;
}
