import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPlugin } from '../../tools/create-plugin';
import { runJestIn } from './run-jest';

const ROOT = path.resolve(__dirname, '..', '..');

describe('npm run create-plugin', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'itinera-create-plugin-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('scaffolds a definition, a test and a README, and the generated test passes as generated', () => {
    const created = spawnSync('npm', ['run', '--silent', 'create-plugin', '--', 'acme-crm', '--dir', parent], { cwd: ROOT, encoding: 'utf8' });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const folder = path.join(parent, 'acme-crm');
    expect(readdirSync(folder).sort()).toEqual(['README.md', 'acme-crm.spec.ts', 'index.ts']);
    const definition = readFileSync(path.join(folder, 'index.ts'), 'utf8');
    expect(definition).toContain("from '@itinera/plugin-kit'");
    expect(definition).toContain("kitVersion: '^2.0.0'");
    expect(readFileSync(path.join(folder, 'acme-crm.spec.ts'), 'utf8')).toContain("from '@itinera/plugin-kit/testing'");

    const tests = runJestIn(folder);
    expect(tests.stderr).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(tests.status).toBe(0);
  }, 180_000);

  it('refuses a name that is not lower-case words joined by hyphens, and a folder that exists', () => {
    expect(() => createPlugin('Acme CRM', parent)).toThrow('plugin name "Acme CRM" must be lower-case words joined by hyphens, e.g. my-crm');
    createPlugin('acme', parent);
    expect(() => createPlugin('acme', parent)).toThrow(`${path.join(parent, 'acme')} already exists; choose another name or remove it`);
  });
});
