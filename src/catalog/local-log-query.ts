import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntityNotFoundException, GlueClient, paginateGetPartitions, paginateGetTables } from '@aws-sdk/client-glue';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';

import { DuckDBConnection, DuckDBDecimalValue, DuckDBValue } from '@duckdb/node-api';
import { DuckDbSession, SerialQueue } from '../duckdb';
import { asKeyPrefix, InvalidS3UriError, parseS3Uri, S3Location } from '../s3';
import { LOG_PARTITION_KEYS } from './log-catalog';

export interface LocalLogQueryProps {
  /** Glue and S3 clients (from createAwsClients). */
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /** The Glue log database (config.logs.glueDatabase). */
  readonly database: string;
  /** Where the Parquet files are copied; @default a new temp dir, removed by close() */
  readonly workDir?: string;
  /**
   * Which partitions to copy and query (e.g. the runs a report is about); the others read as absent.
   * @default every registered partition
   */
  readonly partitions?: (partition: LogPartitionRef) => boolean;
}

/** One registered log partition as Glue lists it: its table, object and partition values. */
export interface LogPartitionRef {
  /** The log table (lower-case object name). */
  readonly table: string;
  /** The sObject as spelled in the log paths. */
  readonly object: string;
  readonly status: string;
  readonly runId: string;
  readonly env: string;
  /** `yyyyMMddHHmmss`, UTC. */
  readonly createdTime: string;
  readonly location: string;
}

/** A JSON-friendly value of a query result. */
export type LogQueryValue = string | number | boolean | null;

export interface LogQueryResult {
  /** Column names in select order; a repeated name gets a suffix (`n`, `n_1`) so every row key is unique. */
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, LogQueryValue>[];
}

/** Anything that stops a local log query; the message says what to do. */
export class LocalLogQueryError extends Error {
  constructor(
    message: string,
    /** The Glue log database. */
    readonly database: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalLogQueryError';
  }
}

/** The log database does not exist, or holds no log table: nothing was loaded yet (or the wrong database). */
export class NoLogTablesError extends LocalLogQueryError {
  constructor(
    database: string,
    /** False when the Glue database itself is missing. */
    readonly databaseExists: boolean,
  ) {
    super(messages.noTables(database, databaseExists), database);
    this.name = 'NoLogTablesError';
  }
}

/** Glue could not be read (permissions, endpoint). */
export class LogCatalogReadError extends LocalLogQueryError {
  constructor(database: string, detail: string, options?: { cause?: unknown }) {
    super(messages.catalogUnreadable(database, detail), database, options);
    this.name = 'LogCatalogReadError';
  }
}

/** A partition's Parquet files could not be copied from S3. */
export class LogFilesCopyError extends LocalLogQueryError {
  constructor(
    database: string,
    readonly table: string,
    /** The partition's `s3://` location. */
    readonly location: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(messages.copyFailed(location, detail), database, options);
    this.name = 'LogFilesCopyError';
  }
}

/** DuckDB refused the SQL (syntax, unknown column, more than one statement, …). */
export class LogQuerySqlError extends LocalLogQueryError {
  constructor(
    database: string,
    /** DuckDB's diagnosis, on one line. */
    readonly reason: string,
    /** The log tables, as `"<database>"."<table>"`. */
    readonly tables: readonly string[],
    message = messages.badSql(reason, tables),
    options?: { cause?: unknown },
  ) {
    super(message, database, options);
    this.name = 'LogQuerySqlError';
  }
}

/** The SQL names a table that is not one of the log tables. */
export class UnknownLogTableError extends LogQuerySqlError {
  constructor(
    database: string,
    /** The name as DuckDB reported it. */
    readonly table: string,
    reason: string,
    tables: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(database, reason, tables, messages.unknownTable(table, tables), options);
    this.name = 'UnknownLogTableError';
  }
}

