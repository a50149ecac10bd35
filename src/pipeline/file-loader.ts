import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LogCatalog, logLocation, sourceToken, StateLayout } from '../catalog';
import { EnvironmentConfig, LoadLimits, LogsConfig, ObjectConfig } from '../config';
import { SerialQueue } from '../duckdb';
import { formatS3Uri, keyInBucket, openSourceStream, SourceFile } from '../s3';
import { SalesforceApi } from '../salesforce';
import { BulkJobRunner } from './bulk-job-runner';
import { csvMessages } from './csv-messages';
import { CsvPart, splitCsv, SplitSummary } from './csv-splitter';
import { FilePlan } from './file-plan';
import { LoadEventSink } from './load-events';
import { LoadedRows } from './loaded-rows';
import { LogWriter } from './log-writer';
import { ParquetLogWriter } from './parquet-log-writer';
import { logColumnName, LogTarget, PartContext } from './part-attempt';
import { JobRecord, PartLoader } from './part-loader';
import { RejectLog } from './reject-log';
import { PartState, SourceLedger } from './source-ledger';

/** A file of the object with the header the preflight approved. */
export interface PreparedFile {
  readonly file: SourceFile;
  readonly uploadHeader: readonly string[];
}

/** One source file's outcome in a run. */
export interface SourceResult {
  readonly uri: string;
  readonly etag: string;
  readonly size: number;
  readonly rowsRead: number;
  readonly rejected: number;
  /** Rows found already loaded by an earlier load and logged as success rows, not sent (--skip-loaded-rows). */
  readonly alreadyLoaded: number;
  readonly success: number;
  readonly failure: number;
  /** The run whose log directories hold this file's rows (another run's when it was resumed). */
  readonly runId: string;
  readonly ledger: string;
  /** Where the file stopped being readable as CSV, and what was done about it. */
  readonly malformed?: {
    readonly line: number;
    readonly lastLine: number;
    readonly lines: number;
    readonly message: string;
  };
}

/** A file an earlier run loaded, not loaded again. */
export interface SkippedSource {
  readonly uri: string;
  readonly etag: string;
  readonly runId: string;
  readonly finishedAt: string;
}

/** Bulk jobs in flight for one object, across its files; `concurrency` bounds them. */
export interface JobSlots {
  readonly jobs: Set<Promise<void>>;
  /** Set as soon as a part of any file fails (before that file has settled). */
  failed: boolean;
}

export interface FileLoaderProps {
  readonly api: SalesforceApi;
  readonly s3: S3Client;
  readonly catalog: LogCatalog;
  readonly parquet: ParquetLogWriter;
  readonly env: EnvironmentConfig;
  readonly logs: LogsConfig;
  readonly layout: StateLayout;
  readonly limits: LoadLimits;
  readonly retryCodes: ReadonlySet<string>;
  readonly config: ObjectConfig;
  readonly runId: string;
  /** created_time of log directories this run starts. */
  readonly createdTime: string;
  readonly emit: LoadEventSink;
  /** The org loaded into, recorded in new ledgers. */
  readonly orgId?: string;
  readonly clock: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly shouldStop?: () => void;
  /** One Parquet conversion at a time for all files of the object. */
  readonly conversions: SerialQueue;
  readonly slots: JobSlots;
  /** The file's scratch directory (created; removed by the caller). */
  readonly workDir: string;
  /** Told of every job that ended and every log file written. */
  readonly onJob: (job: JobRecord) => void;
  readonly onLogWritten: (status: 'success' | 'failure', location: string, rows: number) => void;
  /** Told of every log directory registered as a partition (also one this run wrote no file to, when resumed). */
  readonly onLogDirectory: (status: 'success' | 'failure', location: string) => void;
}

/** One load of a file in progress: what its steps share. */
interface FileRun {
  readonly prepared: PreparedFile;
  readonly ledger: SourceLedger;
  readonly ctx: PartContext;
  /** The rows rejected before upload, logged once every part is out. */
  readonly rejects: RejectLog;
  /** With --skip-loaded-rows: the rows other loads already loaded. */
  readonly loaded?: LoadedRows;
  /** This file's jobs; props.slots.jobs holds every file's, and `concurrency` bounds those. */
  readonly inFlight: Set<Promise<void>>;
  /** The first error of a part or of reading the file: no further part starts, and the load throws it. */
  firstError?: unknown;
}

