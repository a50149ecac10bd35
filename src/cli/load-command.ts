import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  AwsClients,
  createAwsClients,
  publishRunMetrics,
  readSecretJson,
  RUN_METRICS_NAMESPACE,
  readSecretJsonFile,
  SecretAccessDeniedError,
  SecretFileError,
  SecretFormatError,
  SecretNotFoundError,
} from '../aws';
import { CatalogError, LogCatalog, StateLayout } from '../catalog';
import {
  AwsConfig,
  checkLoggedInOrg,
  ConfigError,
  EnvironmentConfig,
  EnvironmentSelectionError,
  ObjectConfig,
  ObjectSelectionError,
  OrgMismatchError,
  printableJson,
  s3UriProblem,
  selectEnvironment,
  selectObjects,
  SfetlConfig,
} from '../config';
import {
  BadHeaderError,
  EmptySourceError,
  LeaseHeldError,
  LeaseLostError,
  LoadEventSink,
  LoadRunResult,
  LogWriteError,
  newRunId,
  ParquetLogWriter,
  ParquetWriteError,
  PreflightError,
  ReconciliationError,
  RunStoppedError,
  runLoad,
  SourceChangedSinceLoadError,
  StopSignal,
} from '../pipeline';
import {
  formatS3Uri,
  InvalidJsonObjectError,
  InvalidS3UriError,
  NoSourceFilesError,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  SourceChangedError,
} from '../s3';
import {
  CredentialsFormatError,
  LoginUnreachableError,
  OrgIdentity,
  parseCredentials,
  SalesforceApi,
  SalesforceApiError,
  SalesforceAuthError,
  SessionOrgChangedError,
  TokenResponseError,
} from '../salesforce';
import { awsRequestError, oneLine, parseCommandArgs, readCommandConfig } from './command-args';
import { CliError, ExitCode } from './exit-codes';
import { JsonLoadReporter, LoadReporter, TerminalLoadReporter } from './load-reporter';
import { messages } from './messages';
import { writeRunReport } from './report-command';

/** What the load command needs from outside: streams, environment, and (for tests) the log writer it uses. */
export interface LoadCommandDeps {
  readonly out: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly isTty?: boolean;
  /** Creates the Parquet log writer (closed by the command). @default ParquetLogWriter.create() */
  readonly parquet?: () => Promise<ParquetLogWriter>;
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
    'skip-loaded-rows': { type: 'boolean' },
    report: { type: 'boolean' },
    'put-metrics': { type: 'boolean' },
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
  const prepared = await prepareLoad(
    {
      config: configLocation,
      env: args.env,
      objects: args.object,
      source: args.source,
      confirmEnv: args['confirm-env'],
      secretFile: args['secret-file'],
    },
    env,
  );

  const json =
    args.output === 'json' ||
    (args.output !== 'text' && !(deps.isTty ?? (process.stderr as { isTTY?: boolean }).isTTY));
  const reporter: LoadReporter = json ? new JsonLoadReporter(deps.out) : new TerminalLoadReporter(deps.out, err);
  try {
    const result = await runPreparedLoad(prepared, {
      runId: args['run-id'] ?? newRunId(),
      dryRun: args['dry-run'] ?? false,
      force: args.force ?? false,
      skipLoadedRows: args['skip-loaded-rows'] ?? false,
      emit: (e) => reporter.event(e),
      parquet: deps.parquet,
    });
    reporter.summary(result);
    if (args['put-metrics'] && !result.dryRun) {
      await putRunMetrics(prepared.aws.cloudwatch, result, json, deps.out, err);
    }
    if (args.report && !result.dryRun) {
      await writeLoadReport(prepared.config, result.runId, prepared.environment.name, env, json, deps.out, err);
    }
    if (failureRateAbove(prepared, result)) {
      throw new CliError(
        messages.failureRateAbove(
          result.failureRate,
          prepared.config.limits.failureRateThreshold,
          result.manifests,
          result.objects.flatMap((o) => o.sources.flatMap((s) => (s.malformed ? [s.malformed.message] : []))),
        ),
        ExitCode.FAILURE_RATE,
      );
    }
    return ExitCode.OK;
  } finally {
    reporter.close();
  }
}

/** What one load is asked to do, as `sfetl load`'s flags say it. */
export interface LoadRequest {
  /** The configuration: a path or an s3:// URI. */
  readonly config: string;
  /** `--env`. */
  readonly env?: string;
  /** `--object`, in any order; none: every configured object. @default none */
  readonly objects?: readonly string[];
  /** `--source`: overrides the source of the one object named. @default the configured source */
  readonly source?: string;
  /** `--confirm-env`. @default none */
  readonly confirmEnv?: string;
  /** `--secret-file`: the credentials from a file instead of Secrets Manager. @default none */
  readonly secretFile?: string;
}

/** A load ready to run: configuration read, env and objects chosen, logged in to the org the env names. */
export interface PreparedLoad {
  readonly config: SfetlConfig;
  readonly environment: EnvironmentConfig;
  readonly objects: readonly ObjectConfig[];
  readonly api: SalesforceApi;
  readonly org: OrgIdentity;
  readonly aws: AwsClients;
}