const messages = {
  noTables: (database: string, exists: boolean) =>
    exists
      ? `the Glue database ${database} has no log tables yet; run "sfetl load" first (it creates them)`
      : `the Glue database ${database} does not exist; run "sfetl load" first (it creates it), or check logs.glueDatabase in the configuration`,
  catalogUnreadable: (database: string, detail: string) =>
    `could not read the Glue database ${database} (${detail}); check the AWS endpoint and region of the configuration and this role's Glue permissions`,
  copyFailed: (location: string, detail: string) =>
    `could not copy the log files of ${location} (${detail}); check the log bucket and this role's s3:ListBucket and s3:GetObject permissions`,
  badSql: (reason: string, tables: readonly string[]) =>
    `the SQL was refused: ${reason}; fix it and run again (log tables: ${tables.join(', ')}; ` +
    `columns lower case, all strings, plus ${LOG_PARTITION_KEYS.join(', ')})`,
  unknownTable: (table: string, tables: readonly string[]) =>
    `there is no log table ${table}; the log tables are ${tables.join(', ')}`,
  emptySql: 'the SQL holds no statement',
  manyStatements: (count: number) => `${count} statements given; run one statement at a time, as Athena does`,
  closed: 'the local log query was closed',
  globWorkDir: (dir: string) =>
    `the work directory ${dir} contains * ? or [, which DuckDB reads as a glob; choose another directory`,
};

