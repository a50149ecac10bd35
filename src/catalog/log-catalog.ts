import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  Column,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GlueClient,
  paginateGetPartitions,
  PartitionInput,
  StorageDescriptor,
  Table,
  TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { LogStatus } from './log-layout';
import { asKeyPrefix, formatS3Uri, isS3Uri } from '../s3';

export interface LogCatalogProps {
  /** The Glue client (the Data Catalog of its account and region). */
  readonly glue: GlueClient;
  /** Database of the log tables. Hive and Athena want it lowercase. */
  readonly database: string;
  /** The log bucket. */
  readonly bucket: string;
  /** Key prefix of the log trees (`''` or ending in `/`; one is added when missing). */
  readonly prefix: string;
}

/** One registered log directory: the partition values and where its Parquet files are. */
export interface LogPartition {
  readonly status: LogStatus;
  readonly runId: string;
  readonly env: string;
  /** `yyyyMMddHHmmss`, UTC. */
  readonly createdTime: string;
  /** `s3://…/` URI of the log directory, ending in `/` (one is added when missing). */
  readonly location: string;
}

/** What {@link LogCatalog.ensureTable} did. */
export interface EnsureTableResult {
  readonly table: string;
  /** The table did not exist and was created. */
  readonly created: boolean;
  /** Columns appended to an existing table (lowercase), in order. */
  readonly addedColumns: readonly string[];
  /**
   * Columns left out of the table because a partition key has their name (e.g. Lead's and Case's `Status`
   * clashes with `status`): Athena refuses a table whose column repeats a partition key. The values stay
   * in the Parquet files.
   */
  readonly omittedColumns: readonly string[];
}

/** What {@link LogCatalog.registerPartitions} did. */
export interface RegisterPartitionsResult {
  readonly created: number;
  /** Partitions that were registered already (a rerun): left as they were. */
  readonly alreadyRegistered: number;
}

/** The catalog refused something; names the table and, for partitions, their values. */
export class CatalogError extends Error {
  constructor(
    message: string,
    readonly database: string,
    readonly table: string,
    /** Values (`status`, `run_id`, `env`, `created_time`) of the partitions concerned. */
    readonly partitionValues: readonly (readonly string[])[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CatalogError';
  }
}

export const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
export const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
export const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
/** Partition keys in path order of the values (DESIGN.md §2.2). */
export const LOG_PARTITION_KEYS = ['status', 'run_id', 'env', 'created_time'] as const;
/** BatchCreatePartition takes at most 100 partitions a call. */
export const MAX_PARTITIONS_PER_CALL = 100;
/** Tries of the read-modify-write of a table's columns when another run changes it at the same time. */
const TABLE_UPDATE_ATTEMPTS = 5;

/** Glue's answer that the partition exists, the one per-entry error a rerun expects. */
const ALREADY_EXISTS = 'AlreadyExistsException';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The Glue Data Catalog side of the logs (DESIGN.md §2.2): one database, one Parquet table per sObject
 * (lowercase API name), all columns `string`, partitioned by `status`, `run_id`, `env`, `created_time`.
 *
 * The table's own location is the root of the log trees, `s3://<bucket>/<prefix>`. The layout puts the
 * status before the object (`success/Contact/…`, `failure/Contact/…`), so no directory holds exactly one
 * object's logs; the root is their nearest common ancestor. Nothing reads it: Athena and Spark read a
 * partitioned table through its partitions, and each partition carries its explicit location. Never
 * write into these tables through Hive or Spark (an INSERT OVERWRITE would target the root).
 *
 * Column names are stored lowercase, as Hive and Athena treat them, and compared without case; Athena
 * and Spark match Parquet columns by name without case, so `LastName` in the files reads as `lastname`.
 */
export class LogCatalog {
  /** Lowercase API name: the object's table. */
  static tableName(objectName: string): string {
    return objectName.toLowerCase();
  }

  private readonly glue: GlueClient;
  private readonly database: string;
  private readonly tableLocation: string;

  constructor(props: LogCatalogProps) {
    this.glue = props.glue;
    this.database = props.database;
    this.tableLocation = formatS3Uri(props.bucket, asKeyPrefix(props.prefix));
  }

  /** Creates the log database unless it exists. */
  async ensureDatabase(): Promise<void> {
    try {
      await this.glue.send(
        new CreateDatabaseCommand({
          DatabaseInput: {
            Name: this.database,
            Description: 'Record-level load logs of s3-salesforce-etl: one Parquet table per sObject.',
          },
        }),
      );
    } catch (error) {
      if (error instanceof AlreadyExistsException) return;
      throw new CatalogError(
        `Could not create Glue database ${this.database} (${describe(error)}); ` +
          'check that this role may glue:CreateDatabase, or create the database.',
        this.database,
        '',
        [],
        { cause: error },
      );
    }
  }

