import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ApiError } from './api-error';
import { INGEST_OPERATIONS, IngestOperation, InvalidBatchError, planColumns } from './column-plan';
import { csvRows, CsvRowSpan, CsvSyntaxError } from './csv-rows';
import { FaultInjector } from './fault-injector';
import { jobCsvFormat } from './job-csv-format';
import { jobListPage } from './job-list-page';
import { NotEmulatedError } from './not-emulated-error';
import { OrgData } from './org-data';
import { RecordError } from './record-errors';
import { formatDateTime, RecordProcessor } from './record-processor';
import { COLUMN_DELIMITERS, minimallyQuoted, quoted, quotedColumns, resultHeader } from './result-csv';
import { ResultLines } from './result-lines';
import { newSalesforceId, salesforceIdCounter } from './salesforce-id';
import { FieldSchema, SchemaRegistry, SObjectSchema } from './sobject-schema';

export { ApiError } from './api-error';

/** Bulk API 2.0 ingest job states. */
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

const TERMINAL: readonly JobState[] = ['JobComplete', 'Failed', 'Aborted'];

/** The request properties "Create a Job" documents (besides assignmentRuleId, which is not emulated). */
const CREATE_PROPERTIES: ReadonlySet<string> = new Set([
  'object',
  'operation',
  'externalIdFieldName',
  'contentType',
  'columnDelimiter',
  'lineEnding',
]);

/**
 * Salesforce's largest single upload: "100 MB" of raw CSV (150 MB base64-encoded). Read as 100,000,000 bytes,
 * the smaller reading and the loader's own limit, so a client that overshoots it is caught here.
 */
export const MAX_UPLOAD_BYTES = 100_000_000;

/** Salesforce processes a job's records in transactions of this many records. */
const CHUNK_RECORDS = 200;

/** A row read ahead of applying it: its values and where it lies in the job's text. */
interface BufferedRow {
  readonly values: string[];
  readonly start: number;
  readonly end: number;
}

/** One ingest job with its data and results. */
interface IngestJob {
  readonly id: string;
  readonly operation: IngestOperation;
  readonly object: SObjectSchema;
  readonly externalIdField?: FieldSchema;
  readonly createdById: string;
  readonly createdDate: string;
  systemModstamp: string;
  state: JobState;
  readonly apiVersion: number;
  readonly lineEnding: 'LF' | 'CRLF';
  readonly columnDelimiter: string;
  data?: Buffer;
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  totalProcessingTime: number;
  errorMessage?: string;
  header: string[];
  /** The header record as uploaded (unprocessedrecords gives it back as it was sent). */
  headerLine?: string;
  successLines: ResultLines;
  failedLines: ResultLines;
  unprocessedLines: ResultLines;
  /** Set while processing: abort asks the processor to stop between records. */
  abortRequested: boolean;
}

/** A stored job as written to the data directory. */
export type IngestJobSnapshot = Omit<
  IngestJob,
  'object' | 'externalIdField' | 'data' | 'abortRequested' | 'successLines' | 'failedLines' | 'unprocessedLines'
> & {
  object: string;
  externalIdFieldName?: string;
  data?: string;
  /** Each result CSV's records as strings of whole lines (see `ResultLines.texts`). */
  successLines: string[];
  failedLines: string[];
  unprocessedLines: string[];
};

/** Options of an org's ingest processing. */
export interface BulkIngestOptions {
  /** Records processed per second per org; 0 for as fast as possible. @default 0 */
  readonly recordsPerSecond?: number;
  /** Records per rolling 24 hours (Salesforce: 150,000,000). @default 150000000 */
  readonly dailyRecordLimit?: number;
  /** Whether the user may hardDelete (the "Bulk API Hard Delete" permission). @default true */
  readonly hardDeleteAllowed?: boolean;
}

