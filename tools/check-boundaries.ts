/**
 * The architecture's import rules, checked in CI (`npm run check:boundaries`):
 * - `src/engine/` is the journey language and its semantics as pure functions: it imports only its own
 *   files and a few pure libraries, never the database, the queue, NestJS or another module.
 * - `plugins/` are written against the public plugin kit only (the `@itinera/plugin-kit` package, and
 *   `@itinera/plugin-kit/testing` in specs), so Itinera's internals can change without breaking them.
 * - The kit (`packages/plugin-kit`) is a package of its own: it imports only its own files, node: built-ins
 *   and its declared dependencies, never Itinera's `src/`.
 * Type-only imports and re-exports count too: they couple the code all the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface BoundaryRule {
  /** Folder the rule applies to, relative to the repository root. */
  folder: string;
  /** Whether a file may import `specifier`, which it names from `file` (both relative to the root). */
  allows(specifier: string, file: string, root: string): boolean;
  /** What the rule is, for the report. */
  says: string;
}

const ENGINE_LIBRARIES = ['iso8601-duration', 'node:crypto'];
/** Test-only libraries a spec may use on top. */
const SPEC_LIBRARIES = ['fast-check'];
/** The plugin kit's package name; plugins import it by name, never by a path into the repository. */
const KIT = '@itinera/plugin-kit';
/** What the kit's package.json declares as dependencies. */
const KIT_LIBRARIES = ['undici'];

export const RULES: BoundaryRule[] = [
  {
    folder: 'src/engine',
    says: `src/engine imports only src/engine and pure libraries (${ENGINE_LIBRARIES.join(', ')})`,
    allows: (specifier, file, root) =>
      isRelative(specifier)
        ? isInside(resolveFrom(file, specifier, root), path.join(root, 'src/engine'))
        : ENGINE_LIBRARIES.includes(specifier) || (isSpec(file) && SPEC_LIBRARIES.includes(specifier)),
  },
  {
    folder: 'plugins',
    says: 'a plugin imports only @itinera/plugin-kit (and @itinera/plugin-kit/testing in its specs), its own files and node: built-ins',
    allows: (specifier, file, root) => {
      if (specifier.startsWith('node:') || specifier === KIT) return true;
      if (!isRelative(specifier)) return isSpec(file) && (specifier === `${KIT}/testing` || SPEC_LIBRARIES.includes(specifier));
      return isInside(resolveFrom(file, specifier, root), path.join(root, path.dirname(file)));
    },
  },
  {
    folder: 'packages/plugin-kit/src',
    says: `the plugin kit imports only its own files, node: built-ins and its dependencies (${KIT_LIBRARIES.join(', ')})`,
    allows: (specifier, file, root) =>
      isRelative(specifier)
        ? isInside(resolveFrom(file, specifier, root), path.join(root, 'packages/plugin-kit'))
        : specifier.startsWith('node:') || KIT_LIBRARIES.includes(specifier),
  },
];

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

/** Every import that breaks a rule, in files under `root`. */
export function findViolations(root: string, rules: BoundaryRule[] = RULES): Violation[] {
  return rules.flatMap((rule) =>
    typeScriptFiles(path.join(root, rule.folder)).flatMap((absolute) => {
      const file = path.relative(root, absolute);
      return importsOf(readFileSync(absolute, 'utf8'))
        .filter((specifier) => !rule.allows(specifier, file, root))
        .map((specifier) => ({ file, specifier, rule: rule.says }));
    }),
  );
}

/** Module specifiers of imports, re-exports, `import()` and `require()` calls. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((imported) => imported.fileName);
}

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function resolveFrom(file: string, specifier: string, root: string): string {
  return path.resolve(root, path.dirname(file), specifier).replace(/(\/index)?(\.ts)?$/, '');
}

function isInside(target: string, folder: string): boolean {
  return target === folder || target.startsWith(`${folder}${path.sep}`);
}

const isRelative = (specifier: string) => specifier.startsWith('.');
const isSpec = (file: string) => /\.(spec|e2e-spec|fixture)\.ts$/.test(file);

if (require.main === module) {
  const violations = findViolations(path.resolve(__dirname, '..'));
  for (const { file, specifier, rule } of violations) console.error(`${file}: imports ${JSON.stringify(specifier)}, but ${rule}`);
  if (violations.length > 0) process.exit(1);
  console.log('boundaries: src/engine, plugins and the plugin kit import only what they may');
}
