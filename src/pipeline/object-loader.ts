import { createWriteStream, WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify';
import { formatCreatedTime, LogCatalog, logLocation } from '../catalog';
import { EnvironmentConfig, LoadLimits, LogsConfig, ObjectConfig } from '../config';
import { openSourceStream, SourceFile, uploadFile } from '../s3';
import { IngestJobInfo, SalesforceApi } from '../salesforce';
import { BulkJobRunner, JobPart, TERMINAL_STATES } from './bulk-job-runner';
import { RejectedRow, splitCsv } from './csv-splitter';
import { sortFailures } from './failure-sorter';
import { LoadEventSink } from './load-events';
import { LogColumn, ParquetLogWriter } from './parquet-log-writer';
import { AttemptState, PartState, SourceLedger, sourceToken } from './source-ledger';

/** A file of the object with the header the preflight approved. */
export interface PreparedFile {
  readonly file: SourceFile;
  readonly uploadHeader: readonly string[];
}

/** Counts and where they went, for one object of one run. */
export interface ObjectLoadResult {
  readonly object: string;
  readonly operation: string;
  readonly createdTime: string;
  readonly sources: readonly {
    uri: string;
    etag: string;
    size: number;
    rowsRead: number;
    rejected: number;
    success: number;
    failure: number;
    /** The run whose log directories hold this file's rows (another run's when it was resumed). */
    runId: string;
    ledger: string;
  }[];
  /** Files already loaded for this env and object by an earlier run, not loaded again. */
  readonly skipped: readonly { uri: string; etag: string; runId: string; finishedAt: string }[];
  readonly jobs: readonly {
    jobId: string;
    /** The source file the job's rows came from (s3://bucket/key). */
    source: string;
    part: number;
    attempt: number;
    state: string;
    success: number;
    failure: number;
    retried: number;
    seconds: number;
  }[];
  readonly rowsRead: number;
  /** Rows written to the success log (what reconciliation counts). */
  readonly success: number;
  /** Rows written to the failure log: failed + unprocessed + rejected client-side. */
  readonly failure: number;
  readonly rejected: number;
  readonly columns: readonly string[];
  readonly logs: readonly { status: 'success' | 'failure'; location: string; files: number; rows: number }[];
  readonly seconds: number;
}

export interface ObjectLoaderProps {
  readonly api: SalesforceApi;
  readonly s3: S3Client;
  readonly catalog: LogCatalog;
  readonly parquet: ParquetLogWriter;
  readonly env: EnvironmentConfig;
  readonly logs: LogsConfig;
  readonly limits: LoadLimits;
  readonly retryErrorCodes: readonly string[];
  readonly runId: string;
  readonly workDir: string;
  readonly emit: LoadEventSink;
  /** Load files again even if an earlier run loaded them. @default false */
  readonly force?: boolean;
  /** Throws when the run must stop (SIGTERM, lost lease); called between steps. */
  readonly shouldStop?: () => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The client-side error code for rows a job never processed. */
export const UNPROCESSED_CODE = 'SFETL_UNPROCESSED';

/** The sf__ columns of the log tables, after the uploaded columns (DESIGN.md §2.1–2.2). */
export const LOG_COLUMNS = ['sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId'] as const;

/**
 * The log column of an uploaded column: relationship columns (`Account.Ext_Id__c`) are written as
 * `Account_Ext_Id__c`, because Athena and Hive column names cannot contain a dot.
 */
export function logColumnName(uploaded: string): string {
  return uploaded.replace(/\./g, '_');
}

interface LogTarget {
  readonly runId: string;
  readonly createdTime: string;
  readonly success: string;
  readonly failure: string;
}

/**
 * Loads one object: each source file goes through the splitter into Bulk API 2.0 jobs (up to
 * `concurrency` at once), every job's results become Parquet logs as the job finishes, rows that failed
 * for a transient reason go again in new jobs, and the file's partitions are registered in Glue.
 *
 * Every step that could be repeated is recorded first in the file's ledger (source-ledger.ts), and every
 * log file has a name fixed by (file, part, attempt, kind): a run that resumes after a crash writes the
 * same files again instead of new ones, so no row is logged twice, and it never creates a record twice.
 */
export class ObjectLoader {
  private readonly clock: () => Date;
  private readonly retryCodes: ReadonlySet<string>;

  constructor(private readonly props: ObjectLoaderProps) {
    this.clock = props.clock ?? (() => new Date());
    this.retryCodes = new Set(props.retryErrorCodes);
  }

  private location(config: ObjectConfig, status: 'success' | 'failure', runId: string, createdTime: string): string {
    return logLocation({
      bucket: this.props.logs.bucket,
      prefix: this.props.logs.prefix,
      status,
      object: config.name,
      runId,
      env: this.props.env.name,
      createdTime,
    });
  }

  async load(config: ObjectConfig, files: readonly PreparedFile[]): Promise<ObjectLoadResult> {
    const { props } = this;
    const started = Date.now();
    const createdTime = formatCreatedTime(this.clock());
    const workDir = join(props.workDir, config.name);
    await mkdir(workDir, { recursive: true });
    const columns = unionColumns(files.map((f) => f.uploadHeader.map(logColumnName)));
    const result = {
      sources: [] as ObjectLoadResult['sources'][number][],
      skipped: [] as ObjectLoadResult['skipped'][number][],
      jobs: [] as ObjectLoadResult['jobs'][number][],
      logs: new Map<string, { status: 'success' | 'failure'; location: string; files: number; rows: number }>(),
    };
    props.emit({
      type: 'object-started',
      object: config.name,
      operation: config.operation,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.file.size, 0),
    });
    const table = await props.catalog.ensureTable(config.name, [...columns, ...LOG_COLUMNS]);
    for (const column of table.omittedColumns) {
      props.emit({
        type: 'warning',
        object: config.name,
        message: `column ${column} has the name of a partition key; it is in the Parquet logs but not in the Glue table`,
      });
    }

    // Inserts overlap files: the next file is read and cut while the jobs of the ones before it still run,
    // and the jobs of all of them share the `concurrency` slots. A file starts only once the one before it
    // has handed out all its parts, so at most one file is being read at a time. Operations on existing
    // records (update, upsert, delete) load each file to its end before the next: files in key order are
    // versions in time, and the org runs concurrent jobs in no promised order, so the later file must win.
    const overlapFiles = config.operation === 'insert';
    const shared: SharedSlots = { jobs: new Set(), logs: new ConversionQueue(), failed: false };
    const running: Promise<void>[] = [];
    let firstError: unknown;
    try {
      for (const [index, prepared] of files.entries()) {
        // A part that failed ends the object: no further file starts, the ones running settle, the error is thrown.
        if (firstError !== undefined || shared.failed) break;
        props.shouldStop?.();
        const fileDir = join(workDir, `file-${index}`);
        await mkdir(fileDir, { recursive: true });
        let handedOut!: () => void;
        const allHandedOut = new Promise<void>((resolve) => (handedOut = resolve));
        const file = this.loadFile(config, prepared, createdTime, fileDir, result, shared, handedOut)
          .finally(() => rm(fileDir, { recursive: true, force: true }))
          .catch((err: unknown) => {
            firstError ??= err;
          });
        running.push(file);
        await (overlapFiles ? Promise.race([allHandedOut, file]) : file);
      }
    } finally {
      // Nothing of this object is left running when load returns or throws.
      await Promise.all(running);
    }
    if (firstError !== undefined) throw firstError;
    const order = new Map(files.map((f, i) => [`s3://${f.file.bucket}/${f.file.key}`, i]));
    result.sources.sort((a, b) => order.get(a.uri)! - order.get(b.uri)!);

    const sum = (pick: (s: ObjectLoadResult['sources'][number]) => number) =>
      result.sources.reduce((n, s) => n + pick(s), 0);
    const out: ObjectLoadResult = {
      object: config.name,
      operation: config.operation,
      createdTime,
      sources: result.sources,
      skipped: result.skipped,
      jobs: result.jobs,
      rowsRead: sum((s) => s.rowsRead),
      success: sum((s) => s.success),
      failure: sum((s) => s.failure),
      rejected: sum((s) => s.rejected),
      columns,
      logs: [...result.logs.values()],
      seconds: (Date.now() - started) / 1000,
    };
    props.emit({
      type: 'object-finished',
      object: config.name,
      rowsRead: out.rowsRead,
      success: out.success,
      failure: out.failure,
      rejected: out.rejected,
      jobs: out.jobs.length,
      seconds: out.seconds,
    });
    return out;
  }

  private async loadFile(
    config: ObjectConfig,
    { file, uploadHeader }: PreparedFile,
    createdTime: string,
    fileDir: string,
    result: {
      sources: ObjectLoadResult['sources'][number][];
      skipped: ObjectLoadResult['skipped'][number][];
      jobs: ObjectLoadResult['jobs'][number][];
      logs: Map<string, { status: 'success' | 'failure'; location: string; files: number; rows: number }>;
    },
    shared: SharedSlots,
    handedOut: () => void,
  ): Promise<void> {
    const { props } = this;
    const uri = `s3://${file.bucket}/${file.key}`;
    const ledgerKey = SourceLedger.keyFor(props.logs.statePrefix, props.env.name, config.name, file);
    let ledger = await SourceLedger.read(props.s3, props.logs.bucket, ledgerKey);
    if (ledger?.state.status === 'done' && !props.force) {
      result.skipped.push({
        uri,
        etag: file.etag,
        runId: ledger.state.runId,
        finishedAt: ledger.state.finishedAt ?? '',
      });
      props.emit({
        type: 'file-skipped',
        object: config.name,
        source: uri,
        runId: ledger.state.runId,
        finishedAt: ledger.state.finishedAt ?? '',
      });
      return;
    }
    if (ledger && ledger.state.status === 'in-progress' && !props.force) {
      if (ledger.state.runId !== props.runId) ledger.state.resumedBy.push(props.runId);
      props.emit({ type: 'file-resumed', object: config.name, source: uri, runId: ledger.state.runId });
    } else {
      const now = this.clock().toISOString();
      ledger = SourceLedger.create(props.s3, props.logs.bucket, ledgerKey, {
        version: 1,
        env: props.env.name,
        object: config.name,
        source: { bucket: file.bucket, key: file.key, etag: file.etag, size: file.size },
        runId: props.runId,
        createdTime,
        maxJobBytes: props.limits.maxJobBytes,
        maxJobRows: props.limits.maxJobRows,
        uploadHeader,
        status: 'in-progress',
        parts: [],
        rejectsLogged: false,
        startedAt: now,
        updatedAt: now,
        resumedBy: [],
      });
    }
    await ledger.save(this.clock());
    const state = ledger.state;
    const target: LogTarget = {
      runId: state.runId,
      createdTime: state.createdTime,
      success: this.location(config, 'success', state.runId, state.createdTime),
      failure: this.location(config, 'failure', state.runId, state.createdTime),
    };
    const token = sourceToken(file);
    props.emit({ type: 'file-started', object: config.name, source: uri, bytes: file.size });

    const runner = new BulkJobRunner({
      api: props.api,
      object: config.name,
      operation: config.operation,
      externalIdField: config.externalIdField,
      limits: props.limits,
      workDir: fileDir,
      sleep: props.sleep,
      shouldStop: props.shouldStop,
      onState: (part, job) =>
        props.emit({
          type: 'job-state',
          object: config.name,
          source: uri,
          part: part.index,
          jobId: job.id,
          state: job.state,
          processed: job.numberRecordsProcessed,
        }),
    });
    const logger = new LogWriter(
      shared.logs,
      props.parquet,
      props.s3,
      props.logs.bucket,
      fileDir,
      props.emit,
      config.name,
      (status, location, rows) => {
        const entry = result.logs.get(location) ?? { status, location, files: 0, rows: 0 };
        entry.files++;
        entry.rows += rows;
        result.logs.set(location, entry);
      },
    );
    const rejects = new RejectLog(join(fileDir, 'rejected.csv'), uploadHeader);
    const input = await openSourceStream(props.s3, file);
    const parts = splitCsv(
      input,
      {
        maxPartBytes: state.maxJobBytes,
        maxPartRows: state.maxJobRows,
        workDir: fileDir,
        header: uploadHeader,
        sourceName: uri,
      },
      (row) => rejects.add(row),
    );
    // This file's jobs; `shared.jobs` holds every file's, and `concurrency` bounds those.
    const inFlight = new Set<Promise<void>>();
    let firstError: unknown;
    const partContext = {
      config,
      source: uri,
      uploadHeader,
      runner,
      logger,
      ledger,
      target,
      token,
      fileDir,
      jobs: result.jobs,
    };
    let next = await parts.next();
    while (!next.done && !firstError) {
      const part = next.value;
      const partState = ledger.part(part.index, part.rows);
      if (partState.done) {
        await rm(part.path, { force: true });
      } else {
        while (shared.jobs.size >= props.limits.concurrency) await Promise.race(shared.jobs);
        if (firstError) break;
        props.emit({
          type: 'part-ready',
          object: config.name,
          source: uri,
          part: part.index,
          rows: part.rows,
          bytes: part.bytes,
        });
        const task: Promise<void> = this.loadPart(partContext, part, partState)
          .catch((err: unknown) => {
            firstError ??= err;
            shared.failed = true;
          })
          .finally(() => {
            inFlight.delete(task);
            shared.jobs.delete(task);
          });
        inFlight.add(task);
        shared.jobs.add(task);
      }
      if (!firstError) next = await parts.next();
    }
    // Every part is out: the next file may start while these jobs run (not after a failure: then the
    // error ends the object once this file's jobs have settled).
    if (!firstError) handedOut();
    await Promise.all(inFlight);
    if (firstError) {
      await parts.return(undefined as never).catch(() => undefined);
      input.destroy();
      await rejects.close().catch(() => undefined);
      throw firstError;
    }
    const summary = next.value;
    if (!summary || typeof summary !== 'object' || !('rowsRead' in summary)) {
      throw new Error(`the splitter ended ${uri} without a summary`);
    }
    await rejects.close();
    if (!state.rejectsLogged) {
      let written = 0;
      if (rejects.count > 0) {
        props.emit({ type: 'rows-rejected', object: config.name, source: uri, rows: rejects.count });
        written = await logger.write('failure', target.failure, `part-${token}-rejected.parquet`, rejects.path, [
          ...uploadHeader.map((name) => ({ name: logColumnName(name), from: name })),
          { name: 'sf__Id', constant: '' },
          { name: 'sf__Error', from: 'sf__Error' },
          { name: 'sf__JobId', constant: '' },
        ]);
      }
      // Reconciliation counts the rows the log holds, not the rows the splitter meant to put there.
      state.rejectsWritten = written;
      state.rejectsLogged = true;
    }
    state.rowsRead = summary.rowsRead;
    state.rejected = summary.rejected;
    await ledger.save(this.clock());

    // Register the file's partitions before the file counts as done: a crash in between is redone.
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
      }
    }
    await props.catalog.registerPartitions(config.name, partitions);
    props.emit({ type: 'partitions-registered', object: config.name, source: uri, partitions: partitions.length });
    state.status = 'done';
    state.finishedAt = this.clock().toISOString();
    await ledger.save(this.clock());

    const logged = state.parts.reduce(
      (n, p) => {
        for (const a of p.attempts) {
          n.success += a.success ?? 0;
          n.failure += a.failure ?? 0;
        }
        return n;
      },
      // A ledger written before rejectsWritten existed: its rejected rows were logged as counted.
      { success: 0, failure: state.rejectsWritten ?? summary.rejected },
    );
    for (const status of ['success', 'failure'] as const) {
      if (!result.logs.has(target[status]) && partitions.some((p) => p.status === status)) {
        result.logs.set(target[status], { status, location: target[status], files: 0, rows: 0 });
      }
    }
    result.sources.push({
      uri,
      etag: file.etag,
      size: file.size,
      rowsRead: summary.rowsRead,
      rejected: summary.rejected,
      success: logged.success,
      failure: logged.failure,
      runId: state.runId,
      ledger: `s3://${props.logs.bucket}/${ledger.key}`,
    });
  }

  private async hasFiles(location: string): Promise<boolean> {
    const prefix = location.replace(`s3://${this.props.logs.bucket}/`, '');
    const page = await this.props.s3.send(
      new ListObjectsV2Command({ Bucket: this.props.logs.bucket, Prefix: prefix, MaxKeys: 1 }),
    );
    return (page.KeyCount ?? 0) > 0;
  }

  /**
   * One part through its attempts: attempt 1 sends the part's rows; each later attempt sends the rows the
   * previous one failed transiently or left unprocessed. A job found Open (its upload may or may not have
   * happened) is aborted and its rows sent in a new job; a job found closed is awaited, never sent again.
   */
  private async loadPart(
    ctx: {
      config: ObjectConfig;
      source: string;
      uploadHeader: readonly string[];
      runner: BulkJobRunner;
      logger: LogWriter;
      ledger: SourceLedger;
      target: LogTarget;
      token: string;
      fileDir: string;
      jobs: ObjectLoadResult['jobs'][number][];
    },
    part: JobPart,
    partState: PartState,
  ): Promise<void> {
    const { props } = this;
    const save = () => ctx.ledger.save(this.clock());
    let data = part.path;
    let attemptNo = 1;
    let failedUploads = 0;
    for (;;) {
      props.shouldStop?.();
      let attempt = partState.attempts.find((a) => a.attempt === attemptNo && a.phase !== 'abandoned');
      if (attempt?.phase === 'logged') {
        if (!attempt.retried) break;
        data = await this.retryDataFrom(ctx, attempt, part);
        attemptNo++;
        continue;
      }
      const started = Date.now();
      let info: IngestJobInfo | undefined;
      if (attempt?.jobId) {
        info = await props.api.getJob(attempt.jobId);
        if (info.state === 'Open') {
          // The upload may or may not have happened: abort, and send the rows in a new job.
          await ctx.runner.abortChecked(attempt.jobId);
          attempt.phase = 'abandoned';
          await save();
          attempt = undefined;
          info = undefined;
        }
      }
      if (!attempt) {
        const created = await ctx.runner.create();
        attempt = { attempt: attemptNo, jobId: created.id, phase: 'created' };
        partState.attempts.push(attempt);
        await save();
        props.emit({
          type: 'job-state',
          object: ctx.config.name,
          source: ctx.source,
          part: part.index,
          jobId: created.id,
          state: created.state,
        });
        try {
          await props.api.uploadJobData(created.id, data);
        } catch (err) {
          // Never repeat an upload blindly: the job is checked (and aborted) on the next pass.
          if (++failedUploads >= props.limits.httpAttempts) throw err;
          props.emit({
            type: 'warning',
            object: ctx.config.name,
            message: `upload to job ${created.id} failed (${(err as Error).message}); the job is checked and its rows sent again`,
          });
          continue;
        }
        attempt.phase = 'uploaded';
        await save();
        info = await ctx.runner.close(created.id);
        attempt.phase = 'closed';
        await save();
        props.emit({
          type: 'job-state',
          object: ctx.config.name,
          source: ctx.source,
          part: part.index,
          jobId: created.id,
          state: info.state,
        });
      }
      const jobId = attempt.jobId!;
      const { info: final, timedOut } = TERMINAL_STATES.has(info?.state ?? '')
        ? { info: info!, timedOut: false }
        : await ctx.runner.finish(part, jobId, info);
      attempt.state = final.state;
      props.emit({ type: 'results-fetching', object: ctx.config.name, source: ctx.source, part: part.index, jobId });
      const name = `part-${ctx.token}-${String(part.index).padStart(5, '0')}-a${attemptNo}`;
      const files = await ctx.runner.download(jobId, name);
      const canRetry = attemptNo < props.limits.maxRecordAttempts;
      const sorted = await sortFailures({
        failedCsv: files.failureCsv,
        unprocessedCsv: files.unprocessedCsv,
        uploadHeader: ctx.uploadHeader,
        retryCodes: canRetry ? this.retryCodes : new Set(),
        permanentCsv: join(ctx.fileDir, `${name}-permanent.csv`),
        retryCsv: join(ctx.fileDir, `${name}-retry.csv`),
      });
      const uploaded = ctx.uploadHeader.map((c) => ({ name: logColumnName(c), from: c }));
      const jobColumn = { name: 'sf__JobId', constant: jobId };
      const success = await ctx.logger.write(
        'success',
        ctx.target.success,
        `${name}-success.parquet`,
        files.successCsv,
        [...uploaded, { name: 'sf__Id', from: 'sf__Id' }, { name: 'sf__Created', from: 'sf__Created' }, jobColumn],
      );
      let failure = await ctx.logger.write(
        'failure',
        ctx.target.failure,
        `${name}-failure.parquet`,
        sorted.permanentCsv,
        [...uploaded, { name: 'sf__Id', from: 'sf__Id' }, { name: 'sf__Error', from: 'sf__Error' }, jobColumn],
      );
      let retried = sorted.retry;
      if (!canRetry && sorted.retry > 0) {
        // Last attempt: unprocessed rows are final failures.
        const reason = timedOut
          ? `job did not finish within ${props.limits.jobTimeoutMinutes} minutes and was aborted`
          : `job ended ${final.state}${final.errorMessage ? `: ${final.errorMessage}` : ''}`;
        failure += await ctx.logger.write(
          'failure',
          ctx.target.failure,
          `${name}-unprocessed.parquet`,
          sorted.retryCsv,
          [
            ...uploaded,
            { name: 'sf__Id', constant: '' },
            {
              name: 'sf__Error',
              constant: `${UNPROCESSED_CODE}:record not processed after ${attemptNo} attempt(s); ${reason}:--`,
            },
            jobColumn,
          ],
        );
        retried = 0;
      }
      attempt.success = success;
      attempt.failure = failure;
      attempt.retried = retried;
      attempt.phase = 'logged';
      await save();
      await Promise.all([...Object.values(files), sorted.permanentCsv].map((f) => rm(f, { force: true })));
      ctx.jobs.push({
        jobId,
        source: ctx.source,
        part: part.index,
        attempt: attemptNo,
        state: final.state,
        success,
        failure,
        retried,
        seconds: (Date.now() - started) / 1000,
      });
      props.emit({
        type: 'job-finished',
        object: ctx.config.name,
        source: ctx.source,
        part: part.index,
        jobId,
        state: final.state,
        success,
        failure,
        seconds: (Date.now() - started) / 1000,
      });
      if (data !== part.path) await rm(data, { force: true });
      if (retried === 0) break;
      props.emit({
        type: 'rows-retried',
        object: ctx.config.name,
        source: ctx.source,
        part: part.index,
        attempt: attemptNo + 1,
        rows: retried,
        codes: [...this.retryCodes],
      });
      data = sorted.retryCsv;
      attemptNo++;
    }
    await rm(part.path, { force: true });
    partState.done = true;
    await save();
  }

  /** The rows attempt `a` passed on, rebuilt from its job's results (a resumed run has no local files). */
  private async retryDataFrom(
    ctx: { runner: BulkJobRunner; uploadHeader: readonly string[]; fileDir: string; token: string },
    a: AttemptState,
    part: JobPart,
  ): Promise<string> {
    const name = `part-${ctx.token}-${String(part.index).padStart(5, '0')}-a${a.attempt}-again`;
    const files = await ctx.runner.download(a.jobId!, name);
    const sorted = await sortFailures({
      failedCsv: files.failureCsv,
      unprocessedCsv: files.unprocessedCsv,
      uploadHeader: ctx.uploadHeader,
      retryCodes: this.retryCodes,
      permanentCsv: join(ctx.fileDir, `${name}-permanent.csv`),
      retryCsv: join(ctx.fileDir, `${name}-retry.csv`),
    });
    await Promise.all([...Object.values(files), sorted.permanentCsv].map((f) => rm(f, { force: true })));
    return sorted.retryCsv;
  }
}

