#!/usr/bin/env node
// In a clone the CLI runs from source through tsx, so it never runs stale code; the Glue runner bundle
// (esbuild) replaces this entry point in AWS.
require('tsx/cjs');
require('../src/cli/main.ts')
  .run(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
