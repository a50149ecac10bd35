import { escapeUnprintable, printable } from '../config';
import { demoCommand } from './demo-command';
import { emulatorCommand } from './emulator-command';
import { CliError, ExitCode } from './exit-codes';
import { failuresCommand } from './failures-command';
import { loadCommand } from './load-command';
import { logsCommand } from './logs-command';
import { messages } from './messages';
import { publishCommand } from './publish-command';
import { reportCommand } from './report-command';
import { stackCommand } from './stack-command';

type Command = (argv: readonly string[], out: NodeJS.WritableStream) => Promise<number>;

/** A Map, not an object: `sfetl constructor` must be an unknown command, not Object's constructor. */
const commands = new Map<string, Command>([
  ['demo', demoCommand],
  ['emulator', emulatorCommand],
  ['failures', failuresCommand],
  ['load', loadCommand],
  ['logs', logsCommand],
  ['publish', publishCommand],
  ['report', reportCommand],
  ['stack', stackCommand],
]);

/** Runs one `sfetl` command line; returns the exit code. */
export async function run(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    out.write(`${messages.usage}\n`);
    return name === undefined ? ExitCode.FATAL : ExitCode.OK;
  }
  const command = commands.get(name);
  try {
    if (!command) throw new CliError(messages.unknownCommand(name));
    return await command(rest, out);
  } catch (err) {
    // A message may repeat what a file, the org or S3 said (a column name, a key): whatever part built it, no
    // control character reaches the terminal but the line feeds between the lines of the message.
    if (err instanceof CliError) {
      process.stderr.write(`sfetl ${printable(name)}: ${escapeUnprintable(err.message, true)}\n`);
      return err.exitCode;
    }
    const detail = (err as Error).stack ?? String(err);
    process.stderr.write(`sfetl ${printable(name)}: unexpected error: ${escapeUnprintable(detail, true)}\n`);
    return ExitCode.FATAL;
  }
}