/**
 * Everything `sfetl load` does before loading: reads the configuration, selects the env and objects, reads the
 * secret, logs in and checks the org (DESIGN.md §2.5). Each problem an operator can fix is a CliError.
 */
export async function prepareLoad(request: LoadRequest, env: NodeJS.ProcessEnv): Promise<PreparedLoad> {
  const config = await readCommandConfig(request.config, env);
  const environment = await guard(async () => selectEnvironment(config, request.env, request.confirmEnv));
  let objects = await guard(async () => selectObjects(config, request.objects ?? []));
  if (request.source !== undefined) {
    if ((request.objects ?? []).length !== 1) throw new CliError(messages.sourceNeedsOneObject);
    // The same checks as objects[].source: a bare bucket would load all of it, and S3 expands no wildcard.
    const problem = s3UriProblem(request.source);
    if (problem !== undefined) throw new CliError(messages.badSourceFlag(problem));
    objects = [{ ...objects[0]!, source: request.source } as ObjectConfig];
  }

  const aws = createAwsClients({
    region: config.aws.region,
    endpoint: config.aws.endpoint,
    env,
    maxAttempts: Math.max(3, config.limits.httpAttempts),
  });
  // --secret-file is the local override: the same JSON in a file, for a laptop without Secrets Manager.
  const secretFile = request.secretFile;
  const secretSource = secretFile === undefined ? environment.auth.secretId : `file:${secretFile}`;
  const secret = await guard(
    () =>
      secretFile === undefined
        ? readSecretJson(aws.secrets, environment.auth.secretId)
        : readSecretJsonFile(secretFile),
    { aws: config.aws, doing: `reading the secret ${environment.auth.secretId}` },
  );
  const credentials = await guard(async () => parseCredentials(environment.auth.type, secret, secretSource));
  const api = new SalesforceApi({
    instanceUrl: environment.instanceUrl,
    loginUrl: environment.loginUrl,
    apiVersion: environment.apiVersion,
    credentials,
    httpAttempts: config.limits.httpAttempts,
  });
  await guard(() => api.login(), { env: environment.name });
  // The org you named (DESIGN.md §2.5): the token's org must be the configured one before any lease or job.
  const org = api.identity!;
  await guard(async () =>
    checkLoggedInOrg({ config, env: environment, confirmEnv: request.confirmEnv, org, secret: secretSource }),
  );
  return { config: config as SfetlConfig, environment, objects, api, org, aws };
}

/** How a prepared load runs: its run id and flags, where its events go. */
export interface LoadRunOptions {
  readonly runId: string;
  /** `--dry-run`. @default false */
  readonly dryRun?: boolean;
  /** `--force`. @default false */
  readonly force?: boolean;
  /** `--skip-loaded-rows`. @default false */
  readonly skipLoadedRows?: boolean;
  /** Receives every event of the run. */
  readonly emit: LoadEventSink;
  /** Creates the Parquet log writer (closed here). @default ParquetLogWriter.create() */
  readonly parquet?: () => Promise<ParquetLogWriter>;
}

/**
 * Runs a prepared load (runLoad) as `sfetl load` does: SIGTERM or SIGINT stops it after its current step with its
 * state kept; errors an operator can fix become CliErrors. Returns the run's result, whatever its failure rate.
 */
export async function runPreparedLoad(prepared: PreparedLoad, options: LoadRunOptions): Promise<LoadRunResult> {
  const { config, environment, aws } = prepared;
  const createParquet = options.parquet ?? (() => ParquetLogWriter.create());
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
    return await guard(
      () =>
        runLoad({
          config,
          env: environment,
          objects: prepared.objects,
          runId: options.runId,
          dryRun: options.dryRun ?? false,
          api: prepared.api,
          org: prepared.org,
          s3: aws.s3,
          catalog: new LogCatalog({
            glue: aws.glue,
            database: config.logs.glueDatabase,
            bucket: config.logs.bucket,
            prefix: config.logs.prefix,
          }),
          parquet: async () => (parquet = await createParquet()),
          emit: options.emit,
          force: options.force ?? false,
          skipLoadedRows: options.skipLoadedRows ?? false,
          stop,
        }),
      // A session renewed mid-run logs in again: a login problem then names the env's loginUrl too.
      { aws: config.aws, env: environment.name },
    );
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await parquet?.close();
  }
}

/** Whether a finished load failed more rows than the configuration allows (exit 2). */
export function failureRateAbove(prepared: PreparedLoad, result: LoadRunResult): boolean {
  return !result.dryRun && result.failureRate > prepared.config.limits.failureRateThreshold;
}

/**
 * `--put-metrics`: the run's metrics with CloudWatch PutMetricData, which the failure-rate alarm reads
 * (src/aws/run-metrics.ts says why not the embedded-metric lines). A refused call is a warning line: the
 * load's outcome and exit code stay what they are.
 */
