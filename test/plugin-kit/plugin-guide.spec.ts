import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runJestIn } from './run-jest';

const GUIDE = path.resolve(__dirname, '..', '..', 'plugins', 'README.md');

/** The worked example of plugins/README.md: its `// plugins/acme-crm/<file>` code blocks, by file name. */
function workedExample(): Record<string, string> {
  const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```ts\n(\/\/ plugins\/acme-crm\/([^\n]+)\n[\s\S]*?)```/g)];
  return Object.fromEntries(blocks.map(([, code, file]) => [file, code]));
}

describe('the plugin author’s guide (plugins/README.md)', () => {
  it('has a worked example whose plugin and test run as written', () => {
    const files = workedExample();
    expect(Object.keys(files).sort()).toEqual(['acme-crm.spec.ts', 'index.ts']);
    const folder = path.join(mkdtempSync(path.join(tmpdir(), 'itinera-guide-')), 'acme-crm');
    try {
      mkdirSync(folder);
      for (const [file, code] of Object.entries(files)) writeFileSync(path.join(folder, file), code);
      const tests = runJestIn(folder);
      expect(tests.stderr).toMatch(/Tests:\s+2 passed, 2 total/);
      expect(tests.status).toBe(0);
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
  }, 180_000);
});