  /**
   * Creates the object's table, or appends the columns it lacks (never dropping or reordering any).
   * `columns` are the uploaded columns followed by the `sf__*` columns; duplicates (in any case) count once.
   */
  async ensureTable(objectName: string, columns: readonly string[]): Promise<EnsureTableResult> {
    const table = LogCatalog.tableName(objectName);
    const { kept, omitted } = splitColumns(columns);
    for (let attempt = 1; attempt <= TABLE_UPDATE_ATTEMPTS; attempt++) {
      const existing = await this.getTable(table);
      if (!existing) {
        try {
          await this.glue.send(
            new CreateTableCommand({ DatabaseName: this.database, TableInput: this.newTableInput(table, kept) }),
          );
          return { table, created: true, addedColumns: [], omittedColumns: omitted };
        } catch (error) {
          // Another run created it in between: go round again and extend theirs.
          if (error instanceof AlreadyExistsException) continue;
          throw this.tableError(table, 'create', error);
        }
      }
      this.checkIsLogTable(existing);
      const have = new Set((existing.StorageDescriptor?.Columns ?? []).map((column) => column.Name!.toLowerCase()));
      const added = kept.filter((name) => !have.has(name));
      if (added.length === 0) return { table, created: false, addedColumns: [], omittedColumns: omitted };
      try {
        await this.glue.send(
          new UpdateTableCommand({
            DatabaseName: this.database,
            TableInput: withColumnsAppended(existing, added),
            // Optimistic lock: if another run changed the table since we read it, Glue refuses, and we
            // re-read so their columns are kept.
            VersionId: existing.VersionId,
          }),
        );
        return { table, created: false, addedColumns: added, omittedColumns: omitted };
      } catch (error) {
        if (error instanceof ConcurrentModificationException) continue;
        throw this.tableError(table, 'update', error);
      }
    }
    throw new CatalogError(
      `Glue table ${this.database}.${table} kept changing while its columns were being added ` +
        `(${TABLE_UPDATE_ATTEMPTS} tries); run again.`,
      this.database,
      table,
    );
  }

  /**
   * Registers log directories as partitions of the object's table (which must exist), at most 100 per
   * BatchCreatePartition call. Partitions that exist already are left alone, so a rerun is harmless.
   */
  async registerPartitions(objectName: string, partitions: readonly LogPartition[]): Promise<RegisterPartitionsResult> {
    const table = LogCatalog.tableName(objectName);
    if (partitions.length === 0) return { created: 0, alreadyRegistered: 0 };
    const existing = await this.getTable(table);
    if (!existing) {
      throw new CatalogError(
        `Glue table ${this.database}.${table} does not exist; ensureTable() must run before its partitions are registered.`,
        this.database,
        table,
        partitions.map(valuesOf),
      );
    }
    const invalid = partitions.filter((partition) => !isS3Uri(partition.location));
    if (invalid.length > 0) {
      throw new CatalogError(
        `Partition locations of ${this.database}.${table} must be s3:// URIs, not ${invalid.map((p) => `"${p.location}"`).join(', ')}.`,
        this.database,
        table,
        invalid.map(valuesOf),
      );
    }
    const columns = existing.StorageDescriptor?.Columns ?? [];
    let alreadyRegistered = 0;
    for (let start = 0; start < partitions.length; start += MAX_PARTITIONS_PER_CALL) {
      const batch = partitions.slice(start, start + MAX_PARTITIONS_PER_CALL);
      let out;
      try {
        out = await this.glue.send(
          new BatchCreatePartitionCommand({
            DatabaseName: this.database,
            TableName: table,
            PartitionInputList: batch.map((partition) => partitionInput(partition, columns)),
          }),
        );
      } catch (error) {
        throw new CatalogError(
          `Glue refused to register partitions of ${this.database}.${table} (${describe(error)}): ` +
            `${batch.map((p) => valuesOf(p).join('/')).join(', ')}; check this role's glue:BatchCreatePartition permission and run again.`,
          this.database,
          table,
          batch.map(valuesOf),
          { cause: error },
        );
      }
      const failed = (out.Errors ?? []).filter((entry) => entry.ErrorDetail?.ErrorCode !== ALREADY_EXISTS);
      if (failed.length > 0) {
        const detail = failed
          .map((entry) =>
            `${(entry.PartitionValues ?? []).join('/')}: ${entry.ErrorDetail?.ErrorCode} ${entry.ErrorDetail?.ErrorMessage ?? ''}`.trim(),
          )
          .join('; ');
        throw new CatalogError(
          `Glue did not register ${failed.length} partition(s) of ${this.database}.${table}: ${detail}; fix the cause and run again (registered partitions are kept).`,
          this.database,
          table,
          failed.map((entry) => entry.PartitionValues ?? []),
        );
      }
      alreadyRegistered += (out.Errors ?? []).length;
    }
    return { created: partitions.length - alreadyRegistered, alreadyRegistered };
  }

