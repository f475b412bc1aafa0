'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

/**
 * The module behind one entry of the kit (`index`, `testing`, `host`). A process that can run TypeScript
 * (ts-node registers `.ts`: `npm start`, the CLI, the test harness) runs the source, so an edit to the kit
 * needs no build; compiled Itinera (`npm run start:prod`) and a published copy run `dist/` (`npm run build`).
 */
module.exports = function kitEntry(name) {
  const source = path.join(__dirname, 'src', `${name}.ts`);
  if (require.extensions['.ts'] && existsSync(source)) return source;
  const compiled = path.join(__dirname, 'dist', `${name}.js`);
  if (existsSync(compiled)) return compiled;
  throw new Error(`@itinera/plugin-kit is not built: ${compiled} is missing; run \`npm run build\` (or run under ts-node)`);
};
