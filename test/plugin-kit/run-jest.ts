import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Jest as a plugin author runs it on a plugin folder outside the repository: ts-jest, the kit by its package name. */
export function runJestIn(folder: string) {
  const config = {
    rootDir: folder,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': [require.resolve('ts-jest'), { tsconfig: path.join(ROOT, 'tsconfig.json'), diagnostics: false }] },
    moduleNameMapper: {
      '^@itinera/plugin-kit$': path.join(ROOT, 'packages/plugin-kit/src/index.ts'),
      '^@itinera/plugin-kit/(testing)$': path.join(ROOT, 'packages/plugin-kit/src/$1.ts'),
    },
  };
  return spawnSync(process.execPath, [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--ci', '--colors=false'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
}
