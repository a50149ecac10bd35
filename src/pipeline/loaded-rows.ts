import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDbSession } from '../duckdb';
import { listObjectKeys } from '../s3';
import { logColumnName } from './part-attempt';

export interface LoadedRowsProps {
  readonly s3: S3Client;
  /** The log bucket and the prefix of its log trees. */
  readonly bucket: string;
  readonly prefix: string;
  readonly env: string;
  readonly object: string;
  /** The upload header of the file being loaded: rows are compared on these columns. */
  readonly header: readonly string[];
  /**
   * The log token of the load asking (file-loader.ts logToken): its own success logs are left out, so
   * what counts as loaded stays the same however often the load is resumed.
   */
  readonly exceptToken: string;
  /** Scratch directory for the downloaded logs and DuckDB's spill files; created, and removed by close(). */
  readonly workDir: string;
  /** @default 128 */
  readonly memoryLimitMiB?: number;
}

/**
 * The rows already loaded into one env and object, from the success logs of every other load, for
 * loading a corrected file without loading a row twice (--skip-loaded-rows, docs/operations.md).
 *
 * Rows are the same when every column of the file's header holds the same value (a column a log lacks
 * counts as empty). They are counted as a multiset: a file with a row twice, of which one was loaded
 * before, skips one and loads one. The k-th occurrence of a row in the file (in file order) pairs with the
 * k-th loaded occurrence (in log order), whose record id and job it is logged with.
 *
 * DuckDB does the work on disk-backed tables, so memory stays bounded whatever the history: the success
 * logs are downloaded once per file (rows skipped earlier, logged in `*-skipped.parquet`, are not loads
 * and are left out), and each part of the file is anti-joined against them as it is cut.
 */
export class LoadedRows {
  static async open(props: LoadedRowsProps): Promise<LoadedRows> {
    await mkdir(props.workDir, { recursive: true });
    const files = await download(props);
    const settings = {
      memoryLimitMiB: props.memoryLimitMiB ?? 128,
      threads: 1,
      tempDirectory: resolve(props.workDir, 'spill'),
      preserveInsertionOrder: true,
    };
    const session = await DuckDbSession.open(settings, async (connection) => {
      await connection.run('CREATE TABLE used (h VARCHAR PRIMARY KEY, n BIGINT)');
      if (files.length === 0) {
        await connection.run('CREATE TABLE loaded (h VARCHAR, occ BIGINT, sf_id VARCHAR, job_id VARCHAR)');
      } else {
        const list = `[${files.map(literal).join(', ')}]`;
        const source = `read_parquet(${list}, union_by_name = true, filename = true, file_row_number = true)`;
        const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
        const present = new Set(described.getRows().map((r) => String(r[0]).toLowerCase()));
        const values = props.header.map((c) => {
          const name = logColumnName(c);
          return present.has(name.toLowerCase()) ? `coalesce(CAST(${identifier(name)} AS VARCHAR), '')` : `''`;
        });
        await connection.run(
          `CREATE TABLE loaded AS SELECT h, row_number() OVER (PARTITION BY h ORDER BY filename, file_row_number) AS occ,` +
            ` sf_id, job_id FROM (SELECT ${contentHash(values)} AS h, CAST("sf__Id" AS VARCHAR) AS sf_id,` +
            ` CAST("sf__JobId" AS VARCHAR) AS job_id, filename, file_row_number FROM ${source})`,
        );
      }
    });
    return new LoadedRows(session, props);
  }

  private constructor(
    private readonly session: DuckDbSession,
    private readonly props: LoadedRowsProps,
  ) {}