/** The Bulk API 2.0 ingest side of one org: jobs, their state machine and asynchronous processing. */
export class BulkIngest {
  private readonly jobs = new Map<string, IngestJob>();
  private jobCounter = 1;
  private readonly queue: IngestJob[] = [];
  private processing = false;
  private readonly processed: { at: number; count: number }[] = [];
  /** The sum of `processed` counts, kept as entries come and go (it is read before every 200 records). */
  private processedCount = 0;
  private readonly changeListeners: (() => void)[] = [];
  private stopWaiters: (() => void)[] = [];
  /** Set by `halt`: processing stops at the next chunk boundary, as in a process that exits. */
  private halted = false;

  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly data: OrgData,
    private readonly faults: FaultInjector,
    private readonly userId: string,
    private readonly options: BulkIngestOptions = {},
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Called whenever a job reaches a terminal state (for persistence). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  create(body: Record<string, unknown>, apiVersion: number): Record<string, unknown> {
    for (const key of Object.keys(body)) {
      if (key === 'assignmentRuleId') {
        throw new NotEmulatedError(
          'the job property "assignmentRuleId"',
          'Salesforce runs that assignment rule on each Case or Lead ("Create a Job"); the emulator has no assignment rules',
        );
      }
      if (!CREATE_PROPERTIES.has(key)) {
        throw new NotEmulatedError(
          `the job property "${key}"`,
          'An ingest job takes object, operation, externalIdFieldName, contentType, columnDelimiter, lineEnding and assignmentRuleId ("Create a Job"); what Salesforce answers to another property is not known to the emulator',
        );
      }
    }
    const objectName = body.object;
    const operation = body.operation;
    if (typeof objectName !== 'string' || objectName === '') {
      throw new ApiError(400, 'INVALIDJOB', 'object is required');
    }
    if (typeof operation !== 'string' || !INGEST_OPERATIONS.includes(operation as IngestOperation)) {
      throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    }
    const object = this.schemas.get(objectName);
    if (!object) {
      throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${objectName}`);
    }
    const op = operation as IngestOperation;
    if (op === 'hardDelete' && !(this.options.hardDeleteAllowed ?? true)) {
      throw new ApiError(
        400,
        'FEATURENOTENABLED',
        "InvalidJob : User doesn't have the 'Bulk API Hard Delete' permission",
      );
    }
    if (
      (op === 'insert' && !object.createable) ||
      (op === 'update' && !object.updateable) ||
      (op.endsWith('elete') && !object.deletable)
    ) {
      throw new ApiError(400, 'INVALIDJOB', `InvalidJob : The ${op} operation is not allowed on ${object.name}`);
    }
    let externalIdField: FieldSchema | undefined;
    if (op === 'upsert') {
      const name = body.externalIdFieldName;
      if (typeof name !== 'string' || name === '') {
        throw new ApiError(
          400,
          'INVALIDJOB',
          'InvalidJob : External ID was blank for ' + object.name + '. An External ID must be specified for upsert.',
        );
      }
      externalIdField = object.fieldsByLowerName.get(name.toLowerCase());
      if (!externalIdField || !(externalIdField.externalId || externalIdField.name === 'Id')) {
        throw new ApiError(
          400,
          'INVALIDJOB',
          `InvalidJob : Field name provided, ${name} is not an External ID or indexed field for ${object.name}`,
        );
      }
    }
    const { lineEnding, delimiter: columnDelimiter } = jobCsvFormat(body);
    if (this.recordsInLast24h() >= this.dailyLimit()) {
      throw new ApiError(
        400,
        'EXCEEDED_QUOTA',
        `ExceededQuota : The 24-hour limit of ${this.dailyLimit()} Bulk API records has been reached.`,
      );
    }
    const now = formatDateTime(this.clock());
    const job: IngestJob = {
      id: this.newJobId(),
      operation: op,
      object,
      externalIdField,
      createdById: this.userId,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      apiVersion,
      lineEnding,
      columnDelimiter,
      numberRecordsProcessed: 0,
      numberRecordsFailed: 0,
      totalProcessingTime: 0,
      header: [],
      successLines: new ResultLines(),
      failedLines: new ResultLines(),
      unprocessedLines: new ResultLines(),
      abortRequested: false,
    };
    this.jobs.set(job.id, job);
    return this.info(job, false);
  }

  /** A new async API job id (`750…`): ingest and query jobs take theirs from this one sequence. */
  newJobId(): string {
    return newSalesforceId('750', this.jobCounter++);
  }

  private job(id: string): IngestJob {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  upload(id: string, body: Buffer): void {
    const job = this.job(id);
    if (job.data !== undefined) {
      throw new ApiError(
        400,
        'BULK_API_ERROR',
        `Found multiple contents for job: <${job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
      );
    }
    if (job.state !== 'Open') {
      throw new ApiError(
        409,
        'INVALIDJOBSTATE',
        `Job ${job.id} is in state ${job.state}; data can be uploaded only while the job is Open.`,
      );
    }
    if (body.length > MAX_UPLOAD_BYTES) {
      throw new ApiError(
        413,
        'LIMIT_EXCEEDED',
        `The upload is ${body.length} bytes; a job's data can be at most ${MAX_UPLOAD_BYTES} bytes (100 MB). Split the data into several jobs.`,
      );
    }
    job.data = body;
    job.systemModstamp = formatDateTime(this.clock());
  }

