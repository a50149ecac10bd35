import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../aws';
import { LocalLogQueryError } from '../catalog';
import { printableJson } from '../config';
import { FAILED_ROW_ERROR_COLUMNS } from '../pipeline/log-columns';
import { exportFailedRows, RunNotLoggedError } from '../report';
import { awsRequestError, parseCommandArgs, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { messages } from './messages';
import { deliverFile } from './output-location';

/** What the failures command needs from outside; tests replace the stream and the environment. */
export interface FailuresCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** `sfetl failures export`: the failed rows of a run as a CSV to fix and load again (docs/operations.md). */
export async function failuresCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runFailuresCommand(argv, { out });
}

export async function runFailuresCommand(argv: readonly string[], deps: FailuresCommandDeps): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    deps.out.write(`${messages.failuresUsage}\n`);
    return ExitCode.OK;
  }
  if (subcommand !== 'export') throw new CliError(messages.failuresUnknownSubcommand(subcommand));
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('failures', rest, {
    config: { type: 'string' },
    env: { type: 'string' },
    object: { type: 'string' },
    'run-id': { type: 'string' },
    code: { type: 'string' },
    out: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.failuresUsage}\n`);
    return ExitCode.OK;
  }
  const output = args.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new CliError(messages.badOutput('failures', output));
  for (const flag of ['env', 'object', 'run-id'] as const) {
    if (args[flag] === undefined) throw new CliError(messages.failuresNeeds(`--${flag}`));
  }
  if (args.out === undefined) throw new CliError(messages.needsOut('failures export'));
  const configLocation = args.config ?? env.SFETL_CONFIG;
  if (!configLocation) throw new CliError(messages.noConfig);
  const config = await readCommandConfig(configLocation, env);
  const aws = createAwsClients({ region: config.aws.region, endpoint: config.aws.endpoint, env });
  const objectConfig = config.objects.find((o) => o.name.toLowerCase() === args.object!.toLowerCase());
  const object = objectConfig?.name ?? args.object!;

  const dir = await mkdtemp(join(tmpdir(), 'sfetl-failures-'));
  try {
    const file = join(dir, 'failures.csv');
    let exported;
    try {
      exported = await exportFailedRows({
        glue: aws.glue,
        s3: aws.s3,
        database: config.logs.glueDatabase,
        bucket: config.logs.bucket,
        statePrefix: config.logs.statePrefix,
        env: args.env!,
        object,
        objectConfig,
        runId: args['run-id']!,
        code: args.code,
        path: file,
      });
    } catch (e) {
      if (e instanceof RunNotLoggedError) throw new CliError(messages.failuresNotLogged(e.message));
      if (e instanceof LocalLogQueryError) throw new CliError(e.message);
      throw awsRequestError(e, config.aws, 'reading the failure logs') ?? e;
    }
    const location = await deliverFile(file, args.out, 'text/csv; charset=utf-8', () => aws.s3);
    if (output === 'json') {
      deps.out.write(
        `${printableJson({
          event: 'failures-exported',
          location,
          env: args.env,
          object,
          runId: args['run-id'],
          rows: exported.rows,
          codes: exported.codes,
          columns: exported.columns,
          errorColumns: FAILED_ROW_ERROR_COLUMNS,
        })}\n`,
      );
    } else {
      const codes = Object.entries(exported.codes)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      deps.out.write(
        `${messages.failuresWritten(exported.rows, object, args['run-id']!, args.env!, location, codes)}\n` +
          `${messages.failuresNextStep(FAILED_ROW_ERROR_COLUMNS)}\n`,
      );
    }
    return ExitCode.OK;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