async function putRunMetrics(
  cloudwatch: CloudWatchClient,
  result: LoadRunResult,
  json: boolean,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<void> {
  try {
    const count = await publishRunMetrics(cloudwatch, {
      env: result.env,
      rowsRead: result.rowsRead,
      failure: result.failure,
      seconds: result.seconds,
      objects: result.objects.map((o) => ({
        object: o.object,
        rowsRead: o.rowsRead,
        success: o.success,
        failure: o.failure,
        rejected: o.rejected,
        jobs: o.jobs.length,
        seconds: o.seconds,
      })),
    });
    if (json) {
      out.write(
        `${printableJson({ time: new Date().toISOString(), level: 'info', event: 'metrics-published', namespace: RUN_METRICS_NAMESPACE, metrics: count })}\n`,
      );
    }
  } catch (e) {
    const detail = oneLine(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    if (json) {
      out.write(
        `${printableJson({ time: new Date().toISOString(), level: 'warn', event: 'metrics-failed', namespace: RUN_METRICS_NAMESPACE, message: detail })}\n`,
      );
    } else {
      err.write(`${messages.metricsFailed(RUN_METRICS_NAMESPACE, detail)}\n`);
    }
  }
}

/**
 * `--report`: the run's HTML report into the log bucket, `<statePrefix>reports/<run_id>/<env>.html`, where the
 * alerts point (docs/operations.md). A report that cannot be written is a warning: the load's outcome and exit
 * code stay what they are.
 */
async function writeLoadReport(
  config: SfetlConfig,
  runId: string,
  envName: string,
  env: NodeJS.ProcessEnv,
  json: boolean,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<void> {
  const location = formatS3Uri(config.logs.bucket, new StateLayout(config.logs.statePrefix).report(runId, envName));
  try {
    const written = await writeRunReport(config, { selection: { runId, env: envName }, out: location, env });
    if (json) {
      out.write(`${printableJson({ time: new Date().toISOString(), level: 'info', event: 'report', ...written })}\n`);
    } else {
      out.write(`${messages.loadReport(written.location)}\n`);
    }
  } catch (e) {
    const detail = oneLine(e instanceof Error ? e.message : String(e));
    if (json) {
      out.write(
        `${printableJson({ time: new Date().toISOString(), level: 'warn', event: 'report-failed', location, message: detail })}\n`,
      );
    } else {
      err.write(`${messages.loadReportFailed(location, detail)}\n`);
    }
  }
}

/** What a failed step was about, so that its message can name what to check. */
interface StepContext {
  /** The AWS settings: a failed AWS call names the endpoint and region to check. */
  readonly aws?: AwsConfig;
  /** What the step was doing, e.g. "reading the secret sfetl/dev". */
  readonly doing?: string;
  /** The environment: a login problem names its loginUrl key. */
  readonly env?: string;
}

/** Runs a step and turns the errors an operator can fix into one-line CLI errors with their exit code. */
async function guard<T>(step: () => Promise<T>, context: StepContext = {}): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw toCliError(e, context);
  }
}

function toCliError(e: unknown, { aws, doing, env }: StepContext): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError(`${e.message}\n${messages.fixConfig(e.source)}`);
  if (e instanceof EnvironmentSelectionError || e instanceof ObjectSelectionError) return new CliError(e.message);
  if (e instanceof OrgMismatchError) return new CliError(e.message);
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
  if (e instanceof SessionOrgChangedError) return new CliError(e.message);
  if (e instanceof LoginUnreachableError) return new CliError(messages.loginUnreachable(e.loginUrl, e.reason, env));
  if (e instanceof TokenResponseError) {
    return new CliError(messages.loginNotTokenEndpoint(e.loginUrl, e.status, e.contentType, env));
  }
  if (e instanceof PreflightError) return new CliError(messages.preflightFailed(e.object, e.source, e.problems));
  if (e instanceof BadHeaderError || e instanceof EmptySourceError) return new CliError(messages.badSource(e.message));
  if (e instanceof NoSourceFilesError || e instanceof InvalidS3UriError || e instanceof SourceChangedError) {
    return new CliError(e.message);
  }
  if (e instanceof LeaseHeldError) return new CliError(messages.leaseHeld(e.message), ExitCode.LOCKED);
  if (e instanceof LeaseLostError || e instanceof RunStoppedError) return new CliError(messages.stopped(e.message));
  if (e instanceof ParquetWriteError || e instanceof LogWriteError || e instanceof SourceChangedSinceLoadError) {
    return new CliError(e.message);
  }
  if (e instanceof ReconciliationError) {
    return new CliError(messages.reconciliation(e.message), ExitCode.RECONCILIATION);
  }
  if (e instanceof SalesforceApiError) return new CliError(messages.apiFailed(e.message));
  // Infrastructure: the Glue catalog and S3 as the parts translated them, then any other AWS call.
  if (e instanceof CatalogError) return new CliError(messages.catalogFailed(oneLine(e.message)));
  if (e instanceof S3AccessDeniedError || e instanceof S3ObjectNotFoundError || e instanceof InvalidJsonObjectError) {
    return new CliError(messages.s3Failed(oneLine(e.message)));
  }
  return (aws && awsRequestError(e, aws, doing)) ?? e;
}
