import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parse, Options as ParseOptions } from 'csv-parse';
import { stringify, Options as StringifyOptions, Stringifier } from 'csv-stringify';

/** Where the rows of one attempt's failedResults and unprocessedrecords went. */
export interface SortedFailures {
  /** failedResults rows whose error is final (same columns as failedResults). */
  readonly permanentCsv: string;
  readonly permanent: number;
  /** Rows to send again, as an upload file (upload header, grouped by parent). */
  readonly retryCsv: string;
  readonly retry: number;
  /** Sorted runs of rows to resend that were spilled to disk (0 when they fitted in memory). */
  readonly spilledRuns: number;
}

/** The error code of an `sf__Error` text (`CODE:message:fields --`). */
export function errorCode(error: string): string {
  const colon = error.indexOf(':');
  return colon < 0 ? error : error.slice(0, colon);
}

/** The column to group retried rows by: a relationship or lookup column, so one parent's children travel together. */
function parentColumn(header: readonly string[]): number {
  const relationship = header.findIndex((c) => c.includes('.'));
  if (relationship >= 0) return relationship;
  return header.findIndex((c) => c !== 'Id' && /Id$|__c$/.test(c) && /Id$/.test(c));
}

/**
 * Memory for the rows to send again before a sorted run of them is spilled to a temp file: an
 * unprocessed-records file of a 100 MB job holds 100 MB of rows, which must not sit in memory.
 */
export const DEFAULT_SORT_MEMORY_BYTES = 16 * 2 ** 20;

/** Sorted runs merged at once (each an open file and a parser); more runs are merged in rounds. */
const MERGE_FAN_IN = 16;

export interface SortFailuresProps {
  /** The job's failedResults CSV (sf__Id, sf__Error, then the uploaded columns). */
  readonly failedCsv: string;
  /** The job's unprocessedrecords CSV (the uploaded columns). */
  readonly unprocessedCsv: string;
  readonly uploadHeader: readonly string[];
  /** Error codes whose rows are sent again; the others are final. */
  readonly retryCodes: ReadonlySet<string>;
  /** Where the final failures go. */
  readonly permanentCsv: string;
  /** Where the rows to send again go; sorted runs spill next to it (`<retryCsv>.run-<n>`) and are removed. */
  readonly retryCsv: string;
  /**
   * Rows to send again held in memory at most (estimated bytes) before a sorted run spills to disk.
   * @default DEFAULT_SORT_MEMORY_BYTES
   */
  readonly memoryBytes?: number;
}

/**
 * Splits one attempt's failures into final ones and rows to send again in a new job: failed rows whose
 * code is transient (UNABLE_TO_LOCK_ROW …) and rows the job never processed. Retried rows are sorted by
 * their parent so one parent's children share a job (less lock contention, REFERENCE.md); the sort is
 * stable (rows of one parent keep their order) and external: at most `memoryBytes` of rows are held,
 * sorted runs spill to temp files and are merged, and every write waits for the file (back-pressure).
 */
export async function sortFailures(props: SortFailuresProps): Promise<SortedFailures> {
  const header = props.uploadHeader;
  const parent = parentColumn(header);
  const permanentOut = new CsvFile(props.permanentCsv, {
    header: true,
    columns: ['sf__Id', 'sf__Error', ...header],
    quoted_string: true,
  });
  const retryOut = new CsvFile(props.retryCsv, {
    header: true,
    columns: [...header],
    quoted_string: false,
    record_delimiter: '\n',
  });
  const runs = new SortedRuns(parent, props.memoryBytes ?? DEFAULT_SORT_MEMORY_BYTES, `${props.retryCsv}.run`);
  let permanent = 0;
  let retry = 0;
  // Without a parent column there is nothing to group by: rows go out in the order they come.
  const sendAgain = (values: string[]) => {
    retry++;
    return parent < 0 ? retryOut.write(values) : runs.add(values);
  };
  try {
    for await (const record of readCsv<Record<string, string>>(props.failedCsv, { columns: true, bom: true })) {
      const values = header.map((c) => ownValue(record, c));
      if (props.retryCodes.has(errorCode(record.sf__Error ?? ''))) {
        await sendAgain(values);
      } else {
        permanent++;
        await permanentOut.write([record.sf__Id ?? '', record.sf__Error ?? '', ...values]);
      }
    }
    await permanentOut.close();
    for await (const record of readCsv<Record<string, string>>(props.unprocessedCsv, { columns: true, bom: true })) {
      await sendAgain(header.map((c) => ownValue(record, c)));
    }
    if (parent >= 0) await runs.mergeInto(retryOut);
    await retryOut.close();
  } catch (error) {
    permanentOut.abort();
    retryOut.abort();
    throw error;
  } finally {
    await runs.remove();
  }
  return { permanentCsv: props.permanentCsv, permanent, retryCsv: props.retryCsv, retry, spilledRuns: runs.spilled };
}

/**
 * A column's value in a parsed result row, "" when the row lacks it. Column names are field names from the
 * org's describe: only the row's own keys count, so a missing `toString` column is "" rather than Object's
 * method.
 */
