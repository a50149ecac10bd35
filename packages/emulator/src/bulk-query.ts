import { ApiError } from './api-error';
import { jobCsvFormat } from './job-csv-format';
import { jobListPage } from './job-list-page';
import { NotEmulatedError } from './not-emulated-error';
import { COLUMN_DELIMITERS, quoted } from './result-csv';
import { formatDateTime } from './row-converter';
import { executeSoql, parseSoql, SoqlColumnPath, soqlColumnPaths, soqlColumns, SoqlDataSource } from './soql';

/** Bulk API 2.0 query job states (Salesforce's "Job States": a query job starts UploadComplete). */
export type QueryJobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

const TERMINAL: readonly QueryJobState[] = ['JobComplete', 'Failed', 'Aborted'];

/** The properties "Create a Query Job" documents for its request body; any other is refused. */
const CREATE_PROPERTIES: ReadonlySet<string> = new Set([
  'operation',
  'query',
  'contentType',
  'columnDelimiter',
  'lineEnding',
]);

/** One query job: its settings and, once complete, its result rows. */
interface QueryJob {
  readonly id: string;
  readonly operation: 'query' | 'queryAll';
  readonly object: string;
  readonly query: string;
  readonly createdById: string;
  readonly createdDate: string;
  systemModstamp: string;
  state: QueryJobState;
  readonly apiVersion: number;
  readonly lineEnding: 'LF' | 'CRLF';
  readonly columnDelimiter: string;
  readonly columns: readonly SoqlColumnPath[];
  numberRecordsProcessed: number;
  totalProcessingTime: number;
  /** The result's header line and each record's line, quoted and delimited as the job says, without line ends. */
  header: string;
  rows: string[];
}

/** A set of a query job's results, as "Get Results for a Query Job" answers it. */
export interface QueryResultSet {
  /** The CSV: the header, then the set's records, each line ended as the job's lineEnding says. */
  readonly csv: string;
  /** `Sforce-NumberOfRecords`: the records in this set. */
  readonly numberOfRecords: number;
  /** `Sforce-Locator`: the next set's locator, or the string `null` after the last set. */
  readonly locator: string;
}

/** What a BulkQuery reads and how it names its jobs. */
export interface BulkQueryProps {
  /** The org's records as queries see them; `withDeleted` for queryAll (the recycle bin too). */
  readonly source: (withDeleted: boolean) => SoqlDataSource;
  /** The user who creates every job (the integration user). */
  readonly userId: string;
  /** A new job id (`750…`), from the same sequence as ingest jobs: both are async API jobs. */
  readonly newJobId: () => string;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/**
 * The Bulk API 2.0 query side of one org (`/services/data/vXX.X/jobs/query`, from API 47.0), as Salesforce's
 * Bulk API 2.0 Developer Guide describes it: "Create a Query Job", "Get Information About a Query Job",
 * "Get Results for a Query Job" (`locator`, `maxRecords`, `Sforce-Locator`, `Sforce-NumberOfRecords`),
 * "Abort a Query Job", "Delete a Query Job", "Get Information About All Query Jobs". A job runs its query
 * once, right after it is created, and keeps the rows until it is deleted.
 */
export class BulkQuery {
  private readonly jobs = new Map<string, QueryJob>();
  private readonly clock: () => Date;

  constructor(private readonly props: BulkQueryProps) {
    this.clock = props.clock ?? (() => new Date());
  }

  create(body: Record<string, unknown>, apiVersion: number): Record<string, unknown> {
    for (const key of Object.keys(body)) {
      if (!CREATE_PROPERTIES.has(key)) {
        throw new NotEmulatedError(
          `the query job property "${key}"`,
          'A query job takes operation, query, contentType, columnDelimiter and lineEnding ("Create a Query Job"); what Salesforce answers to another property is not known to the emulator',
        );
      }
    }
    const operation = body.operation ?? 'query';
    if (operation !== 'query' && operation !== 'queryAll') {
      throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    }
    if (typeof body.query !== 'string' || body.query.trim() === '') {
      throw new ApiError(400, 'INVALIDJOB', 'InvalidJob : query is required');
    }
    const { lineEnding, delimiterName } = jobCsvFormat(body);
    const parsed = parseSoql(body.query);
    if (parsed.count || parsed.offset !== undefined) {
      // "Understanding Bulk API 2.0 Query": COUNT() and OFFSET are not supported. Salesforce refuses them;
      // its exact answer is not known here.
      throw new NotEmulatedError(
        `a Bulk API 2.0 query with ${parsed.count ? 'COUNT()' : 'OFFSET'}`,
        'Salesforce documents that query jobs do not support it ("Understanding Bulk API 2.0 Query") and refuses it with an answer the emulator does not know; use the REST query resource',
      );
    }
    const source = this.props.source(operation === 'queryAll');
    // Checks the query as running it would: an unknown object or field is refused now, with the REST
    // query resource's errors (INVALID_TYPE, INVALID_FIELD, MALFORMED_QUERY).
    const checked = soqlColumns(parsed, source.schemas);
    const now = formatDateTime(this.clock());
    const job: QueryJob = {
      id: this.props.newJobId(),
      operation,
      object: checked.entityName,
      query: body.query,
      createdById: this.props.userId,
      createdDate: now,
      systemModstamp: now,
      state: 'UploadComplete',
      apiVersion,
      lineEnding,
      columnDelimiter: delimiterName,
      columns: soqlColumnPaths(parsed, source.schemas),
      numberRecordsProcessed: 0,
      totalProcessingTime: 0,
      header: '',
      rows: [],
    };
    this.jobs.set(job.id, job);
    // The answer says UploadComplete, as Salesforce's does; the query runs after it.
    setImmediate(() => this.run(job));
    return this.info(job, false);
  }