  /**
   * Compares one part (a CSV with the upload header) with the loaded rows. With `out`, writes the rows
   * to send (`kept`, header included) and the rows already loaded (`skipped`: the upload columns plus
   * sf__Id and sf__JobId of the earlier load), both in file order. Parts must be passed in file order,
   * each once, done parts included (without `out`), so occurrences are counted across the file.
   */
  async filter(part: string, out?: { kept: string; skipped: string }): Promise<{ kept: number; skipped: number }> {
    const { header } = this.props;
    const c = this.session.connection;
    const columns = header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
    const raw = header.map((_, i) => `c${i}`);
    await c.run(
      `CREATE OR REPLACE TEMP TABLE p AS SELECT row_number() OVER () AS rn,` +
        ` ${contentHash(raw.map((v) => `coalesce(${v}, '')`))} AS h, ${raw.join(', ')}` +
        ` FROM read_csv(${literal(resolve(part))}, header = true, auto_detect = false, columns = {${columns}},` +
        ` delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, strict_mode = true,` +
        ` null_padding = false, compression = 'none', max_line_size = 3145728, buffer_size = 4194304)`,
    );
    // Occurrences are numbered across the file (the counts of earlier parts in `used`), then paired with
    // the loaded occurrences of the same row.
    await c.run(
      `CREATE OR REPLACE TEMP TABLE q0 AS SELECT p.*, row_number() OVER (PARTITION BY p.h ORDER BY p.rn) + coalesce(u.n, 0) AS occ` +
        ` FROM p LEFT JOIN used u ON u.h = p.h`,
    );
    await c.run(
      'CREATE OR REPLACE TEMP TABLE q AS SELECT q0.*, l.sf_id, l.job_id FROM q0 LEFT JOIN loaded l ON l.h = q0.h AND l.occ = q0.occ',
    );
    if (out) {
      const named = header.map((name, i) => `c${i} AS ${identifier(name)}`).join(', ');
      const csv = `(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"')`;
      await c.run(
        `COPY (SELECT ${named} FROM q WHERE job_id IS NULL ORDER BY rn) TO ${literal(resolve(out.kept))} ${csv}`,
      );
      await c.run(
        `COPY (SELECT ${named}, sf_id AS "sf__Id", job_id AS "sf__JobId" FROM q WHERE job_id IS NOT NULL ORDER BY rn)` +
          ` TO ${literal(resolve(out.skipped))} ${csv}`,
      );
    }
    const counts = await c.runAndReadAll(
      'SELECT count(*) FILTER (WHERE job_id IS NULL)::BIGINT, count(*) FILTER (WHERE job_id IS NOT NULL)::BIGINT FROM q',
    );
    const [kept, skipped] = counts.getRows()[0]!.map(Number) as [number, number];
    await c.run(
      'INSERT INTO used SELECT h, count(*) FROM p GROUP BY h ON CONFLICT (h) DO UPDATE SET n = used.n + excluded.n',
    );
    return { kept, skipped };
  }

  async close(): Promise<void> {
    this.session.close();
    await rm(this.props.workDir, { recursive: true, force: true });
  }
}

/** The same hash of a row's values in the logs and in a part: MD5 of the JSON array of the values. */
function contentHash(values: readonly string[]): string {
  return `md5(to_json([${values.join(', ')}]::VARCHAR[]))`;
}

/** Downloads the success logs of every other load of the object in the env. */
async function download(props: LoadedRowsProps): Promise<string[]> {
  const root = `${props.prefix}success/${props.object}/`;
  const own = new RegExp(`^part-${props.exceptToken}-\\d{5}-`);
  const keys = (await listObjectKeys(props.s3, props.bucket, root)).filter((key) => {
    const name = key.slice(key.lastIndexOf('/') + 1);
    return (
      key.includes(`/env=${props.env}/`) &&
      name.endsWith('.parquet') &&
      !name.endsWith('-skipped.parquet') &&
      !own.test(name)
    );
  });
  const files: string[] = [];
  for (const [i, key] of keys.entries()) {
    const file = join(props.workDir, `loaded-${i}.parquet`);
    const object = await props.s3.send(new GetObjectCommand({ Bucket: props.bucket, Key: key }));
    await pipeline(object.Body as Readable, createWriteStream(file));
    files.push(resolve(file));
  }
  return files;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