/**
 * Loads one source file as its plan says (file-plan.ts): skips it, resumes its unfinished load, or starts a
 * new one (first settling an unfinished load of an earlier version of the file). A load streams the file
 * through the splitter into parts, runs up to `concurrency` parts at once (shared with the object's other
 * files), logs the rows rejected before upload, registers the file's Glue partitions and marks the ledger
 * done. Every step that could be repeated is recorded first in the ledger.
 */
export class FileLoader {
  constructor(private readonly props: FileLoaderProps) {}

  async load(
    prepared: PreparedFile,
    plan: FilePlan,
    handedOut: () => void,
  ): Promise<{ source?: SourceResult; skipped?: SkippedSource }> {
    const { props } = this;
    const { file } = prepared;
    const uri = formatS3Uri(file.bucket, file.key);
    if (plan.kind === 'skip') {
      const { runId, finishedAt = '' } = plan.ledger.state;
      props.emit({ type: 'file-skipped', object: props.config.name, source: uri, runId, finishedAt });
      handedOut();
      return { skipped: { uri, etag: file.etag, runId, finishedAt } };
    }
    for (const earlier of plan.kind === 'new' ? plan.settle : []) await this.settle(earlier, prepared);
    const ledger = plan.kind === 'resume' ? plan.ledger : this.newLedger(prepared, plan.load, plan.skipLoadedRows);
    if (plan.kind === 'resume') {
      if (ledger.state.runId !== props.runId && !ledger.state.resumedBy.includes(props.runId)) {
        ledger.state.resumedBy.push(props.runId);
      }
      props.emit({ type: 'file-resumed', object: props.config.name, source: uri, runId: ledger.state.runId });
    }
    await ledger.save(props.clock());
    return { source: await this.run(prepared, ledger, handedOut) };
  }

  private newLedger(prepared: PreparedFile, load: number, skipLoadedRows: boolean): SourceLedger {
    const { props } = this;
    const now = props.clock().toISOString();
    const { file } = prepared;
    return SourceLedger.create(
      props.s3,
      props.logs.bucket,
      props.layout.ledger(props.env.name, props.config.name, file, load),
      {
        version: 1,
        env: props.env.name,
        object: props.config.name,
        source: { bucket: file.bucket, key: file.key, etag: file.etag, size: file.size },
        load,
        runId: props.runId,
        ...(props.orgId === undefined ? {} : { orgId: props.orgId }),
        createdTime: props.createdTime,
        maxJobBytes: props.limits.maxJobBytes,
        maxJobRows: props.limits.maxJobRows,
        uploadHeader: prepared.uploadHeader,
        ...(skipLoadedRows ? { skipLoadedRows: true } : {}),
        status: 'in-progress',
        parts: [],
        rejectsLogged: false,
        startedAt: now,
        updatedAt: now,
        resumedBy: [],
      },
    );
  }

  private target(ledger: SourceLedger): LogTarget {
    const { props } = this;
    const { runId, createdTime } = ledger.state;
    const location = (status: 'success' | 'failure') =>
      logLocation({
        bucket: props.logs.bucket,
        prefix: props.logs.prefix,
        status,
        object: props.config.name,
        runId,
        env: props.env.name,
        createdTime,
      });
    return { runId, createdTime, success: location('success'), failure: location('failure') };
  }