/** Runs tasks one after another: every file of an object converts its logs through one, so one at a time. */
class ConversionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What the files of one object share while they overlap: the jobs in flight and the Parquet conversions. */
interface SharedSlots {
  readonly jobs: Set<Promise<void>>;
  readonly logs: ConversionQueue;
  /** Set as soon as a part of any file fails (before that file has settled). */
  failed: boolean;
}

/** Converts result CSVs to Parquet and uploads them under fixed names; one DuckDB conversion at a time. */
class LogWriter {
  constructor(
    private readonly queue: ConversionQueue,
    private readonly parquet: ParquetLogWriter,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly workDir: string,
    private readonly emit: LoadEventSink,
    private readonly object: string,
    private readonly written: (status: 'success' | 'failure', location: string, rows: number) => void,
  ) {}

  /** Writes `csv` as `<location><name>` when it has rows; returns the row count. */
  write(
    status: 'success' | 'failure',
    location: string,
    name: string,
    csv: string,
    columns: readonly LogColumn[],
  ): Promise<number> {
    return this.queue.run(async () => {
      const output = join(this.workDir, name);
      const { rows } = await this.parquet.csvToParquet({ input: csv, output, columns });
      if (rows > 0) {
        const key = `${location.replace(`s3://${this.bucket}/`, '')}${name}`;
        this.emit({ type: 'log-uploading', object: this.object, status, location: `s3://${this.bucket}/${key}`, rows });
        await uploadFile(this.s3, output, this.bucket, key, 'application/vnd.apache.parquet');
        this.emit({ type: 'log-written', object: this.object, status, location: `s3://${this.bucket}/${key}`, rows });
        this.written(status, location, rows);
      }
      await rm(output, { force: true });
      return rows;
    });
  }
}

function unionColumns(headers: readonly (readonly string[])[]): string[] {
  const seen = new Map<string, string>();
  for (const header of headers) for (const c of header) if (!seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), c);
  return [...seen.values()];
}

/** Rows rejected client-side, written as CSV (upload columns + sf__Error) for the failure log. */
class RejectLog {
  count = 0;
  private readonly stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  constructor(
    readonly path: string,
    private readonly header: readonly string[],
  ) {
    this.out = createWriteStream(path);
    this.stringifier = stringify({ header: true, columns: [...header, 'sf__Error'], quoted_string: true });
    this.done = new Promise((resolve, reject) => {
      this.out.on('finish', resolve);
      this.out.on('error', reject);
    });
    this.stringifier.pipe(this.out);
  }

  add(row: RejectedRow): void {
    this.count++;
    const values = this.header.map((_, i) => row.values[i] ?? '');
    const extra =
      row.values.length > this.header.length
        ? ` (values past the last column: ${row.values.slice(this.header.length).join(', ')})`
        : '';
    this.stringifier.write([...values, `${row.code}:${row.message}${extra}:--`]);
  }

  close(): Promise<void> {
    this.stringifier.end();
    return this.done;
  }
}
