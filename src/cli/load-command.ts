import {
  createAwsClients,
  readSecretJson,
  readSecretJsonFile,
  SecretAccessDeniedError,
  SecretFileError,
  SecretFormatError,
  SecretNotFoundError,
} from '../aws';
import { LogCatalog } from '../catalog';
import {
  ConfigError,
  EnvironmentSelectionError,
  ObjectConfig,
  ObjectSelectionError,
  selectEnvironment,
  selectObjects,
  SfetlConfig,
} from '../config';
import {
  BadHeaderError,
  EmptySourceError,
  LeaseHeldError,
  LeaseLostError,
  newRunId,
  ParquetLogWriter,
  ParquetWriteError,
  PreflightError,
  ReconciliationError,
  RunStoppedError,
  runLoad,
  StopSignal,
} from '../pipeline';
import { InvalidS3UriError, NoSourceFilesError, SourceChangedError } from '../s3';
import {
  CredentialsFormatError,
  parseCredentials,
  SalesforceApi,
  SalesforceApiError,
  SalesforceAuthError,
} from '../salesforce';
import { parseCommandArgs, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { JsonLoadReporter, LoadReporter, TerminalLoadReporter } from './load-reporter';
import { messages } from './messages';

/** What the load command needs from outside: streams, environment, and (for tests) the fetch it uses. */
export interface LoadCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly isTty?: boolean;
}

/** `sfetl load`: DESIGN.md §2.4. */
export async function loadCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  return runLoadCommand(argv, { out });
}

export async function runLoadCommand(argv: readonly string[], deps: LoadCommandDeps): Promise<number> {
  const err = deps.err ?? process.stderr;
  const env = deps.env ?? process.env;
  const args = parseCommandArgs('load', argv, {
    env: { type: 'string' },
    object: { type: 'string', multiple: true },
    source: { type: 'string' },
    'run-id': { type: 'string' },
    config: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'confirm-env': { type: 'string' },
    'secret-file': { type: 'string' },
    output: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (args.help) {
    deps.out.write(`${messages.loadUsage}\n`);
    return ExitCode.OK;
  }
  const configLocation = args.config ?? env.SFETL_CONFIG;
  if (!configLocation) throw new CliError(messages.noConfig);
  if (args['run-id'] !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(args['run-id'])) {
    throw new CliError(messages.badRunId(args['run-id']));
  }

  const config = await readCommandConfig(configLocation, env);
  const environment = await guard(async () => selectEnvironment(config, args.env, args['confirm-env']));
  let objects = await guard(async () => selectObjects(config, args.object ?? []));
  if (args.source !== undefined) {
    if ((args.object ?? []).length !== 1) throw new CliError(messages.sourceNeedsOneObject);
    objects = [{ ...objects[0]!, source: args.source } as ObjectConfig];
  }

  const aws = createAwsClients({
    region: config.aws.region,
    endpoint: config.aws.endpoint,
    env,
    maxAttempts: Math.max(3, config.limits.httpAttempts),
  });
  // --secret-file is the local override: the same JSON in a file, for a laptop without Secrets Manager.
  const secretFile = args['secret-file'];
  const secretSource = secretFile === undefined ? environment.auth.secretId : `file:${secretFile}`;
  const secret = await guard(() =>
    secretFile === undefined ? readSecretJson(aws.secrets, environment.auth.secretId) : readSecretJsonFile(secretFile),
  );
  const credentials = await guard(async () => parseCredentials(environment.auth.type, secret, secretSource));
  const api = new SalesforceApi({
    instanceUrl: environment.instanceUrl,
    loginUrl: environment.loginUrl,
    apiVersion: environment.apiVersion,
    credentials,
    httpAttempts: config.limits.httpAttempts,
  });
  await guard(() => api.login());

  const json =
    args.output === 'json' ||
    (args.output !== 'text' && !(deps.isTty ?? (process.stderr as { isTTY?: boolean }).isTTY));
  const reporter: LoadReporter = json ? new JsonLoadReporter(deps.out) : new TerminalLoadReporter(deps.out, err);
  let parquet: ParquetLogWriter | undefined;
  // Glue stops a job with SIGTERM: finish the current step, keep the state, let the next run continue.
  const stop: StopSignal = {};
  const onSignal = (signal: string) => () => {
    stop.reason ??= `received ${signal}`;
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    const result = await guard(() =>
      runLoad({
        config: config as SfetlConfig,
        env: environment,
        objects,
        runId: args['run-id'] ?? newRunId(),
        dryRun: args['dry-run'] ?? false,
        api,
        s3: aws.s3,
        catalog: new LogCatalog({
          glue: aws.glue,
          database: config.logs.glueDatabase,
          bucket: config.logs.bucket,
          prefix: config.logs.prefix,
        }),
        parquet: async () => (parquet = await ParquetLogWriter.create()),
        emit: (e) => reporter.event(e),
        force: args.force ?? false,
        stop,
      }),
    );
    reporter.summary(result);
    if (!result.dryRun && result.failureRate > config.limits.failureRateThreshold) {
      throw new CliError(
        messages.failureRateAbove(result.failureRate, config.limits.failureRateThreshold, result.manifests),
        ExitCode.FAILURE_RATE,
      );
    }
    return ExitCode.OK;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    reporter.close();
    await parquet?.close();
  }
}

/** Runs a step and turns the errors an operator can fix into one-line CLI errors with their exit code. */
async function guard<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw toCliError(e);
  }
}

function toCliError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError(`${e.message}\n${messages.fixConfig(e.source)}`);
  if (e instanceof EnvironmentSelectionError || e instanceof ObjectSelectionError) return new CliError(e.message);
  if (
    e instanceof SecretNotFoundError ||
    e instanceof SecretAccessDeniedError ||
    e instanceof SecretFormatError ||
    e instanceof SecretFileError
  ) {
    return new CliError(e.message);
  }
  if (e instanceof CredentialsFormatError) return new CliError(e.message);
  if (e instanceof SalesforceAuthError) return new CliError(messages.authRefused(e.loginUrl, e.error, e.description));
  if (e instanceof PreflightError) return new CliError(messages.preflightFailed(e.object, e.source, e.problems));
  if (e instanceof BadHeaderError || e instanceof EmptySourceError) return new CliError(messages.badSource(e.message));
  if (e instanceof NoSourceFilesError || e instanceof InvalidS3UriError || e instanceof SourceChangedError) {
    return new CliError(e.message);
  }
  if (e instanceof LeaseHeldError) return new CliError(messages.leaseHeld(e.message), ExitCode.LOCKED);
  if (e instanceof LeaseLostError || e instanceof RunStoppedError) return new CliError(messages.stopped(e.message));
  if (e instanceof ParquetWriteError) return new CliError(e.message);
  if (e instanceof ReconciliationError) {
    return new CliError(messages.reconciliation(e.message), ExitCode.RECONCILIATION);
  }
  if (e instanceof SalesforceApiError) return new CliError(messages.apiFailed(e.message));
  return e;
}
