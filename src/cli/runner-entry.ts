// Entry point of the Glue runner bundle (build-tools/build-runner-bundle.ts, docs/glue.md): the same CLI as
// bin/sfetl.js, compiled ahead of time by esbuild, so the runner needs no tsx and no npm install (only DuckDB's
// native binding sits beside it).
import { run } from './main';

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
