import path from 'node:path';
import { findViolations, importsOf, RULES } from '../../tools/check-boundaries';

const root = path.resolve(__dirname, '..', '..');
const [engine, plugins, kit] = RULES;

describe('import boundaries (npm run check:boundaries, run by .ci/run)', () => {
  it('holds for the code as it is', () => {
    expect(findViolations(root)).toEqual([]);
  });

  it('keeps the engine to itself and pure libraries', () => {
    expect(engine.allows('./steps/registry', 'src/engine/advance-instance.ts', root)).toBe(true);
    expect(engine.allows('../definition', 'src/engine/steps/wait.ts', root)).toBe(true);
    expect(engine.allows('iso8601-duration', 'src/engine/duration.ts', root)).toBe(true);
    expect(engine.allows('../journeys/journey-definition', 'src/engine/condition.ts', root)).toBe(false);
    expect(engine.allows('../../common/errors', 'src/engine/steps/send.ts', root)).toBe(false);
    expect(engine.allows('typeorm', 'src/engine/apply-event.ts', root)).toBe(false);
    expect(engine.allows('@nestjs/common', 'src/engine/apply-event.ts', root)).toBe(false);
    expect(engine.allows('fast-check', 'src/engine/apply-event.ts', root)).toBe(false);
    expect(engine.allows('fast-check', 'src/engine/filter-rules.spec.ts', root)).toBe(true);
  });

  it('lets plugins reach Itinera only through the plugin kit', () => {
    expect(plugins.allows('@itinera/plugin-kit', 'plugins/webhook/index.ts', root)).toBe(true);
    expect(plugins.allows('@itinera/plugin-kit/testing', 'plugins/webhook/webhook.spec.ts', root)).toBe(true);
    expect(plugins.allows('./index', 'plugins/webhook/webhook.spec.ts', root)).toBe(true);
    expect(plugins.allows('node:crypto', 'plugins/webhook/index.ts', root)).toBe(true);
    expect(plugins.allows('@itinera/plugin-kit/testing', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('@itinera/plugin-kit/host', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('@itinera/plugin-kit/host', 'plugins/webhook/webhook.spec.ts', root)).toBe(false);
    expect(plugins.allows('../../packages/plugin-kit/src', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('../../packages/plugin-kit/src/http', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('../../src/engine', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('../tracking-api', 'plugins/webhook/index.ts', root)).toBe(false);
    expect(plugins.allows('axios', 'plugins/webhook/index.ts', root)).toBe(false);
  });

  it('keeps the plugin kit a package of its own', () => {
    expect(kit.allows('./errors', 'packages/plugin-kit/src/http.ts', root)).toBe(true);
    expect(kit.allows('undici', 'packages/plugin-kit/src/http.ts', root)).toBe(true);
    expect(kit.allows('node:http', 'packages/plugin-kit/src/testing.ts', root)).toBe(true);
    expect(kit.allows('../../../src/common/errors', 'packages/plugin-kit/src/http.ts', root)).toBe(false);
    expect(kit.allows('@nestjs/common', 'packages/plugin-kit/src/http.ts', root)).toBe(false);
  });

  it('counts type-only imports, re-exports and require calls as imports', () => {
    const source = `import type { A } from 'a';\nexport * from './b';\nexport { c } from '../c';\nconst d = require('d');\nimport('e');`;
    expect(importsOf(source)).toEqual(['a', './b', '../c', 'd', 'e']);
  });
});
