import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify';
import { listLogPartitions, LocalLogQuery, StateLayout } from '../catalog';
import { ObjectConfig } from '../config';
import { readCsvHeader } from '../pipeline/csv-splitter';
import { FAILED_ROW_ERROR_COLUMNS, LOG_COLUMNS } from '../pipeline/log-columns';
import { getJsonObject, openSourceStream, parseS3Uri } from '../s3';

export interface ExportFailedRowsProps {
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /** The Glue log database (config.logs.glueDatabase). */
  readonly database: string;
  /** The log bucket, where the run's manifest is. */
  readonly bucket: string;
  readonly statePrefix: string;
  readonly env: string;
  /** The sObject as the logs spell it (`Contact`); its configuration, when there is one, maps the columns back. */
  readonly object: string;
  readonly objectConfig?: ObjectConfig;
  readonly runId: string;
  /** Only rows failed with this error code (e.g. REQUIRED_FIELD_MISSING). @default every code */
  readonly code?: string;
  /** The CSV file to write. */
  readonly path: string;
}

/** What was exported. */
export interface ExportedFailedRows {
  readonly rows: number;
  /** The CSV's header: the source's columns, then the error columns. */
  readonly columns: readonly string[];
  /** Rows per error code. */
  readonly codes: Readonly<Record<string, number>>;
}

/** The run has no registered log of this object in this env. */
export class RunNotLoggedError extends Error {
  constructor(
    readonly env: string,
    readonly object: string,
    readonly runId: string,
  ) {
    super(`there is no log of ${object} in ${env} for run ${runId}`);
    this.name = 'RunNotLoggedError';
  }
}

interface Manifest {
  readonly sources?: readonly { readonly uri?: string; readonly etag?: string; readonly size?: number }[];
}

const SF_COLUMNS = new Set(LOG_COLUMNS.map((c) => c.toLowerCase()));

/**
 * Writes the failed rows of one run of one object as a CSV to fix and load again: the source file's own
 * columns (its header names, read back from the run's source files and the column mapping; the log's
 * spelling where a file is gone) with the values as logged, then `sfetl_error_code` and
 * `sfetl_error_message`. The error columns must be deleted before the file is loaded (preflight refuses
 * them, saying so); docs/operations.md.
 */
export async function exportFailedRows(props: ExportFailedRowsProps): Promise<ExportedFailedRows> {
  const table = props.object.toLowerCase();
  const runPartitions = (await listLogPartitions({ glue: props.glue, database: props.database })).filter(
    (p) => p.table === table && p.env === props.env && p.runId === props.runId,
  );
  if (runPartitions.length === 0) throw new RunNotLoggedError(props.env, props.object, props.runId);
  const failurePartitions = new Set(runPartitions.filter((p) => p.status === 'failure').map((p) => p.location));
  const logs = await LocalLogQuery.open({
    glue: props.glue,
    s3: props.s3,
    database: props.database,
    partitions: (p) => failurePartitions.has(p.location),
  });
  try {
    const fileColumns = (logs.fileColumns.get(table) ?? []).filter((c) => !SF_COLUMNS.has(c.toLowerCase()));
    const names = await sourceNames(props);
    const header = [...fileColumns.map((c) => names.get(c.toLowerCase()) ?? c), ...FAILED_ROW_ERROR_COLUMNS];
    const codeFilter = props.code === undefined ? '' : ` AND split_part(sf__error, ':', 1) = ${literal(props.code)}`;
    const select = [...fileColumns.map((c) => identifier(c.toLowerCase())), 'sf__error'].join(', ');
    const result =
      failurePartitions.size === 0
        ? { rows: [] }
        : await logs.query(
            `SELECT ${select} FROM ${identifier(props.database)}.${identifier(table)} ` +
              `WHERE status = 'failure' AND env = ${literal(props.env)} AND run_id = ${literal(props.runId)}${codeFilter} ` +
              'ORDER BY created_time, sf__error',
          );
    const codes: Record<string, number> = {};
    const out = createWriteStream(props.path);
    const csv = stringify({ header: true, columns: header });
    csv.pipe(out);
    for (const row of result.rows) {
      const error = row.sf__error === null ? '' : String(row.sf__error);
      const colon = error.indexOf(':');
      const code = colon < 0 ? error : error.slice(0, colon);
      codes[code] = (codes[code] ?? 0) + 1;
      const values = fileColumns.map((c) => {
        const value = row[c.toLowerCase()];
        return value === null || value === undefined ? '' : String(value);
      });
      if (!csv.write([...values, code, colon < 0 ? '' : error.slice(colon + 1)])) {
        await new Promise((resolve) => csv.once('drain', resolve));
      }
    }
    csv.end();
    await finished(out);
    return { rows: result.rows.length, columns: header, codes };
  } finally {
    await logs.close();
  }
}

/**
 * Log column (lower case) → the source file's header name: each source file of the run read back (its
 * first line, the version the run loaded), passed through the column mapping as the preflight did. Where
 * that fails (the file changed or is gone), the configured mapping is reversed.
 */
async function sourceNames(props: ExportFailedRowsProps): Promise<Map<string, string>> {
  const mapping = props.objectConfig?.columnMapping ?? {};
  const mapped = (column: string) => (Object.hasOwn(mapping, column) ? mapping[column]! : column);
  const names = new Map<string, string>();
  for (const [source, field] of Object.entries(mapping)) names.set(field.toLowerCase(), source);
  const manifestKey = new StateLayout(props.statePrefix).manifest(props.runId, props.env, props.object);
  const manifest = await getJsonObject<Manifest>(props.s3, props.bucket, manifestKey).catch(() => undefined);
  for (const source of manifest?.sources ?? []) {
    if (source.uri === undefined || source.etag === undefined) continue;
    try {
      const { bucket, key } = parseS3Uri(source.uri);
      const stream = await openSourceStream(props.s3, { bucket, key, etag: source.etag, size: source.size ?? 0 });
      try {
        for (const column of await readCsvHeader(stream, source.uri)) names.set(mapped(column).toLowerCase(), column);
      } finally {
        stream.destroy();
      }
    } catch {
      // A source replaced or deleted since the run: the mapping and the log's spelling name the columns.
    }
  }
  return names;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
