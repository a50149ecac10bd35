// Entry point of the Glue runner bundle (build-tools/build-runner-bundle.ts, docs/glue.md): only the commands
// Glue runs (`load`, and `logs` for an operator on the same host), compiled ahead of time by esbuild, so the
// runner needs no tsx and no npm install (only DuckDB's native binding sits beside it). It imports no other
// command: the emulator, the local parts, the demo and local-Spark publishing stay out of the bundle
// (test/cli/runner-bundle.test.ts reads esbuild's metafile to prove it).
import { CommandSet, runCommandLine } from './command-line';
import { loadCommand } from './load-command';
import { logsCommand } from './logs-command';
import { messages } from './messages';

const runner: CommandSet = {
  commands: new Map([
    ['load', loadCommand],
    ['logs', logsCommand],
  ]),
  usage: messages.runnerUsage,
  unknown: messages.notInRunner,
};

runCommandLine(runner, process.argv.slice(2), process.stdout).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