  /** Every registered partition of the object's table, with its location, in partition-value order. */
  async listPartitions(objectName: string): Promise<LogPartition[]> {
    const table = LogCatalog.tableName(objectName);
    const partitions: LogPartition[] = [];
    try {
      for await (const page of paginateGetPartitions(
        { client: this.glue },
        { DatabaseName: this.database, TableName: table },
      )) {
        for (const partition of page.Partitions ?? []) {
          const [status, runId, env, createdTime] = partition.Values ?? [];
          partitions.push({
            status: status as LogStatus,
            runId,
            env,
            createdTime,
            location: partition.StorageDescriptor?.Location ?? '',
          });
        }
      }
    } catch (error) {
      throw this.tableError(table, 'read the partitions of', error);
    }
    const key = (p: LogPartition) => valuesOf(p).join('\u0000');
    return partitions.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private async getTable(table: string): Promise<Table | undefined> {
    try {
      return (await this.glue.send(new GetTableCommand({ DatabaseName: this.database, Name: table }))).Table;
    } catch (error) {
      // Also thrown when the database is missing; CreateTable then says so.
      if (error instanceof EntityNotFoundException) return undefined;
      throw this.tableError(table, 'read', error);
    }
  }

  private newTableInput(table: string, columns: readonly string[]): TableInput {
    return {
      Name: table,
      Description: `Load logs of sObject ${table}: one row per source record and outcome.`,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
      PartitionKeys: LOG_PARTITION_KEYS.map((name) => ({ Name: name, Type: 'string' })),
      StorageDescriptor: parquetStorage(
        this.tableLocation,
        columns.map((name) => ({ Name: name, Type: 'string' })),
      ),
    };
  }

  /** Refuses to touch a same-named table that is not partitioned like a log table (someone else's). */
  private checkIsLogTable(existing: Table): void {
    const keys = (existing.PartitionKeys ?? []).map((key) => key.Name?.toLowerCase());
    if (keys.join(',') !== LOG_PARTITION_KEYS.join(',')) {
      throw new CatalogError(
        `Glue table ${this.database}.${existing.Name} exists but is partitioned by (${keys.join(', ')}), not ` +
          `(${LOG_PARTITION_KEYS.join(', ')}); it is not a log table. Choose another log database, or drop that table.`,
        this.database,
        existing.Name ?? '',
      );
    }
  }

  private tableError(table: string, action: string, error: unknown): CatalogError {
    return new CatalogError(
      `Could not ${action} Glue table ${this.database}.${table} (${describe(error)}); ` +
        'check that the database exists (ensureDatabase) and that this role may use the Glue Data Catalog.',
      this.database,
      table,
      [],
      { cause: error },
    );
  }
}

/** Lowercase, deduplicated columns, minus those a partition key shadows. */
function splitColumns(columns: readonly string[]): { kept: string[]; omitted: string[] } {
  const partitionKeys = new Set<string>(LOG_PARTITION_KEYS);
  const seen = new Set<string>();
  const kept: string[] = [];
  const omitted: string[] = [];
  for (const column of columns) {
    const name = column.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    (partitionKeys.has(name) ? omitted : kept).push(name);
  }
  return { kept, omitted };
}

function parquetStorage(location: string, columns: Column[]): StorageDescriptor {
  return {
    Columns: columns,
    Location: location,
    InputFormat: PARQUET_INPUT_FORMAT,
    OutputFormat: PARQUET_OUTPUT_FORMAT,
    SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } },
    Compressed: false,
    StoredAsSubDirectories: false,
  };
}

/** The TableInput that UpdateTable needs: the table as it is (a Table has read-only fields TableInput lacks), plus columns. */
function withColumnsAppended(table: Table, added: readonly string[]): TableInput {
  const storage = table.StorageDescriptor ?? {};
  return {
    Name: table.Name,
    Description: table.Description,
    Owner: table.Owner,
    Retention: table.Retention,
    TableType: table.TableType,
    Parameters: table.Parameters,
    PartitionKeys: table.PartitionKeys,
    ViewOriginalText: table.ViewOriginalText,
    ViewExpandedText: table.ViewExpandedText,
    TargetTable: table.TargetTable,
    StorageDescriptor: {
      ...storage,
      Columns: [...(storage.Columns ?? []), ...added.map((name) => ({ Name: name, Type: 'string' }))],
    },
  };
}

function valuesOf(partition: Pick<LogPartition, 'status' | 'runId' | 'env' | 'createdTime'>): string[] {
  return [partition.status, partition.runId, partition.env, partition.createdTime];
}

function partitionInput(partition: LogPartition, columns: Column[]): PartitionInput {
  const location = partition.location.endsWith('/') ? partition.location : `${partition.location}/`;
  return { Values: valuesOf(partition), StorageDescriptor: parquetStorage(location, columns) };
}