  /** PATCH state: UploadComplete closes the job, Aborted aborts it. */
  setState(id: string, state: unknown): Record<string, unknown> {
    const job = this.job(id);
    if (state === 'UploadComplete') {
      if (job.state !== 'Open') {
        throw new ApiError(
          409,
          'INVALIDJOBSTATE',
          `Unable to change the state of job ${job.id} from ${job.state} to UploadComplete.`,
        );
      }
      if (job.data === undefined || job.data.length === 0) {
        this.finish(job, 'Failed', 'InvalidBatch : Records not processed: no data was uploaded for this job');
        return this.info(job, false);
      }
      job.state = 'UploadComplete';
      job.systemModstamp = formatDateTime(this.clock());
      this.queue.push(job);
      // Processing starts after this answer, which says UploadComplete as Salesforce's does.
      setImmediate(() => void this.drain());
      return this.info(job, false);
    }
    if (state === 'Aborted') {
      if (TERMINAL.includes(job.state)) {
        throw new ApiError(409, 'INVALIDJOBSTATE', `Unable to abort job ${job.id}: it is already ${job.state}.`);
      }
      if (job.state === 'InProgress') {
        job.abortRequested = true;
        job.state = 'Aborted';
      } else {
        this.unprocessAll(job);
        this.finish(job, 'Aborted');
      }
      return this.info(job, false);
    }
    throw new ApiError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}. Use UploadComplete or Aborted.`);
  }

  get(id: string): Record<string, unknown> {
    return this.info(this.job(id), true);
  }

  delete(id: string): void {
    const job = this.job(id);
    // Salesforce deletes a job that is UploadComplete, JobComplete, Aborted or Failed; not Open or InProgress.
    if (!TERMINAL.includes(job.state) && job.state !== 'UploadComplete') {
      throw new ApiError(
        400,
        'INVALIDJOBSTATE',
        `Job ${job.id} is ${job.state}; only UploadComplete, JobComplete, Aborted or Failed jobs can be deleted.`,
      );
    }
    job.abortRequested = true;
    this.jobs.delete(id);
    // A job still waiting in the queue is never processed.
    const queued = this.queue.indexOf(job);
    if (queued > 0 || (queued === 0 && !this.processing)) this.queue.splice(queued, 1);
    this.changed();
  }

  list(locator: string | undefined, pageSize = 1000): Record<string, unknown> {
    return jobListPage(this.jobs.values(), 'ingest', locator, pageSize, (j) => this.info(j, false));
  }

  /**
   * A result CSV of a terminal job (successfulResults, failedResults or unprocessedrecords), in pieces of
   * whole lines to send one after the other: the header as a string, then UTF-8 buffers of many records.
   */
  async results(id: string, kind: 'successful' | 'failed' | 'unprocessed'): Promise<(string | Buffer)[]> {
    const job = this.job(id);
    if (job.abortRequested && this.isBeingProcessed(job)) {
      // Aborted while processing: the answer waits for the processor to stop at the next record.
      await new Promise<void>((resolve) => this.stopWaiters.push(resolve));
      // Deleted while the answer waited.
      if (!this.jobs.has(id)) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (!TERMINAL.includes(job.state)) {
      throw new ApiError(
        400,
        'INVALIDJOBSTATE',
        `Job ${job.id} is ${job.state}; results are available once it is JobComplete, Failed or Aborted.`,
      );
    }
    const d = job.columnDelimiter;
    const eol = '\n';
    if (kind === 'successful') {
      return [resultHeader(['sf__Id', 'sf__Created'], job.header, d) + eol, ...job.successLines.buffers()];
    }
    if (kind === 'failed') {
      return [resultHeader(['sf__Id', 'sf__Error'], job.header, d) + eol, ...job.failedLines.buffers()];
    }
    return job.headerLine === undefined ? [] : [job.headerLine + eol, ...job.unprocessedLines.buffers()];
  }

  private isBeingProcessed(job: IngestJob): boolean {
    return this.queue[0] === job && this.processing;
  }

  private info(job: IngestJob, full: boolean): Record<string, unknown> {
    const base: Record<string, unknown> = {
      id: job.id,
      operation: job.operation,
      object: job.object.name,
      createdById: job.createdById,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      ...(job.externalIdField ? { externalIdFieldName: job.externalIdField.name } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      jobType: 'V2Ingest',
      // "The URL to use for Upload Job Data requests for this job. Only valid if the job is in Open state."
      // ("Get Information About an Ingest Job"); a recorded Failed job's info has none (amp-labs/connectors#118).
      ...(job.state === 'Open'
        ? { contentUrl: `services/data/v${job.apiVersion.toFixed(1)}/jobs/ingest/${job.id}/batches` }
        : {}),
      lineEnding: job.lineEnding,
      columnDelimiter: [...COLUMN_DELIMITERS].find(([, v]) => v === job.columnDelimiter)![0],
    };
    if (!full) return base;
    return {
      ...base,
      retries: 0,
      totalProcessingTime: job.totalProcessingTime,
      apiActiveProcessingTime: job.totalProcessingTime,
      apexProcessingTime: 0,
      numberRecordsProcessed: job.numberRecordsProcessed,
      numberRecordsFailed: job.numberRecordsFailed,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  private dailyLimit(): number {
    return this.options.dailyRecordLimit ?? 150_000_000;
  }

  private recordsInLast24h(): number {
    const since = this.clock().getTime() - 24 * 3600 * 1000;
    while (this.processed.length > 0 && this.processed[0]!.at < since) {
      this.processedCount -= this.processed.shift()!.count;
    }
    return this.processedCount;
  }

  private countProcessed(count: number): void {
    this.processed.push({ at: this.clock().getTime(), count });
    this.processedCount += count;
  }

  private releaseStopWaiters(): void {
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) setImmediate(resolve);
  }

  private finish(job: IngestJob, state: JobState, errorMessage?: string): void {
    this.releaseStopWaiters();
    job.successLines.close();
    job.failedLines.close();
    job.unprocessedLines.close();
    job.state = state;
    if (errorMessage) job.errorMessage = errorMessage;
    job.systemModstamp = formatDateTime(this.clock());
    job.data = undefined;
    this.changed();
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Marks every uploaded row unprocessed (a job aborted or failed before processing). */
  private unprocessAll(job: IngestJob): void {
    if (!job.data) return;
    const text = job.data.toString('utf8');
    job.data = undefined;
    const span: CsvRowSpan = { start: 0, end: 0 };
    this.unprocessRest(job, text, csvRows(text, job.columnDelimiter, span), span);
  }

  /**
   * Keeps the rows `rows` has left as unprocessed, each as it was uploaded (`span` is where `rows` puts
   * each row); the first becomes the header if the job has none yet. Unprocessed records are the uploaded
   * bytes, not the values quoted again: a client that resubmits them sends what it sent.
   */
  private unprocessRest(job: IngestJob, text: string, rows: Iterator<string[]>, span: CsvRowSpan): void {
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        if (job.headerLine === undefined) {
          job.header = next.value;
          job.headerLine = text.slice(span.start, span.end);
        } else {
          job.unprocessedLines.push(text.slice(span.start, span.end) + '\n');
        }
      }
    } catch (err) {
      if (!(err instanceof CsvSyntaxError)) throw err;
      this.unprocessLines(job, text, span.end);
    }
  }

  /** Keeps the text from `from` on as unprocessed line by line, as it was sent: data that cannot be parsed. */
  private unprocessLines(job: IngestJob, text: string, from: number): void {
    const rest = from === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text.slice(from);
    for (const line of rest.split(/\r?\n/)) {
      if (line === '') continue;
      if (job.headerLine === undefined) {
        job.header = [line];
        job.headerLine = line;
      } else {
        job.unprocessedLines.push(line + '\n');
      }
    }
  }

  /**
   * Stops processing at the next chunk boundary and starts no other job, as an emulator process that
   * exits would; the jobs keep their state, so a snapshot taken now resumes them on restart.
   */
  halt(): void {
    this.halted = true;
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.halted) {
        const job = this.queue[0]!;
        await this.process(job);
        this.queue.shift();
      }
    } finally {
      this.processing = false;
    }
  }

  /**
   * Applies a job's rows in chunks of 200 records. It pauses (for `recordsPerSecond`, or to let API calls
   * in) only after a whole chunk and once after the last record it processes, never while it keeps the
   * rest unprocessed: a snapshot, taken synchronously, therefore holds the records and results of exactly
   * the first `numberRecordsProcessed` rows. A job restored InProgress goes on after those rows, so no row
   * is applied twice.
   */
  private async process(job: IngestJob): Promise<void> {
    if (job.state !== 'UploadComplete' || !job.data) return;
    const started = Date.now();
    job.state = 'InProgress';
    job.systemModstamp = formatDateTime(this.clock());
    const lineEndingError = checkLineEnding(job.data, job.lineEnding);
    if (lineEndingError) {
      this.unprocessAll(job);
      this.finish(job, 'Failed', lineEndingError);
      return;
    }
    const text = job.data.toString('utf8');
    const span: CsvRowSpan = { start: 0, end: 0 };
    const rows = csvRows(text, job.columnDelimiter, span);
    let failAfter = this.faults.jobFailureThreshold();
    const perRecordDelay = this.options.recordsPerSecond ? 1000 / this.options.recordsPerSecond : 0;
    let stopped: 'abort' | 'fail' | 'quota' | undefined;
    try {
      const header = rows.next();
      if (header.done) {
        this.finish(job, 'JobComplete');
        return;
      }
      job.header = header.value;
      job.headerLine = text.slice(span.start, span.end);
      let processor: RecordProcessor;
      try {
        processor = new RecordProcessor(
          this.data,
          job.object,
          job.operation,
          planColumns(this.schemas, job.object, job.operation, header.value, job.externalIdField),
          job.externalIdField,
          this.userId,
          this.clock,
          job.columnDelimiter,
        );
      } catch (err) {
        if (!(err instanceof InvalidBatchError)) throw err;
        this.unprocessRest(job, text, rows, span);
        this.finish(job, 'Failed', err.message);
        return;
      }
      for (let done = 0; done < job.numberRecordsProcessed; done++) rows.next();
      // A transaction's rows are read before any is applied: an upsert key that two of them share fails
      // both (see RecordProcessor.startChunk). A row that cannot be parsed ends the reading; the rows before
      // it are applied, then the job fails from it on, as before lookahead.
      let unparsable: CsvSyntaxError | undefined;
      for (;;) {
        const chunk: BufferedRow[] = [];
        try {
          while (chunk.length < CHUNK_RECORDS) {
            const next = rows.next();
            if (next.done) break;
            chunk.push({ values: next.value, start: span.start, end: span.end });
          }
        } catch (err) {
          if (!(err instanceof CsvSyntaxError)) throw err;
          unparsable = err;
        }
        if (chunk.length === 0) break;
        for (let i = 0; i < chunk.length; i++) {
          if (job.abortRequested) {
            stopped = 'abort';
          } else if (failAfter !== undefined && job.numberRecordsProcessed >= failAfter) {
            // Only a job that is failed here uses up one of failJobsCount.
            if (this.faults.takeJobFailure()) stopped = 'fail';
            else failAfter = undefined;
          } else if (i === 0 && this.recordsInLast24h() >= this.dailyLimit()) {
            stopped = 'quota';
          }
          if (stopped) {
            if (i > 0) this.countProcessed(i);
            for (const row of chunk.slice(i)) job.unprocessedLines.push(text.slice(row.start, row.end) + '\n');
            if (unparsable) this.unprocessLines(job, text, span.end);
            else this.unprocessRest(job, text, rows, span);
            break;
          }
          if (i === 0) processor.startChunk(chunk.map((row) => row.values));
          this.processRow(job, processor, chunk[i]!.values, text, chunk[i]!);
        }
        if (stopped) break;
        this.countProcessed(chunk.length);
        if (chunk.length === CHUNK_RECORDS) {
          if (perRecordDelay > 0) await new Promise((r) => setTimeout(r, perRecordDelay * CHUNK_RECORDS));
          else await yieldToEventLoop();
          if (this.halted) return;
        } else if (perRecordDelay > 0) {
          await new Promise((r) => setTimeout(r, perRecordDelay * chunk.length));
          if (this.halted) return;
        }
        if (unparsable) throw unparsable;
      }
      if (unparsable) throw unparsable;
    } catch (err) {
      // The rows from the one that cannot be parsed on were not processed.
      if (err instanceof CsvSyntaxError) this.unprocessLines(job, text, span.end);
      job.totalProcessingTime = Date.now() - started;
      this.finish(job, 'Failed', `ClientInputError : ${(err as Error).message}`);
      return;
    }
    job.totalProcessingTime = Date.now() - started;
    if (job.abortRequested || stopped === 'abort') {
      if (!this.jobs.has(job.id)) {
        // Deleted while it stopped: nothing to finish, but answers waiting for it are released.
        this.releaseStopWaiters();
        return;
      }
      this.finish(job, 'Aborted');
    } else if (stopped === 'fail') {
      this.finish(
        job,
        'Failed',
        `InternalServerError : the job failed after ${failAfter} records were processed; the remaining records were not processed`,
      );
    } else if (stopped === 'quota') {
      this.finish(
        job,
        'Failed',
        `ExceededQuota : The 24-hour limit of ${this.dailyLimit()} Bulk API records was reached; the remaining records were not processed`,
      );
    } else {
      this.finish(job, 'JobComplete');
    }
  }

  /** @param span where the row lies in `text`: the records it writes are stored as that (see RowSource) */
  private processRow(
    job: IngestJob,
    processor: RecordProcessor,
    row: string[],
    text: string,
    span: { readonly start: number; readonly end: number },
  ): void {
    const d = job.columnDelimiter;
    job.numberRecordsProcessed++;
    let outcome;
    if (row.length > job.header.length) {
      outcome = {
        id: '',
        error: new RecordError(
          'INVALID_FIELD',
          `The row has ${row.length} values but the header has ${job.header.length} columns`,
        ),
      };
    } else if (this.faults.recordLocked()) {
      outcome = {
        id: '',
        error: new RecordError(
          'UNABLE_TO_LOCK_ROW',
          'unable to obtain exclusive access to this record or 1 records: ' + job.object.keyPrefix + '0R0000000000AAA',
        ),
      };
    } else {
      outcome = processor.process(row, text, span.start, span.end);
    }
    const echoed = quotedColumns(row, job.header.length, d, text.slice(span.start, span.end));
    if ('error' in outcome) {
      job.numberRecordsFailed++;
      job.failedLines.push(`${quoted(outcome.id)}${d}${quoted(outcome.error.toString())}${d}${echoed}\n`);
    } else {
      job.successLines.push(`"${outcome.id}"${d}"${outcome.created}"${d}${echoed}\n`);
    }
  }

  snapshot(): IngestJobSnapshot[] {
    return [...this.jobs.values()].map(({ object, externalIdField, data, abortRequested: _, ...rest }) => ({
      ...rest,
      successLines: rest.successLines.texts(),
      failedLines: rest.failedLines.texts(),
      unprocessedLines: rest.unprocessedLines.texts(),
      object: object.name,
      ...(externalIdField ? { externalIdFieldName: externalIdField.name } : {}),
      ...(data ? { data: data.toString('utf8') } : {}),
    }));
  }

  restore(snapshots: readonly IngestJobSnapshot[]): void {
    this.jobs.clear();
    for (const s of snapshots) {
      const object = this.schemas.get(s.object);
      if (!object) continue;
      const { externalIdFieldName, data, ...rest } = s;
      const job: IngestJob = {
        ...rest,
        successLines: new ResultLines(rest.successLines),
        failedLines: new ResultLines(rest.failedLines),
        unprocessedLines: new ResultLines(rest.unprocessedLines),
        object,
        externalIdField: externalIdFieldName
          ? object.fieldsByLowerName.get(externalIdFieldName.toLowerCase())
          : undefined,
        data: data === undefined ? undefined : Buffer.from(data, 'utf8'),
        abortRequested: false,
      };
      if (job.headerLine === undefined && job.header.length > 0) {
        // Saved before the header line was kept: the header as its names, quoted where they must be.
        job.headerLine = job.header.map((h) => minimallyQuoted(h, job.columnDelimiter)).join(job.columnDelimiter);
      }
      this.jobs.set(job.id, job);
      this.jobCounter = Math.max(this.jobCounter, salesforceIdCounter(job.id) + 1);
      if (job.state === 'UploadComplete' || job.state === 'InProgress') {
        // Interrupted by a restart: the records, results and counts saved with it agree (see `process`), and
        // processing goes on after the rows already processed. Salesforce never applies a row twice.
        job.state = 'UploadComplete';
        this.queue.push(job);
      } else if (job.state === 'Aborted' && job.data) {
        // Aborted while processing and saved before it stopped: the rows after the processed ones are unprocessed.
        const text = job.data.toString('utf8');
        job.data = undefined;
        const span: CsvRowSpan = { start: 0, end: 0 };
        const rows = csvRows(text, job.columnDelimiter, span);
        for (let done = 0; done <= job.numberRecordsProcessed; done++) rows.next();
        this.unprocessRest(job, text, rows, span);
      }
    }
    // Processing starts once the org is built (and its changes are listened to), as after a close.
    setImmediate(() => void this.drain());
  }
}

/** Salesforce fails a job whose line endings differ from the job's lineEnding setting. */
function checkLineEnding(data: Buffer, lineEnding: 'LF' | 'CRLF'): string | undefined {
  const firstLf = data.indexOf(0x0a);
  if (firstLf < 0) return undefined;
  const crlf = firstLf > 0 && data[firstLf - 1] === 0x0d;
  if (crlf === (lineEnding === 'CRLF')) return undefined;
  return `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${lineEnding}`;
}
