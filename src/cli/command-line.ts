import { escapeUnprintable, printable } from '../config';
import { CliError, ExitCode } from './exit-codes';

/** One `sfetl` command: its arguments after the command name, where it prints; resolves to the exit code. */
export type Command = (argv: readonly string[], out: NodeJS.WritableStream) => Promise<number>;

/** A set of commands and what to say about it: the dev CLI's or the Glue runner's. */
export interface CommandSet {
  /** The commands by name. A Map, not an object: `sfetl constructor` must be unknown, not Object's constructor. */
  readonly commands: ReadonlyMap<string, Command>;
  /** What `help` prints. */
  readonly usage: string;
  /** The message for a name that is not in the set. */
  readonly unknown: (name: string) => string;
}

/**
 * Runs one `sfetl` command line against a set of commands; returns the exit code. The dev CLI (main.ts) passes
 * every command, the Glue runner (runner-entry.ts) only the ones Glue runs.
 */
export async function runCommandLine(
  { commands, usage, unknown }: CommandSet,
  argv: readonly string[],
  out: NodeJS.WritableStream,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    out.write(`${usage}\n`);
    return name === undefined ? ExitCode.FATAL : ExitCode.OK;
  }
  const command = commands.get(name);
  try {
    if (!command) throw new CliError(unknown(name));
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
