import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LogCatalog, StateLayout } from '../catalog';
import { EnvironmentConfig, ObjectConfig, SfetlConfig } from '../config';
import { formatS3Uri, listSourceFiles, openSourceStream, SourceFile } from '../s3';
import { OrgIdentity, SalesforceApi } from '../salesforce';
import { csvMessages } from './csv-messages';
import { readCsvHeader, splitCsv } from './csv-splitter';
import { PreparedFile } from './file-loader';
import { ChangedSource, FilePlan, planFile, SourceChangedSinceLoadError } from './file-plan';
import { LeaseLock } from './lease-lock';
import { LoadEventSink } from './load-events';
import { ObjectLoader, ObjectLoadResult } from './object-loader';
import { ParquetLogWriter } from './parquet-log-writer';
import { preflight } from './preflight';
import { writeRunManifest } from './run-manifest';

/** The run was asked to stop (SIGTERM) or lost its lease; its state is saved and a rerun continues it. */
export class RunStoppedError extends Error {
  constructor(readonly reason: string) {
    super(`run stopped: ${reason}`);
    this.name = 'RunStoppedError';
  }
}

/** Set `reason` to ask a running load to stop at the next step. */
export interface StopSignal {
  reason?: string;
}

/** Rows read differ from the rows written to the logs: something was lost or doubled. Exit 3. */
export class ReconciliationError extends Error {
  constructor(
    readonly object: string,
    readonly rowsRead: number,
    /** Rows written to the success log. */
    readonly success: number,
    /** Rows written to the failure log. */
    readonly failure: number,
    readonly manifest: string,
  ) {
    super(
      `${object}: ${rowsRead} rows read but ${success + failure} rows logged ` +
        `(${success} success + ${failure} failure; manifest ${manifest})`,
    );
    this.name = 'ReconciliationError';
  }

  /** Rows written to the logs. */
  get logged(): number {
    return this.success + this.failure;
  }
}

