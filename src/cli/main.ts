import { CommandSet, runCommandLine } from './command-line';
import { demoCommand } from './demo-command';
import { emulatorCommand } from './emulator-command';
import { failuresCommand } from './failures-command';
import { loadCommand } from './load-command';
import { logsCommand } from './logs-command';
import { messages } from './messages';
import { publishCommand } from './publish-command';
import { reportCommand } from './report-command';
import { stackCommand } from './stack-command';

/** Every command of the dev CLI (bin/sfetl.js); the Glue runner has its own, smaller set (runner-entry.ts). */
const devCli: CommandSet = {
  commands: new Map([
    ['demo', demoCommand],
    ['emulator', emulatorCommand],
    ['failures', failuresCommand],
    ['load', loadCommand],
    ['logs', logsCommand],
    ['publish', publishCommand],
    ['report', reportCommand],
    ['stack', stackCommand],
  ]),
  usage: messages.usage,
  unknown: messages.unknownCommand,
};

/** Runs one `sfetl` command line; returns the exit code. */
export async function run(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  return runCommandLine(devCli, argv, out);
}