/** DuckDB expands these in read_parquet paths (there is no option to read a path literally). */
const GLOB_CHARS = /[*?[]/;
/** What @duckdb/node-api throws when it extracts no statement from the SQL. */
const NO_STATEMENT = 'Error in native callback';
/** Downloads running at once. */
const COPY_CONCURRENCY = 8;
/** The column read_parquet adds with each row's file; the view joins it to the partition values. */
const FILE_COLUMN = '__sfetl_log_file';
/** `<…>/<Object>/run_id=…/env=…/created_time=…/`: the object is the segment before the partition parts. */
const OBJECT_IN_LOCATION = /\/([^/]+)\/run_id=[^/]*\/env=[^/]*\/created_time=[^/]*\/?$/;

interface LogTable {
  readonly name: string;
  /** The sObject as spelled in the partition locations; the table name when it has no partition. */
  readonly object: string;
  /** Glue's columns, lower case, in table order (partition keys excluded). */
  readonly columns: readonly string[];
  readonly partitions: readonly { readonly values: readonly string[]; readonly location: string }[];
}

/** One copied Parquet file and the values of the partition it belongs to. */
interface CopiedFile {
  readonly path: string;
  readonly values: readonly string[];
}

/**
 * The log tables of the Glue Data Catalog, queried on this machine: the same SQL as the Athena named
 * queries, answered by DuckDB over copies of the registered Parquet partitions.
 *
 * open() reads every log table and partition from Glue, copies each partition's Parquet files from S3
 * into the work dir, and creates one view per table, `"<database>"."<table>"`, with Glue's columns (all
 * strings; a column missing from a file reads as NULL, names match without case as in Athena) followed by
 * the partition columns `status`, `run_id`, `env`, `created_time`, whose values come from Glue. The
 * database is the default schema, so `FROM contact` works too. Copies, not S3 reads: DuckDB's httpfs
 * extension is never downloaded at run time, and the embedded default's S3 is an emulator.
 *
 * Queries run with file access limited to the work dir: the SQL reads the log tables and nothing else.
 */
export class LocalLogQuery {
  static async open(props: LocalLogQueryProps): Promise<LocalLogQuery> {
    const ownsWorkDir = props.workDir === undefined;
    const workDir = props.workDir ?? (await mkdtemp(join(tmpdir(), 'sfetl-logs-')));
    try {
      await mkdir(workDir, { recursive: true });
      const dir = await realpath(resolve(workDir));
      if (GLOB_CHARS.test(dir)) throw new Error(messages.globWorkDir(dir));
      const tables = selectPartitions(await readLogTables(props.glue, props.database), props.partitions);
      const copied = await copyPartitionFiles(props.s3, props.database, tables, dir);
      let spellings = new Map<string, string[]>();
      const session = await DuckDbSession.open({ tempDirectory: join(dir, 'duckdb-tmp') }, async (connection) => {
        await createViews(connection, props.database, tables, copied);
        spellings = await columnSpellings(connection, copied);
        await connection.run(`SET schema = ${literal(props.database)}`);
        // From here on the SQL reads the copies and nothing else on this machine, and cannot undo that.
        await connection.run(`SET allowed_directories = [${literal(`${dir}/`)}]`);
        await connection.run('SET enable_external_access = false');
        await connection.run('SET lock_configuration = true');
      });
      return new LocalLogQuery(props.database, tables, session, workDir, ownsWorkDir, spellings);
    } catch (error) {
      if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The sObject names that have a log table (as spelled in the logs, e.g. 'Invoice__c'; derive from partition locations). */
  readonly objects: readonly string[];
  /**
   * Per table, the columns as the copied Parquet files spell them (`LastName`, where the view says
   * `lastname`), in file order; absent for a table with no copied file.
   */
  readonly fileColumns: ReadonlyMap<string, readonly string[]>;
  /** The views, as `"<database>"."<table>"`, for messages. */
  private readonly tableNames: readonly string[];
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly database: string,
    tables: readonly LogTable[],
    private readonly session: DuckDbSession,
    private readonly workDir: string,
    private readonly ownsWorkDir: boolean,
    spellings: ReadonlyMap<string, readonly string[]>,
  ) {
    this.objects = tables.map((table) => table.object);
    this.fileColumns = spellings;
    this.tableNames = tables.map((table) => `${identifier(database)}.${identifier(table.name)}`);
  }

  /**
   * Runs one SQL statement and returns its rows with JSON-friendly values: integers as numbers (as strings
   * beyond 2^53), DECIMAL and DOUBLE as numbers, booleans, NULL as null, everything else as DuckDB prints it.
   * @throws UnknownLogTableError for a table that is not a log table, LogQuerySqlError for any other SQL
   * DuckDB refuses.
   */
  query(sql: string): Promise<LogQueryResult> {
    if (this.closed) return Promise.reject(new LocalLogQueryError(messages.closed, this.database));
    return this.queue.run(() => this.run(sql));
  }

  /** Stops DuckDB and removes the work dir if open() created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    this.session.close();
    if (this.ownsWorkDir) await rm(this.workDir, { recursive: true, force: true });
  }

  private async run(sql: string): Promise<LogQueryResult> {
    let reader;
    try {
      // DuckDB answers SQL with no statement at all (blank, only comments) with this bare native error.
      const statements = await this.session.connection.extractStatements(sql).catch((error: unknown) => {
        if (errorMessage(error) === NO_STATEMENT) {
          throw new LogQuerySqlError(this.database, messages.emptySql, this.tableNames);
        }
        throw error;
      });
      if (statements.count === 0) throw new LogQuerySqlError(this.database, messages.emptySql, this.tableNames);
      if (statements.count > 1) {
        throw new LogQuerySqlError(this.database, messages.manyStatements(statements.count), this.tableNames);
      }
      const statement = await statements.prepare(0);
      reader = await statement.runAndReadAll();
    } catch (error) {
      if (error instanceof LocalLogQueryError) throw error;
      throw this.sqlError(error);
    }
    const columns = reader.deduplicatedColumnNames();
    // Column names are the SQL's own (`SELECT 1 AS "__proto__"`): fromEntries makes each an own key, where an
    // assignment would set the row's prototype instead and drop the column.
    const rows = reader
      .getRows()
      .map((row) => Object.fromEntries(columns.map((column, i) => [column, jsonValue(row[i] ?? null)])));
    return { columns, rows };
  }

  private sqlError(error: unknown): LogQuerySqlError {
    const message = errorMessage(error);
    const reason = oneLine(message);
    const missing = /Table with name (.+?) does not exist/.exec(message);
    if (missing) return new UnknownLogTableError(this.database, missing[1]!, reason, this.tableNames, { cause: error });
    return new LogQuerySqlError(this.database, reason, this.tableNames, undefined, { cause: error });
  }
}

/**
 * The sObjects that have a log table, as {@link LocalLogQuery.objects} lists them, from Glue's metadata
 * alone (no file is copied).
 * @throws NoLogTablesError when there is none, LogCatalogReadError when Glue cannot be read.
 */
export async function listLogObjects(props: Pick<LocalLogQueryProps, 'glue' | 'database'>): Promise<string[]> {
  return (await readLogTables(props.glue, props.database)).map((table) => table.object);
}

/**
 * Every registered log partition with its table and object, from Glue's metadata alone (no file is copied):
 * what a report chooses its runs from.
 * @throws NoLogTablesError when there is no log table, LogCatalogReadError when Glue cannot be read.
 */
export async function listLogPartitions(
  props: Pick<LocalLogQueryProps, 'glue' | 'database'>,
): Promise<LogPartitionRef[]> {
  return (await readLogTables(props.glue, props.database)).flatMap((table) =>
    table.partitions.map((partition) => partitionRef(table, partition)),
  );
}

function partitionRef(table: LogTable, partition: LogTable['partitions'][number]): LogPartitionRef {
  const [status = '', runId = '', env = '', createdTime = ''] = partition.values;
  return { table: table.name, object: table.object, status, runId, env, createdTime, location: partition.location };
}

/** The tables with only the partitions the filter keeps (tables stay, so every view exists). */
function selectPartitions(tables: LogTable[], keep: LocalLogQueryProps['partitions']): LogTable[] {
  if (keep === undefined) return tables;
  return tables.map((table) => ({
    ...table,
    partitions: table.partitions.filter((p) => keep(partitionRef(table, p))),
  }));
}

/** The column names of each table's copied files, as the files spell them. */
async function columnSpellings(
  connection: DuckDBConnection,
  copied: ReadonlyMap<string, readonly CopiedFile[]>,
): Promise<Map<string, string[]>> {
  const spellings = new Map<string, string[]>();
  for (const [table, files] of copied) {
    if (files.length === 0) continue;
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet([${files.map((f) => literal(f.path)).join(', ')}], union_by_name = true)`,
    );
    spellings.set(
      table,
      described.getRows().map((row) => String(row[0])),
    );
  }
  return spellings;
}

/** Every log table of the database with all its partitions, sorted by name (Glue metadata only). */
async function readLogTables(glue: GlueClient, database: string): Promise<LogTable[]> {
  const tables: LogTable[] = [];
  try {
    for await (const page of paginateGetTables({ client: glue }, { DatabaseName: database })) {
      for (const table of page.TableList ?? []) {
        const keys = (table.PartitionKeys ?? []).map((key) => key.Name?.toLowerCase());
        // Another tool's table in the same database is not a log table; the named queries never read it.
        if (table.Name === undefined || keys.join(',') !== LOG_PARTITION_KEYS.join(',')) continue;
        const partitions: { values: string[]; location: string }[] = [];
        for await (const partitionPage of paginateGetPartitions(
          { client: glue },
          { DatabaseName: database, TableName: table.Name },
        )) {
          for (const partition of partitionPage.Partitions ?? []) {
            partitions.push({
              values: partition.Values ?? [],
              location: partition.StorageDescriptor?.Location ?? '',
            });
          }
        }
        tables.push({
          name: table.Name,
          object: objectName(table.Name, partitions),
          columns: (table.StorageDescriptor?.Columns ?? []).map((column) => column.Name!.toLowerCase()),
          partitions,
        });
      }
    }
  } catch (error) {
    if (error instanceof EntityNotFoundException) throw new NoLogTablesError(database, false);
    throw new LogCatalogReadError(database, describe(error), { cause: error });
  }
  if (tables.length === 0) throw new NoLogTablesError(database, true);
  return tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The object as the log paths spell it (the table is its lower-case name). */
function objectName(table: string, partitions: readonly { location: string }[]): string {
  for (const { location } of partitions) {
    const found = OBJECT_IN_LOCATION.exec(location)?.[1];
    if (found !== undefined && found.toLowerCase() === table) return found;
  }
  return table;
}

/** Copies each partition's Parquet files to `<dir>/<table n>/<partition n>/<file n>.parquet`. */
async function copyPartitionFiles(
  s3: S3Client,
  database: string,
  tables: readonly LogTable[],
  dir: string,
): Promise<Map<string, CopiedFile[]>> {
  const copied = new Map<string, CopiedFile[]>();
  const downloads: { table: string; location: string; bucket: string; key: string; path: string }[] = [];
  for (const [t, table] of tables.entries()) {
    const files: CopiedFile[] = [];
    copied.set(table.name, files);
    for (const [p, partition] of table.partitions.entries()) {
      const fail = (detail: string, cause?: unknown) =>
        new LogFilesCopyError(database, table.name, partition.location, detail, { cause });
      let where: S3Location;
      try {
        where = parseS3Uri(partition.location, ['s3', 's3a']);
      } catch (error) {
        if (error instanceof InvalidS3UriError) throw fail('not an s3:// location');
        throw error;
      }
      const { bucket } = where;
      const prefix = asKeyPrefix(where.key);
      const partitionDir = join(dir, `t${t}`, `p${p}`);
      await mkdir(partitionDir, { recursive: true });
      try {
        for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
          for (const object of page.Contents ?? []) {
            const name = object.Key!.slice(prefix.length);
            // Files of this directory only, as Athena reads a partition; Hive skips `_` and `.` files.
            if (name.includes('/') || !name.endsWith('.parquet') || /^[_.]/.test(name)) continue;
            const path = join(partitionDir, `f${files.length}.parquet`);
            files.push({ path, values: partition.values });
            downloads.push({ table: table.name, location: partition.location, bucket, key: object.Key!, path });
          }
        }
      } catch (error) {
        throw fail(describe(error), error);
      }
    }
  }
  let next = 0;
  let failure: LogFilesCopyError | undefined;
  const worker = async () => {
    // After a failure no new download starts; those under way finish before open() cleans up.
    while (failure === undefined && next < downloads.length) {
      const download = downloads[next++]!;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: download.bucket, Key: download.key }));
        await pipeline(object.Body as Readable, createWriteStream(download.path));
      } catch (error) {
        failure ??= new LogFilesCopyError(database, download.table, download.location, describe(error), {
          cause: error,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, downloads.length) }, worker));
  if (failure !== undefined) throw failure;
  return copied;
}

/** One view per log table: Glue's columns from the files (NULL where a file lacks one), partition values from Glue. */
async function createViews(
  connection: DuckDBConnection,
  database: string,
  tables: readonly LogTable[],
  copied: ReadonlyMap<string, readonly CopiedFile[]>,
): Promise<void> {
  await connection.run(`CREATE SCHEMA ${identifier(database)}`);
  for (const table of tables) {
    const files = copied.get(table.name) ?? [];
    const view = `${identifier(database)}.${identifier(table.name)}`;
    const partitionColumns = LOG_PARTITION_KEYS.map((key) => `p.${identifier(key)}`);
    if (files.length === 0) {
      const columns = [...table.columns, ...LOG_PARTITION_KEYS].map((c) => `CAST(NULL AS VARCHAR) AS ${identifier(c)}`);
      await connection.run(`CREATE VIEW ${view} AS SELECT ${columns.join(', ')} LIMIT 0`);
      continue;
    }
    const source =
      `read_parquet([${files.map((f) => literal(f.path)).join(', ')}], union_by_name = true, ` +
      `filename = ${literal(FILE_COLUMN)})`;
    // union_by_name matches names without case (`LastName` in one file, `lastname` in another) and fills
    // the columns a file lacks with NULL; a column no file has is NULL here.
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const inFiles = new Set(described.getRows().map((row) => String(row[0]).toLowerCase()));
    const columns = table.columns.map((column) =>
      inFiles.has(column)
        ? `CAST(f.${identifier(column)} AS VARCHAR) AS ${identifier(column)}`
        : `CAST(NULL AS VARCHAR) AS ${identifier(column)}`,
    );
    const values = files.map((f) => `(${[f.path, ...f.values].map(literal).join(', ')})`);
    await connection.run(
      `CREATE VIEW ${view} AS SELECT ${[...columns, ...partitionColumns].join(', ')}\n` +
        `FROM ${source} AS f\n` +
        `JOIN (VALUES ${values.join(', ')}) AS p(${['file', ...LOG_PARTITION_KEYS].map(identifier).join(', ')})\n` +
        `ON f.${identifier(FILE_COLUMN)} = p.${identifier('file')}`,
    );
  }
}

function jsonValue(value: DuckDBValue): LogQueryValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  return String(value);
}

/** DuckDB's message on one line: the diagnosis and its suggestions, without the echoed SQL and caret. */
function oneLine(message: string): string {
  return message
    .replace(/^Failed to extract statements: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^LINE \d+:/.test(line) && !/^\^+$/.test(line))
    .join(' ');
}

/**
 * The message of an error; duck-typed, since the native addon's errors need not be instances of this
 * realm's Error (they are not under jest).
 */
function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function describe(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? `${name}: ${errorMessage(error)}` : errorMessage(error);
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