  private job(id: string): QueryJob {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  private run(job: QueryJob): void {
    if (job.state !== 'UploadComplete' || !this.jobs.has(job.id)) return;
    const started = Date.now();
    job.state = 'InProgress';
    const source = this.props.source(job.operation === 'queryAll');
    const result = executeSoql(parseSoql(job.query), source, job.apiVersion.toFixed(1));
    const d = COLUMN_DELIMITERS.get(job.columnDelimiter)!;
    job.header = job.columns.map((c) => quoted(c.name)).join(d);
    job.rows = result.records.map((record) => job.columns.map((c) => quoted(csvValue(record, c))).join(d));
    job.numberRecordsProcessed = job.rows.length;
    job.totalProcessingTime = Date.now() - started;
    job.state = 'JobComplete';
    job.systemModstamp = formatDateTime(this.clock());
  }

  get(id: string): Record<string, unknown> {
    return this.info(this.job(id), true);
  }

  /** PATCH `{"state": "Aborted"}`, the one state change a query job takes. */
  setState(id: string, state: unknown): Record<string, unknown> {
    const job = this.job(id);
    if (state !== 'Aborted') {
      throw new ApiError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}. A query job can only be Aborted.`);
    }
    if (TERMINAL.includes(job.state)) {
      throw new ApiError(409, 'INVALIDJOBSTATE', `Unable to abort job ${job.id}: it is already ${job.state}.`);
    }
    job.state = 'Aborted';
    job.systemModstamp = formatDateTime(this.clock());
    return this.info(job, false);
  }

  delete(id: string): void {
    const job = this.job(id);
    if (!TERMINAL.includes(job.state)) {
      throw new ApiError(
        400,
        'INVALIDJOBSTATE',
        `Job ${job.id} is ${job.state}; only JobComplete, Aborted or Failed jobs can be deleted.`,
      );
    }
    this.jobs.delete(id);
  }

  list(locator: string | undefined, pageSize = 1000): Record<string, unknown> {
    return jobListPage(this.jobs.values(), 'query', locator, pageSize, (j) => this.info(j, false));
  }

  /**
   * One set of a complete job's results. `locator` is the `Sforce-Locator` of the set before (none for the
   * first); it names where its set starts, so the same locator gives the same set again, as the guide says.
   * Without `maxRecords` a set holds every remaining record (Salesforce cuts sets by a size it does not
   * document).
   * @param apiVersion the version the request was made in: Salesforce answers 409 to another than the job's
   */
  results(id: string, locator: string | undefined, maxRecords: string | undefined, apiVersion: number): QueryResultSet {
    const job = this.job(id);
    if (job.state !== 'JobComplete') {
      throw new ApiError(
        400,
        'INVALIDJOBSTATE',
        `Job ${job.id} is ${job.state}; results are available once it is JobComplete.`,
      );
    }
    if (apiVersion !== job.apiVersion) {
      throw new ApiError(
        409,
        'INVALIDJOB',
        `Job ${job.id} was created in API version ${job.apiVersion.toFixed(1)}; get its results in that version.`,
      );
    }
    const start = locator === undefined || locator === '' ? 0 : decodeLocator(locator);
    if (start === undefined || start > job.rows.length) {
      throw new ApiError(400, 'INVALID_QUERY_LOCATOR', `invalid query locator: ${locator}`);
    }
    let count = job.rows.length - start;
    if (maxRecords !== undefined) {
      const max = /^[1-9]\d*$/.test(maxRecords) ? Number(maxRecords) : Number.NaN;
      if (!Number.isSafeInteger(max)) {
        throw new NotEmulatedError(
          `maxRecords=${maxRecords}`,
          'maxRecords is a positive number of records ("Get Results for a Query Job"); what Salesforce answers to another value is not known to the emulator',
        );
      }
      count = Math.min(count, max);
    }
    const eol = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const end = start + count;
    const lines = [job.header, ...job.rows.slice(start, end)];
    return {
      csv: lines.join(eol) + eol,
      numberOfRecords: count,
      locator: end < job.rows.length ? encodeLocator(end) : 'null',
    };
  }

  private info(job: QueryJob, full: boolean): Record<string, unknown> {
    const base: Record<string, unknown> = {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.createdById,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
    if (!full) return base;
    return {
      ...base,
      jobType: 'V2Query',
      numberRecordsProcessed: job.numberRecordsProcessed,
      retries: 0,
      totalProcessingTime: job.totalProcessingTime,
      isPkChunkingSupported: false,
    };
  }

  /** Drops every job (the emulator's reset). */
  clear(): void {
    this.jobs.clear();
  }
}

/** A value in a query result CSV: empty for null (as jsforce/jsforce#640 shows), datetimes in UTC with `Z`. */
function csvValue(record: Record<string, unknown>, column: SoqlColumnPath): string {
  let node: unknown = record;
  for (const key of column.keys) {
    if (node === null || typeof node !== 'object') return '';
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || node === undefined) return '';
  if (column.type === 'datetime' && typeof node === 'string') return node.replace(/\+0000$/, 'Z');
  return String(node);
}

/** A locator is where its set starts, written as Salesforce's look (base64 of the offset, e.g. `MTAwMDA`). */
function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

function decodeLocator(locator: string): number | undefined {
  const text = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(text) && encodeLocator(Number(text)) === locator ? Number(text) : undefined;
}
