#!/usr/bin/env node
// `npx itinera …` from the repository: runs the TypeScript CLI through ts-node, as `npm start` runs the server.
require('ts-node').register({ transpileOnly: true, project: require('node:path').join(__dirname, '..', 'tsconfig.json') });
const { runCli, processIo } = require('../src/cli/itinera-cli');

runCli(process.argv.slice(2), processIo()).then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