function ownValue(record: Readonly<Record<string, string>>, column: string): string {
  return Object.hasOwn(record, column) ? (record[column] ?? '') : '';
}

/** A CSV file written row by row; a write waits while the file is behind. */
class CsvFile {
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;

  constructor(path: string, options: StringifyOptions) {
    this.csv = stringify(options);
    this.done = pipeline(this.csv, createWriteStream(path));
    // Awaited by write() and close(); until then a failure must not count as unhandled.
    this.done.catch(() => undefined);
  }

  async write(row: readonly string[]): Promise<void> {
    if (!this.csv.write(row)) await Promise.race([once(this.csv, 'drain'), this.done]);
  }

  close(): Promise<void> {
    this.csv.end();
    return this.done;
  }

  /** Stops after a failure elsewhere; the caller removes or overwrites the file. */
  abort(): void {
    this.csv.destroy();
  }
}

/** The records of a CSV file, parsed as they are read; a read error ends the iteration with that error. */
function readCsv<T>(path: string, options: ParseOptions): AsyncIterableIterator<T> {
  const parser = parse(options);
  // The parser is what the caller reads: pipeline destroys it with the read error, so the error reaches them.
  pipeline(createReadStream(path), parser).catch(() => undefined);
  return parser[Symbol.asyncIterator]() as AsyncIterableIterator<T>;
}

/** What a row costs in memory, roughly: V8 strings are up to two bytes a character, plus the array's slots. */
function rowBytes(row: readonly string[]): number {
  let bytes = 64;
  for (const value of row) bytes += 16 + 2 * value.length;
  return bytes;
}

/** A stable external sort of rows by one column: sorted runs of bounded size on disk, merged at the end. */
class SortedRuns {
  private buffer: string[][] = [];
  private bytes = 0;
  private files: string[] = [];
  private readonly created: string[] = [];
  /** Runs spilled from memory (merge rounds write more runs, not counted here). */
  spilled = 0;

  constructor(
    private readonly column: number,
    private readonly memoryBytes: number,
    private readonly pathPrefix: string,
  ) {}

  async add(row: string[]): Promise<void> {
    this.buffer.push(row);
    this.bytes += rowBytes(row);
    if (this.bytes >= this.memoryBytes) await this.spill();
  }

  /** Writes every row, sorted, to `out`. */
  async mergeInto(out: CsvFile): Promise<void> {
    if (this.files.length === 0) {
      for (const row of this.sortedBuffer()) await out.write(row);
      this.buffer = [];
      return;
    }
    if (this.buffer.length > 0) await this.spill();
    // Rounds of merges of neighbouring runs keep the runs in input order, which keeps the sort stable.
    while (this.files.length > MERGE_FAN_IN) {
      const merged: string[] = [];
      for (let i = 0; i < this.files.length; i += MERGE_FAN_IN) {
        const group = this.files.slice(i, i + MERGE_FAN_IN);
        const run = this.newRunPath();
        const file = new CsvFile(run, { quoted_string: true });
        try {
          await this.merge(group, file);
          await file.close();
        } catch (error) {
          file.abort();
          throw error;
        }
        await Promise.all(group.map((path) => rm(path, { force: true })));
        merged.push(run);
      }
      this.files = merged;
    }
    await this.merge(this.files, out);
  }

  /** Removes every run file (after the merge, or after a failure). */
  async remove(): Promise<void> {
    await Promise.all(this.created.map((path) => rm(path, { force: true })));
  }

  private sortedBuffer(): string[][] {
    const c = this.column;
    // Array.prototype.sort is stable: rows of one parent keep their order.
    return this.buffer.sort((a, b) => compare(a[c]!, b[c]!));
  }

  private newRunPath(): string {
    const path = `${this.pathPrefix}-${this.created.length}`;
    this.created.push(path);
    return path;
  }

  private async spill(): Promise<void> {
    const run = this.newRunPath();
    const file = new CsvFile(run, { quoted_string: true });
    try {
      for (const row of this.sortedBuffer()) await file.write(row);
      await file.close();
    } catch (error) {
      file.abort();
      throw error;
    }
    this.files.push(run);
    this.spilled++;
    this.buffer = [];
    this.bytes = 0;
  }

  /** Merges sorted runs into `out`; on equal keys the earlier run goes first. */
  private async merge(paths: readonly string[], out: CsvFile): Promise<void> {
    const c = this.column;
    const readers = paths.map((path) => readCsv<string[]>(path, {}));
    try {
      const heads = await Promise.all(readers.map((r) => r.next()));
      for (;;) {
        let min = -1;
        for (let i = 0; i < heads.length; i++) {
          if (heads[i]!.done) continue;
          if (min < 0 || compare(heads[i]!.value[c]!, heads[min]!.value[c]!) < 0) min = i;
        }
        if (min < 0) return;
        await out.write(heads[min]!.value);
        heads[min] = await readers[min]!.next();
      }
    } finally {
      await Promise.all(readers.map((r) => r.return?.()));
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
