import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Browser files served from installed packages, by URL prefix. Only these folders are exposed (not
 * node_modules as a whole), and nothing is fetched from the internet: the console and the explorer
 * work offline.
 */
export const VENDOR_FOLDERS: Record<string, { packageName: string; folder: string }> = {
  '/vendor/graphql-ws': { packageName: 'graphql-ws', folder: 'dist' },
  '/vendor/dagre': { packageName: '@dagrejs/dagre', folder: 'dist' },
  '/vendor/react': { packageName: 'react', folder: 'umd' },
  '/vendor/react-dom': { packageName: 'react-dom', folder: 'umd' },
  '/vendor/graphiql': { packageName: 'graphiql', folder: '.' },
};

export function vendorFolder(packageName: string, folder: string): string {
  return path.join(path.dirname(require.resolve(`${packageName}/package.json`)), folder);
}

/** The console's own files: `console/` at the repository root, from src/console or dist/src/console alike. */
export function consoleRoot(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'console'), path.resolve(__dirname, '..', '..', '..', 'console')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!found) throw new Error(`the console's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}
