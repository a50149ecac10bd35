import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SerialQueue } from '../duckdb';
import { keyInBucket, uploadFile } from '../s3';
import { LoadEventSink } from './load-events';
import { LogColumn, ParquetLogWriter, ParquetWriteError } from './parquet-log-writer';

/**
 * A log file could not be written. Names the S3 log file and the source it logs, never the local
 * scratch files (they are gone when the run ends), and says what to do.
 */
export class LogWriteError extends Error {
  constructor(
    /** The S3 URI of the log file that was being written. */
    readonly location: string,
    /** The source file whose rows it logs. */
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `could not write the log ${location} for ${source}: ${reason}; nothing of this file is marked done, so a rerun writes it again`,
      options,
    );
    this.name = 'LogWriteError';
  }
}

export interface LogWriterProps {
  /** Every file of an object converts through one queue: one DuckDB conversion at a time. */
  readonly queue: SerialQueue;
  readonly parquet: ParquetLogWriter;
  readonly s3: S3Client;
  /** The log bucket. */
  readonly bucket: string;
  /** Where the Parquet file is written before its upload. */
  readonly workDir: string;
  readonly emit: LoadEventSink;
  readonly object: string;
  /** The source file whose rows are logged (named in errors). */
  readonly source: string;
  /** Told of every log file written, with its rows. */
  readonly onWritten?: (status: 'success' | 'failure', location: string, rows: number) => void;
}

/** One log file: a CSV of result rows, written as `<location><name>` with the given columns. */
export interface LogFile {
  readonly status: 'success' | 'failure';
  /** The s3:// log directory, ending in `/`. */
  readonly location: string;
  /** The file name, fixed for the rows it holds (a redo overwrites it). */
  readonly name: string;
  /** The local CSV with the rows. */
  readonly csv: string;
  readonly columns: readonly LogColumn[];
}

/** Where a part's log rows go: the Parquet logs in S3, or a test's stand-in. */
export interface LogSink {
  /** Writes the file when it has rows; returns the row count. */
  write(file: LogFile): Promise<number>;
}

/** Converts result CSVs to Parquet and uploads them under fixed names (a redo overwrites, never adds). */
export class LogWriter implements LogSink {
  constructor(private readonly props: LogWriterProps) {}

  write({ status, location, name, csv, columns }: LogFile): Promise<number> {
    const { props } = this;
    return props.queue.run(async () => {
      const output = join(props.workDir, name);
      const uri = `${location}${name}`;
      try {
        const { rows } = await props.parquet.csvToParquet({ input: csv, output, columns });
        if (rows > 0) {
          const key = keyInBucket(uri, props.bucket);
          props.emit({ type: 'log-uploading', object: props.object, status, location: uri, rows });
          await uploadFile(props.s3, output, props.bucket, key, 'application/vnd.apache.parquet');
          props.emit({ type: 'log-written', object: props.object, status, location: uri, rows });
          props.onWritten?.(status, location, rows);
        }
        return rows;
      } catch (err) {
        if (err instanceof ParquetWriteError) {
          throw new LogWriteError(uri, props.source, err.reason, { cause: err });
        }
        throw err;
      } finally {
        await rm(output, { force: true });
      }
    });
  }
}