  /** What every part of a load shares. */
  private context(ledger: SourceLedger, source: string, workDir: string): PartContext {
    const { props } = this;
    const state = ledger.state;
    const runner = new BulkJobRunner({
      api: props.api,
      object: props.config.name,
      operation: props.config.operation,
      externalIdField: props.config.externalIdField,
      limits: props.limits,
      workDir,
      sleep: props.sleep,
      clock: props.clock,
      shouldStop: props.shouldStop,
    });
    const logger = new LogWriter({
      queue: props.conversions,
      parquet: props.parquet,
      s3: props.s3,
      bucket: props.logs.bucket,
      workDir,
      emit: props.emit,
      object: props.config.name,
      source,
      onWritten: props.onLogWritten,
    });
    return {
      api: props.api,
      runner,
      logger,
      checkpoint: () => ledger.save(props.clock()),
      emit: props.emit,
      clock: props.clock,
      limits: props.limits,
      retryCodes: props.retryCodes,
      object: props.config.name,
      source,
      uploadHeader: state.uploadHeader,
      target: this.target(ledger),
      token: logToken(ledger),
      workDir,
      shouldStop: props.shouldStop,
    };
  }

  /**
   * An unfinished load of an earlier version of the file: its jobs in flight are awaited and logged, jobs
   * still open are aborted, nothing new is sent (those rows are in the new version, and the new load finds
   * what was loaded); its partitions are registered and it is marked superseded.
   */
  private async settle(ledger: SourceLedger, prepared: PreparedFile): Promise<void> {
    const { props } = this;
    const source = formatS3Uri(prepared.file.bucket, prepared.file.key);
    const workDir = join(props.workDir, `settle-${ledger.load}`);
    await mkdir(workDir, { recursive: true });
    try {
      const ctx = this.context(ledger, source, workDir);
      for (const part of ledger.state.parts.filter((p) => !p.done)) {
        await new PartLoader({ context: ctx, part, onJob: props.onJob }).run();
      }
      await this.registerPartitions(ctx.target);
      ledger.state.status = 'superseded';
      ledger.state.supersededBy = { etag: prepared.file.etag, runId: props.runId, at: props.clock().toISOString() };
      await ledger.save(props.clock());
      props.emit({
        type: 'file-superseded',
        object: props.config.name,
        source,
        runId: ledger.state.runId,
        loaded: ledger.successRows,
      });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Splits, loads and logs the file under `ledger`, then registers its partitions and marks it done. */
  private async run(prepared: PreparedFile, ledger: SourceLedger, handedOut: () => void): Promise<SourceResult> {
    const { props } = this;
    const { file } = prepared;
    const uri = formatS3Uri(file.bucket, file.key);
    const state = ledger.state;
    const ctx = this.context(ledger, uri, props.workDir);
    props.emit({ type: 'file-started', object: props.config.name, source: uri, bytes: file.size });

    const rejects = new RejectLog({ path: join(props.workDir, 'rejected.csv'), header: state.uploadHeader });
    const loaded = state.skipLoadedRows ? await this.openLoadedRows(ctx, state.uploadHeader) : undefined;
    const input = await openSourceStream(props.s3, file);
    const parts = splitCsv(
      input,
      {
        maxPartBytes: state.maxJobBytes,
        maxPartRows: state.maxJobRows,
        workDir: props.workDir,
        header: state.uploadHeader,
        sourceName: uri,
      },
      (row) => rejects.add(row),
    );
    const run: FileRun = { prepared, ledger, ctx, rejects, loaded, inFlight: new Set() };
    const summary = await this.sendParts(run, parts, handedOut);
    if (run.firstError !== undefined) {
      await parts.return(undefined as never).catch(() => undefined);
      input.destroy();
      rejects.destroy();
      throw run.firstError;
    }
    await rejects.close();
    return this.complete(run, summary!);
  }

  /** The rows other loads of this env and object already loaded (--skip-loaded-rows). */
  private openLoadedRows(ctx: PartContext, header: readonly string[]): Promise<LoadedRows> {
    const { props } = this;
    return LoadedRows.open({
      s3: props.s3,
      bucket: props.logs.bucket,
      prefix: props.logs.prefix,
      env: props.env.name,
      object: props.config.name,
      header,
      exceptToken: ctx.token,
      workDir: join(props.workDir, 'loaded-rows'),
    });
  }

  /**
   * Sends the parts as the splitter cuts them, and calls `handedOut` once every part is out. Returns the
   * split's summary; an error is left in `run.firstError`, once this file's jobs have settled.
   */
  private async sendParts(
    run: FileRun,
    parts: AsyncGenerator<CsvPart, SplitSummary>,
    handedOut: () => void,
  ): Promise<SplitSummary | undefined> {
    let summary: SplitSummary | undefined;
    try {
      let next = await parts.next();
      while (!next.done && run.firstError === undefined) {
        await this.sendPart(run, next.value);
        if (run.firstError === undefined) next = await parts.next();
      }
      if (next.done) summary = next.value;
      // Every part is out: the next file may start while these jobs run (not after a failure: then the
      // error ends the object once this file's jobs have settled).
      if (run.firstError === undefined) handedOut();
      await Promise.all(run.inFlight);
    } catch (err) {
      run.firstError ??= err;
      await Promise.all(run.inFlight);
    } finally {
      await run.loaded?.close();
    }
    return summary;
  }

  /** Starts one part's job once a slot is free; a part already done or already loaded is only removed. */
  private async sendPart(run: FileRun, part: CsvPart): Promise<void> {
    const { props } = this;
    const { ctx, loaded } = run;
    const partState = run.ledger.part(part.index, part.rows);
    const data = loaded ? await this.skipLoaded(ctx, loaded, part, partState) : part.path;
    if (partState.done || data === undefined) {
      await rm(part.path, { force: true });
      if (data !== undefined && data !== part.path) await rm(data, { force: true });
      return;
    }
    while (props.slots.jobs.size >= props.limits.concurrency) await Promise.race(props.slots.jobs);
    if (run.firstError !== undefined) return;
    props.emit({
      type: 'part-ready',
      object: props.config.name,
      source: ctx.source,
      part: part.index,
      rows: part.rows,
      bytes: part.bytes,
    });
    const task: Promise<void> = new PartLoader({ context: ctx, part: partState, data, onJob: props.onJob })
      .run()
      .catch((err: unknown) => {
        run.firstError ??= err;
        props.slots.failed = true;
      })
      .finally(() => {
        run.inFlight.delete(task);
        props.slots.jobs.delete(task);
      });
    run.inFlight.add(task);
    props.slots.jobs.add(task);
  }

  /**
   * With --skip-loaded-rows: logs the part's rows that other loads already loaded (as success rows with the
   * earlier record id and job) and returns the CSV of the rest, or undefined when nothing is left to send.
   */
  private async skipLoaded(
    ctx: PartContext,
    loaded: LoadedRows,
    part: CsvPart,
    partState: PartState,
  ): Promise<string | undefined> {
    const name = `part-${ctx.token}-${String(part.index).padStart(5, '0')}`;
    const kept = join(this.props.workDir, `${name}-kept.csv`);
    const skipped = join(this.props.workDir, `${name}-skipped.csv`);
    const counts = await loaded.filter(part.path, partState.done ? undefined : { kept, skipped });
    if (partState.done) return undefined;
    if (partState.alreadyLoaded === undefined) {
      partState.alreadyLoaded =
        counts.skipped === 0
          ? 0
          : await ctx.logger.write({
              status: 'success',
              location: ctx.target.success,
              name: `${name}-skipped.parquet`,
              csv: skipped,
              columns: [
                ...ctx.uploadHeader.map((c) => ({ name: logColumnName(c), from: c })),
                { name: 'sf__Id', from: 'sf__Id' },
                { name: 'sf__Created', constant: 'false' },
                { name: 'sf__JobId', from: 'sf__JobId' },
              ],
            });
      if (counts.skipped > 0) {
        this.props.emit({
          type: 'rows-already-loaded',
          object: this.props.config.name,
          source: ctx.source,
          part: part.index,
          rows: counts.skipped,
        });
      }
      if (counts.kept === 0) partState.done = true;
      await ctx.checkpoint();
    }
    await rm(skipped, { force: true });
    if (counts.kept === 0) {
      await rm(kept, { force: true });
      return undefined;
    }
    return kept;
  }

  /** Logs the rejected rows, registers the partitions and marks the file done. */
  private async complete(run: FileRun, summary: SplitSummary): Promise<SourceResult> {
    const { props } = this;
    const { ctx, ledger } = run;
    const state = ledger.state;
    if (!state.rejectsLogged) {
      // Reconciliation counts the rows the log holds, not the rows the splitter meant to put there.
      state.rejectsWritten = await this.logRejects(ctx, run.rejects);
      state.rejectsLogged = true;
    }
    state.rowsRead = summary.rowsRead;
    state.rejected = summary.rejected;
    if (summary.malformedFrom) state.malformedFrom = summary.malformedFrom;
    await ledger.save(props.clock());

    // Register the file's partitions before the file counts as done: a crash in between is redone.
    const partitions = await this.registerPartitions(ctx.target);
    props.emit({ type: 'partitions-registered', object: props.config.name, source: ctx.source, partitions });
    state.status = 'done';
    state.finishedAt = props.clock().toISOString();
    await ledger.save(props.clock());
    return this.result(run, summary);
  }

  /** Writes the rows rejected before upload to the failure log; returns how many it holds. */
  private async logRejects(ctx: PartContext, rejects: RejectLog): Promise<number> {
    const { props } = this;
    if (rejects.count === 0) return 0;
    props.emit({ type: 'rows-rejected', object: props.config.name, source: ctx.source, rows: rejects.count });
    return ctx.logger.write({
      status: 'failure',
      location: ctx.target.failure,
      name: `part-${ctx.token}-rejected.parquet`,
      csv: rejects.path,
      columns: [
        ...ctx.uploadHeader.map((name) => ({ name: logColumnName(name), from: name })),
        { name: 'sf__Id', constant: '' },
        { name: 'sf__Error', from: 'sf__Error' },
        { name: 'sf__JobId', constant: '' },
      ],
    });
  }

  /** The file's outcome; a file that stopped being readable as CSV is also a warning. */
  private result(run: FileRun, summary: SplitSummary): SourceResult {
    const { props } = this;
    const { ledger, prepared } = run;
    const state = ledger.state;
    const uri = run.ctx.source;
    const malformed = summary.malformedFrom
      ? { ...summary.malformedFrom, message: csvMessages.malformedFile(uri, summary.malformedFrom) }
      : undefined;
    if (malformed) props.emit({ type: 'warning', object: props.config.name, message: malformed.message });
    const alreadyLoaded = state.parts.reduce((n, p) => n + (p.alreadyLoaded ?? 0), 0);
    return {
      uri,
      etag: prepared.file.etag,
      size: prepared.file.size,
      rowsRead: summary.rowsRead,
      rejected: summary.rejected,
      alreadyLoaded,
      success: ledger.successRows,
      failure: ledger.failureRows,
      runId: state.runId,
      ledger: formatS3Uri(props.logs.bucket, ledger.key),
      ...(malformed
        ? {
            malformed: {
              line: malformed.line,
              lastLine: malformed.lastLine,
              lines: malformed.lines,
              message: malformed.message,
            },
          }
        : {}),
    };
  }

  /** Registers the load's log directories that hold files; returns how many partitions that is. */
  private async registerPartitions(target: LogTarget): Promise<number> {
    const { props } = this;
    const partitions = [];
    for (const status of ['success', 'failure'] as const) {
      if (await this.hasFiles(target[status])) {
        partitions.push({
          status,
          runId: target.runId,
          env: props.env.name,
          createdTime: target.createdTime,
          location: target[status],
        });
        props.onLogDirectory(status, target[status]);
      }
    }
    await props.catalog.registerPartitions(props.config.name, partitions);
    return partitions.length;
  }

  private async hasFiles(location: string): Promise<boolean> {
    const prefix = keyInBucket(location, this.props.logs.bucket);
    const page = await this.props.s3.send(
      new ListObjectsV2Command({ Bucket: this.props.logs.bucket, Prefix: prefix, MaxKeys: 1 }),
    );
    return (page.KeyCount ?? 0) > 0;
  }
}

/**
 * The token in a load's log file names: the version's token, and the load number from the second load on,
 * so a forced reload never writes over the files of the load before it.
 */
export function logToken(ledger: SourceLedger): string {
  const base = sourceToken(ledger.state.source);
  return ledger.load > 1 ? `${base}-l${ledger.load}` : base;
}