export interface LoadRunProps {
  readonly config: SfetlConfig;
  readonly env: EnvironmentConfig;
  readonly objects: readonly ObjectConfig[];
  readonly runId: string;
  readonly dryRun: boolean;
  readonly api: SalesforceApi;
  /**
   * The org the session logged in to, as checked after login (checkLoggedInOrg); the manifest records it.
   * @default the configured instanceUrl, org id unknown
   */
  readonly org?: OrgIdentity;
  readonly s3: S3Client;
  readonly catalog: LogCatalog;
  /** Created on demand (not needed for a dry run). */
  readonly parquet: () => Promise<ParquetLogWriter>;
  readonly emit: LoadEventSink;
  /** Load source files again that an earlier load completed (never abandons an unfinished one). @default false */
  readonly force?: boolean;
  /**
   * Load files that changed since an earlier run loaded them, skipping the rows already loaded into this
   * env and object (logged with their earlier record id). @default false
   */
  readonly skipLoadedRows?: boolean;
  /** Checked between steps; see StopSignal. */
  readonly stop?: StopSignal;
  /** Parent of the run's scratch directory. @default the OS temp dir */
  readonly tempDir?: string;
  /** The run's time: durations, ledgers, manifests, leases, log directory names. @default () => new Date() */
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A dry run's findings for one object. */
export interface DryRunObject {
  readonly object: string;
  readonly files: number;
  readonly rows: number;
  readonly jobs: number;
  readonly rejected: number;
  readonly rejectedExamples: readonly { line: number; source: string; code: string; message: string }[];
  /** Files that cannot be read as CSV from some line on: what a load would do with them. */
  readonly malformed: readonly string[];
}

export interface LoadRunResult {
  readonly runId: string;
  readonly env: string;
  readonly dryRun: boolean;
  readonly objects: readonly ObjectLoadResult[];
  readonly dryRunObjects: readonly DryRunObject[];
  readonly rowsRead: number;
  readonly success: number;
  readonly failure: number;
  /** failure / rowsRead (0 when nothing was read) */
  readonly failureRate: number;
  readonly manifests: readonly string[];
  readonly seconds: number;
}

/** A run id that sorts by time and is safe in S3 keys and partition values. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * One `sfetl load`: preflight of every object and file before any job exists, then each object in load
 * order, its logs and partitions, a manifest per object, and reconciliation (rows read == rows logged).
 */
export async function runLoad(props: LoadRunProps): Promise<LoadRunResult> {
  const clock = props.clock ?? (() => new Date());
  const started = clock().getTime();
  const { env, runId } = props;
  props.emit({
    type: 'run-started',
    runId,
    env: env.name,
    objects: props.objects.map((o) => o.name),
    dryRun: props.dryRun,
  });

  // Preflight everything first: a problem in the last object must not leave the first one half loaded.
  const prepared = await preflightObjects(props);

  const scratch = await mkdtemp(join(props.tempDir ?? tmpdir(), `sfetl-${runId}-`));
  const run: RunSteps = { props, clock, started, scratch };
  try {
    if (props.dryRun) return await dryRunAll(run, prepared);

    // One writer per (env, object): take every lease before the first job, or none.
    const leases = await acquireLeases(run);
    const shouldStop = () => {
      if (props.stop?.reason) throw new RunStoppedError(props.stop.reason);
      for (const lease of leases) lease.check();
    };
    try {
      const plans = await planFiles(props, prepared);
      return await loadObjects(run, plans, shouldStop);
    } finally {
      await releaseLeases(leases);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What the steps of one run share. */
interface RunSteps {
  readonly props: LoadRunProps;
  readonly clock: () => Date;
  /** When the run started (ms since the epoch, by `clock`). */
  readonly started: number;
  /** The run's scratch directory (created; removed when the run ends). */
  readonly scratch: string;
}

/** Each object's files with the header the preflight approved; throws at the first file that fails it. */
async function preflightObjects(props: LoadRunProps): Promise<Map<string, PreparedFile[]>> {
  const prepared = new Map<string, PreparedFile[]>();
  for (const object of props.objects) {
    const notCsv: string[] = [];
    const files = await listSourceFiles(props.s3, object.source, { onNotCsv: (uri) => notCsv.push(uri) });
    if (notCsv.length > 0) {
      props.emit({ type: 'warning', object: object.name, message: csvMessages.notCsvSkipped(object.source, notCsv) });
    }
    const ready: PreparedFile[] = [];
    for (const file of files) {
      const header = await readHeader(props.s3, file);
      const result = await preflight(props.api, object, header, formatS3Uri(file.bucket, file.key));
      ready.push({ file, uploadHeader: result.uploadHeader });
    }
    prepared.set(object.name, ready);
    props.emit({
      type: 'preflight-passed',
      object: object.name,
      files: files.length,
      columns: ready[0]?.uploadHeader ?? [],
    });
  }
  return prepared;
}

/** A dry run of every object, and its totals: rows that would be rejected count as failures. */
async function dryRunAll(run: RunSteps, prepared: Map<string, PreparedFile[]>): Promise<LoadRunResult> {
  const { props } = run;
  const dryRunObjects: DryRunObject[] = [];
  for (const object of props.objects) {
    dryRunObjects.push(await dryRun(props, object, prepared.get(object.name)!, run.scratch));
  }
  const rowsRead = dryRunObjects.reduce((n, o) => n + o.rows, 0);
  const rejected = dryRunObjects.reduce((n, o) => n + o.rejected, 0);
  return {
    runId: props.runId,
    env: props.env.name,
    dryRun: true,
    objects: [],
    dryRunObjects,
    rowsRead,
    success: 0,
    failure: rejected,
    failureRate: rowsRead === 0 ? 0 : rejected / rowsRead,
    manifests: [],
    seconds: (run.clock().getTime() - run.started) / 1000,
  };
}

/** The lease of every object, in load order; when one cannot be had, those taken are released. */
async function acquireLeases(run: RunSteps): Promise<LeaseLock[]> {
  const { props, clock } = run;
  const { config, env, runId } = props;
  const leases: LeaseLock[] = [];
  try {
    for (const object of props.objects) {
      const lease = new LeaseLock({
        s3: props.s3,
        bucket: config.logs.bucket,
        key: new StateLayout(config.logs.statePrefix).lock(env.name, object.name),
        env: env.name,
        object: object.name,
        runId,
        leaseSeconds: config.limits.leaseSeconds,
        clock,
      });
      await lease.acquire();
      leases.push(lease);
      props.emit({ type: 'lease-acquired', object: object.name, expiresInSeconds: config.limits.leaseSeconds });
    }
  } catch (err) {
    await releaseLeases(leases);
    throw err;
  }
  return leases;
}

function releaseLeases(leases: readonly LeaseLock[]): Promise<unknown[]> {
  return Promise.all(leases.map((l) => l.release().catch(() => undefined)));
}

/** Each object's files with what to do with them; a changed file stops the run before any job exists. */
type PlannedFiles = Map<string, { prepared: PreparedFile; plan: FilePlan }[]>;

async function planFiles(props: LoadRunProps, prepared: Map<string, PreparedFile[]>): Promise<PlannedFiles> {
  const layout = new StateLayout(props.config.logs.statePrefix);
  const plans: PlannedFiles = new Map();
  for (const object of props.objects) {
    const files: { prepared: PreparedFile; plan: FilePlan }[] = [];
    const changed: ChangedSource[] = [];
    for (const file of prepared.get(object.name)!) {
      const plan = await planFile({
        s3: props.s3,
        bucket: props.config.logs.bucket,
        layout,
        env: props.env.name,
        object: object.name,
        file: file.file,
        force: props.force,
        skipLoadedRows: props.skipLoadedRows,
        onChangedFile: object.onChangedFile,
        orgId: props.org?.orgId,
      });
      if ('kind' in plan) files.push({ prepared: file, plan });
      else changed.push(plan);
    }
    if (changed.length > 0) throw new SourceChangedSinceLoadError(props.env.name, object.name, changed);
    plans.set(object.name, files);
  }
  return plans;
}

/** Loads each object in order, writing its manifest; stops at the first object that does not reconcile. */
async function loadObjects(run: RunSteps, plans: PlannedFiles, shouldStop: () => void): Promise<LoadRunResult> {
  const { props } = run;
  await props.catalog.ensureDatabase();
  const loader = await objectLoader(run, shouldStop);
  const objects: ObjectLoadResult[] = [];
  const manifests: string[] = [];
  for (const object of props.objects) {
    const result = await loader.load(object, plans.get(object.name)!);
    objects.push(result);
    manifests.push(await writeManifest(run, result));
  }
  return finishRun(run, objects, manifests);
}

async function objectLoader(run: RunSteps, shouldStop: () => void): Promise<ObjectLoader> {
  const { props } = run;
  const { config } = props;
  const parquet = await props.parquet();
  return new ObjectLoader({
    api: props.api,
    s3: props.s3,
    catalog: props.catalog,
    parquet,
    env: props.env,
    logs: config.logs,
    limits: config.limits,
    retryErrorCodes: config.retryErrorCodes,
    runId: props.runId,
    workDir: run.scratch,
    emit: props.emit,
    orgId: props.org?.orgId,
    shouldStop,
    clock: run.clock,
    sleep: props.sleep,
  });
}

/**
 * Writes the object's manifest and returns its s3:// location.
 * @throws ReconciliationError when the rows read are not the rows logged (after the manifest is written)
 */
async function writeManifest(run: RunSteps, result: ObjectLoadResult): Promise<string> {
  const { props } = run;
  const { config, env, runId } = props;
  // success and failure are the rows the log writers wrote, so a lost or doubled log row shows here.
  const reconciled = result.rowsRead === result.success + result.failure;
  const key = new StateLayout(config.logs.statePrefix).manifest(runId, env.name, result.object);
  // Never overwrites: a reused run id gets <Object>.2.json, … (writeRunManifest).
  const manifest = await writeRunManifest({
    s3: props.s3,
    bucket: config.logs.bucket,
    key,
    object: result.object,
    emit: props.emit,
    manifest: {
      runId,
      env: env.name,
      instanceUrl: props.org?.instanceUrl ?? env.instanceUrl,
      orgId: props.org?.orgId ?? null,
      ...result,
      reconciled,
      writtenAt: run.clock().toISOString(),
    },
  });
  if (!reconciled) {
    throw new ReconciliationError(result.object, result.rowsRead, result.success, result.failure, manifest);
  }
  return manifest;
}

/** The run's totals, announced with what the process used. */
function finishRun(run: RunSteps, objects: ObjectLoadResult[], manifests: string[]): LoadRunResult {
  const { props } = run;
  const { env, runId } = props;
  const rowsRead = objects.reduce((n, o) => n + o.rowsRead, 0);
  const success = objects.reduce((n, o) => n + o.success, 0);
  const failure = objects.reduce((n, o) => n + o.failure, 0);
  const seconds = (run.clock().getTime() - run.started) / 1000;
  const usage = process.resourceUsage();
  props.emit({
    type: 'run-finished',
    runId,
    env: env.name,
    rowsRead,
    success,
    failure,
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    maxRssMB: Math.round(usage.maxRSS / 1024),
  });
  return {
    runId,
    env: env.name,
    dryRun: false,
    objects,
    dryRunObjects: [],
    rowsRead,
    success,
    failure,
    failureRate: rowsRead === 0 ? 0 : failure / rowsRead,
    manifests,
    seconds,
  };
}

async function readHeader(s3: S3Client, file: SourceFile): Promise<string[]> {
  const stream = await openSourceStream(s3, file);
  try {
    return await readCsvHeader(stream, formatS3Uri(file.bucket, file.key));
  } finally {
    stream.destroy();
  }
}

/** Parses every row and cuts the parts as a real load would, without creating a job. */
async function dryRun(
  props: LoadRunProps,
  object: ObjectConfig,
  files: readonly PreparedFile[],
  scratch: string,
): Promise<DryRunObject> {
  let rows = 0;
  let jobs = 0;
  let rejected = 0;
  const examples: DryRunObject['rejectedExamples'][number][] = [];
  const malformed: string[] = [];
  for (const { file, uploadHeader } of files) {
    const source = formatS3Uri(file.bucket, file.key);
    const input = await openSourceStream(props.s3, file);
    const parts = splitCsv(
      input,
      {
        maxPartBytes: props.config.limits.maxJobBytes,
        maxPartRows: props.config.limits.maxJobRows,
        workDir: scratch,
        header: uploadHeader,
        sourceName: source,
      },
      (row) => {
        rejected++;
        if (examples.length < 20) examples.push({ line: row.line, source, code: row.code, message: row.message });
      },
    );
    let next = await parts.next();
    while (!next.done) {
      jobs++;
      await rm(next.value.path, { force: true });
      next = await parts.next();
    }
    rows += next.value.rowsRead;
    if (next.value.malformedFrom) malformed.push(csvMessages.malformedFile(source, next.value.malformedFrom));
  }
  return { object: object.name, files: files.length, rows, jobs, rejected, rejectedExamples: examples, malformed };
}
