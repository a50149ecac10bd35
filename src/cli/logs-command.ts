import { createAwsClients } from '../aws';
import {
  listLogObjects,
  LocalLogQuery,
  LocalLogQueryError,
  LogQueryResult,
  LogQueryValue,
  namedLogQueries,
  NamedLogQuery,
  NamedQueryNameError,
  NoLogTablesError,
} from '../catalog';
import { escapeUnprintable, printableJson, SfetlConfig } from '../config';
import { parseCommandArgs, parseCommandLine, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { messages } from './messages';

/** What the logs command needs from outside; tests replace the stream and the environment. */
export interface LogsCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

type Output = 'text' | 'json';

/** `sfetl logs`: SQL over the log tables on this machine (docs/logs.md). */
export async function logsCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runLogsCommand(argv, { out });
}

export async function runLogsCommand(argv: readonly string[], deps: LogsCommandDeps): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    deps.out.write(`${messages.logsUsage}\n`);
    return ExitCode.OK;
  }
  if (subcommand === 'query') return query(rest, deps);
  if (subcommand === 'queries') return queries(rest, deps);
  throw new CliError(messages.logsUnknownSubcommand(subcommand));
}

/** `sfetl logs query "<SQL>"` or `sfetl logs query --named <id>`. */
async function query(argv: readonly string[], deps: LogsCommandDeps): Promise<number> {
  const env = deps.env ?? process.env;
  const { values: args, positionals } = parseCommandLine('logs', argv, {
    config: { type: 'string' },
    named: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.logsUsage}\n`);
    return ExitCode.OK;
  }
  const output = outputOf(args.output);
  if (positionals.length > 1) throw new CliError(messages.logsOneSql(positionals.length));
  const sql = positionals[0];
  if (sql !== undefined && args.named !== undefined) throw new CliError(messages.logsSqlAndNamed);
  if (sql === undefined && args.named === undefined) throw new CliError(messages.logsNoSql);

  const config = await commandConfig(args.config, env);
  const database = config.logs.glueDatabase;
  const aws = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, env });
  let statement = sql;
  if (args.named !== undefined) {
    // Checked on Glue's metadata before any file is copied, so a mistyped id costs nothing.
    const saved = savedQueries(database, await guard(() => listLogObjects({ glue: aws.glue, database })));
    const found = saved.find((q) => q.id === args.named);
    if (!found) {
      throw new CliError(
        messages.logsUnknownNamed(
          args.named,
          saved.map((q) => q.id),
        ),
      );
    }
    statement = found.sql;
  }
  const logs = await guard(() => LocalLogQuery.open({ glue: aws.glue, s3: aws.s3, database }));
  try {
    const result = await guard(() => logs.query(statement!));
    deps.out.write(output === 'json' ? jsonLines(result) : textTable(result));
    return ExitCode.OK;
  } finally {
    await logs.close();
  }
}

/** `sfetl logs queries`: the saved queries, with the SQL `--named` would run. */
async function queries(argv: readonly string[], deps: LogsCommandDeps): Promise<number> {
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('logs', argv, {
    config: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.logsUsage}\n`);
    return ExitCode.OK;
  }
  const output = outputOf(args.output);
  const config = await commandConfig(args.config, env);
  const database = config.logs.glueDatabase;
  const aws = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, env });
  let objects: readonly string[];
  let note: string | undefined;
  try {
    objects = await listLogObjects({ glue: aws.glue, database });
  } catch (e) {
    if (!(e instanceof NoLogTablesError)) throw toCliError(e);
    // Nothing loaded yet: show the SQL for the configured objects, which is what it will be after a load.
    objects = config.objects.map((o) => o.name);
    note = messages.logsQueriesForConfigured(database);
  }
  const saved = savedQueries(database, objects);
  if (output === 'json') {
    for (const q of saved) deps.out.write(`${printableJson(q)}\n`);
  } else {
    if (note !== undefined) deps.out.write(`${note}\n\n`);
    deps.out.write(saved.map((q) => `${q.id} — ${q.name}\n  ${q.description}\n\n${indent(q.sql)}\n`).join('\n'));
  }
  return ExitCode.OK;
}

async function commandConfig(location: string | undefined, env: NodeJS.ProcessEnv): Promise<SfetlConfig> {
  const configLocation = location ?? env.SFETL_CONFIG;
  if (!configLocation) throw new CliError(messages.noConfig);
  return readCommandConfig(configLocation, env);
}

function outputOf(value: string | undefined): Output {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new CliError(messages.badOption(messages.logsBadOutput(value), 'logs'));
}

function savedQueries(database: string, objects: readonly string[]): NamedLogQuery[] {
  try {
    return namedLogQueries(database, objects);
  } catch (e) {
    if (e instanceof NamedQueryNameError) throw new CliError(messages.logsBadName(e.message));
    throw e;
  }
}

/** Runs a step and turns the local query's errors (each says what to do) into one-line CLI errors. */
async function guard<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw toCliError(e);
  }
}

function toCliError(e: unknown): unknown {
  if (e instanceof LocalLogQueryError) return new CliError(e.message);
  return e;
}

/** One JSON object per row, keys in column order (JSON Lines); nothing for no rows. */
function jsonLines(result: LogQueryResult): string {
  return result.rows.map((row) => `${printableJson(row)}\n`).join('');
}

/** A table for a person: a header, a rule, one line per row (numbers right-aligned), then the row count. */
function textTable(result: LogQueryResult): string {
  const cells = result.rows.map((row) => result.columns.map((column) => cell(row[column] ?? null)));
  const numeric = result.columns.map(
    (column) =>
      result.rows.length > 0 && result.rows.every((row) => row[column] === null || typeof row[column] === 'number'),
  );
  const header = result.columns.map((column) => cell(column));
  const widths = header.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const format = (line: readonly string[]) =>
    line
      .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [format(header), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)];
  const count = result.rows.length;
  return `${lines.join('\n')}\n(${count} row${count === 1 ? '' : 's'})\n`;
}

/**
 * A value (or a column name) on one line: NULL spelled out (an empty string stays empty), line breaks and tabs
 * escaped as \r \n \t, and every other control or invisible character (a terminal escape in a logged value)
 * as \uXXXX.
 */
function cell(value: LogQueryValue): string {
  if (value === null) return 'NULL';
  return escapeUnprintable(String(value).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
