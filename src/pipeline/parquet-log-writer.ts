import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse';
import { DuckDbSession, SerialQueue } from '../duckdb';

/** One column of a Parquet log: copied from a column of the CSV, or the same value on every row. */
export interface LogColumn {
  /** The column's name in the Parquet file (any characters but NUL; unique ignoring case). */
  readonly name: string;
  /** The CSV header name to copy values from. @default name, unless `constant` is set */
  readonly from?: string;
  /** A value written on every row instead of a CSV column (e.g. the job id). */
  readonly constant?: string;
}

export interface ParquetLogWriterProps {
  /**
   * Where DuckDB spills when a conversion outgrows its memory limit, and where inputs whose path DuckDB
   * would read as a glob are linked from; put it in the run's work dir. Created if missing.
   * @default a new directory under the OS temp dir, removed by close()
   */
  readonly tempDirectory?: string;
  /** DuckDB's memory limit (it spills or fails beyond it). @default 256 */
  readonly memoryLimitMiB?: number;
  /** DuckDB worker threads; 2 is no faster here and costs ~90 MB more. @default 1 */
  readonly threads?: number;
  /** The longest CSV record accepted, in bytes; Salesforce's 400,000-character record fits. @default 3 MiB */
  readonly maxRecordBytes?: number;
  /**
   * Uncompressed bytes per Parquet row group, which bounds memory however wide the rows are. A conversion
   * peaks at ~3× this above idle: 16 MiB took a 573k-row conversion from +115 MB to +70 MB of RSS against
   * 32 MiB, for the same file size and speed (docs/benchmarks.md, load). @default 16 MiB
   */
  readonly rowGroupBytes?: number;
}

export interface CsvToParquetOptions {
  /** The CSV file: a header line, then rows; UTF-8, BOM allowed; `"` quotes and escapes; quoted line breaks. */
  readonly input: string;
  /** The Parquet file to write (replaced if it exists); its directory must exist. */
  readonly output: string;
  /** The columns of the Parquet file, in order; every one is a string column. */
  readonly columns: readonly LogColumn[];
  /** The CSV's column delimiter (a Bulk API 2.0 job's `columnDelimiter`). @default ',' */
  readonly delimiter?: string;
}

/** Why a CSV file could not be turned into a Parquet log; names the input, the output and the cause. */
export class ParquetWriteError extends Error {
  constructor(
    /** The CSV file that was being converted. */
    readonly input: string,
    /** The Parquet file that was being written (removed when the conversion fails). */
    readonly output: string,
    /** What went wrong, for a person. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(messages.failed(input, output, reason), options);
    this.name = 'ParquetWriteError';
  }
}

const messages = {
  failed: (input: string, output: string, reason: string) =>
    `could not write the Parquet log ${output} from ${input}: ${reason}`,
  notAFile: (code: string | undefined) =>
    code === 'ENOENT' ? 'the CSV file does not exist' : `the CSV file cannot be read (${code ?? 'not a file'})`,
  noColumns: () => 'no columns were asked for; name at least one',
  badName: (name: string) => `the log column name ${JSON.stringify(name)} is empty or contains a NUL character`,
  duplicateName: (first: string, second: string) =>
    `the log columns "${first}" and "${second}" have the same name ignoring case (Athena and Hive ignore case)`,
  fromAndConstant: (name: string) => `the log column "${name}" has both \`from\` and \`constant\`; give one`,
  badDelimiter: (delimiter: string) => `the delimiter ${JSON.stringify(delimiter)} is not one character`,
  missingColumn: (from: string, header: readonly string[]) =>
    `the CSV header has no column "${from}" (it has ${header.length} columns: ${preview(header)})`,
  ambiguousColumn: (from: string) => `the CSV header has more than one column named "${from}"`,
  badHeader: (cause: string) => `the header line cannot be read: ${cause}`,
  closed: () => 'the Parquet log writer was closed',
  globTempDirectory: (dir: string) =>
    `the Parquet writer's temp directory ${dir} contains * ? or [, which DuckDB reads as a glob; choose another directory`,
};

const DEFAULTS = {
  memoryLimitMiB: 256,
  threads: 1,
  maxRecordBytes: 3 * 2 ** 20,
  rowGroupBytes: 16 * 2 ** 20,
};

/** DuckDB expands these in read_csv paths (there is no option to read a path literally). */
const GLOB_CHARS = /[*?[]/;

/**
 * Turns Bulk API 2.0 result CSVs (and the loader's own CSVs of rejected rows) into Parquet logs with an
 * embedded DuckDB: `read_csv` → `COPY … (FORMAT parquet, COMPRESSION zstd)`, streaming, so memory stays
 * flat at ~210 MB RSS whatever the file's size (docs/benchmarks.md). Every value is kept as the string it
 * was in the CSV (empty stays empty, `NULL` and `0001` stay text); every column is a string column.
 *
 * Create one writer per process and pass it to whoever writes logs. Conversions run one at a time, in call
 * order, each in a DuckDB instance of its own that is closed when it is done: an instance kept open holds
 * on to what its allocator once used (in a 5M-row load the loader's RSS climbed from 175 MB to 370 MB over
 * nine conversions); a new instance costs ~10 ms and closing it hands everything back.
 */
export class ParquetLogWriter {
  /** Starts DuckDB with a memory limit, one thread and its temp directory; call close() when done. */
  static async create(props: ParquetLogWriterProps = {}): Promise<ParquetLogWriter> {
    const ownsTempDirectory = props.tempDirectory === undefined;
    const tempDirectory = resolve(props.tempDirectory ?? (await mkdtemp(join(tmpdir(), 'sfetl-duckdb-'))));
    if (GLOB_CHARS.test(tempDirectory)) throw new Error(messages.globTempDirectory(tempDirectory));
    await mkdir(tempDirectory, { recursive: true });
    const settings = {
      memoryLimitMiB: props.memoryLimitMiB ?? DEFAULTS.memoryLimitMiB,
      threads: props.threads ?? DEFAULTS.threads,
      maxRecordBytes: props.maxRecordBytes ?? DEFAULTS.maxRecordBytes,
      rowGroupBytes: props.rowGroupBytes ?? DEFAULTS.rowGroupBytes,
    };
    // The first instance is started here, so settings DuckDB refuses fail now rather than at the first log.
    const duckdb = await openDuckDb(settings, tempDirectory);
    return new ParquetLogWriter(duckdb, tempDirectory, ownsTempDirectory, settings);
  }

  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    /** The instance the next conversion uses; opened on demand, closed after each conversion. */
    private duckdb: DuckDbSession | undefined,
    private readonly tempDirectory: string,
    private readonly ownsTempDirectory: boolean,
    private readonly settings: Required<Omit<ParquetLogWriterProps, 'tempDirectory'>>,
  ) {}

  /**
   * Writes `output` from the CSV file `input` with the given columns and returns how many rows it holds.
   * A file with a header and no rows, or an empty file, gives a valid Parquet file of 0 rows with the
   * columns asked for: the caller decides whether to keep it.
   * @throws ParquetWriteError when the input is missing or malformed, a column is not in its header, or
   * DuckDB cannot write the output; the output is removed then.
   */
  csvToParquet(options: CsvToParquetOptions): Promise<{ rows: number }> {
    if (this.closed) return Promise.reject(new ParquetWriteError(options.input, options.output, messages.closed()));
    return this.queue.run(() => this.convert(options));
  }

  /** Waits for the conversions already asked for, then stops DuckDB and removes the temp directory it created. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    this.releaseDuckDb();
    if (this.ownsTempDirectory) await rm(this.tempDirectory, { recursive: true, force: true });
  }

  private async convert({ input, output, columns, delimiter = ',' }: CsvToParquetOptions): Promise<{ rows: number }> {
    const fail = (reason: string, cause?: unknown) => new ParquetWriteError(input, output, reason, { cause });
    checkColumns(columns, delimiter, fail);
    const source = resolve(input);
    const header = await this.readInputHeader(source, delimiter, fail);

    // Every value reaches DuckDB as a bound parameter; only identifiers are spliced in, quoted.
    const params: string[] = [];
    const query: ConversionQuery = {
      source,
      header,
      delimiter,
      fail,
      param: (value) => {
        params.push(value);
        return `$${params.length}`;
      },
    };
    const select = selectColumns(query, columns);
    const { rowSource, staged } = await this.rowSource(query);
    const sql =
      `COPY (SELECT ${select.join(', ')}${rowSource}) TO ${query.param(resolve(output))}` +
      ` (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE_BYTES ${this.settings.rowGroupBytes})`;
    try {
      this.duckdb ??= await openDuckDb(this.settings, this.tempDirectory);
      const result = await this.duckdb.connection.runAndReadAll(sql, params);
      return { rows: Number(result.getRows()[0]?.[0] ?? 0) };
    } catch (err) {
      await rm(output, { force: true });
      const message = err instanceof Error ? err.message : String(err);
      throw fail(duckdbReason(staged ? message.split(staged).join(source) : message), err);
    } finally {
      this.releaseDuckDb();
      if (staged) await rm(staged, { force: true });
    }
  }

  /** The input's header, or undefined when the file is empty. */
  private async readInputHeader(source: string, delimiter: string, fail: FailWith): Promise<string[] | undefined> {
    const info = await stat(source).catch((err: NodeJS.ErrnoException) => {
      throw fail(messages.notAFile(err.code), err);
    });
    if (!info.isFile()) throw fail(messages.notAFile(undefined));
    try {
      return await readHeader(source, delimiter, this.settings.maxRecordBytes);
    } catch (err) {
      throw fail(messages.badHeader(err instanceof Error ? err.message : String(err)), err);
    }
  }

  /**
   * The query's FROM clause (or LIMIT 0 for an empty file), and the link it reads the input through when
   * DuckDB would take the input's path for a glob (removed by the caller).
   */
  private async rowSource(query: ConversionQuery): Promise<{ rowSource: string; staged?: string }> {
    const { source, header, param, fail } = query;
    // Nothing to read: an empty file has no header and no rows.
    if (header === undefined) return { rowSource: ' LIMIT 0' };
    let staged: string | undefined;
    if (GLOB_CHARS.test(source)) {
      staged = join(this.tempDirectory, `input-${randomUUID()}.csv`);
      await symlink(source, staged).catch((err: NodeJS.ErrnoException) => {
        throw fail(messages.notAFile(err.code), err);
      });
    }
    // Columns by position, not by the names DuckDB would make of the header (it trims spaces, renames
    // case-insensitive duplicates); the header line is only skipped.
    const csvColumns = header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
    const bufferSize = this.settings.maxRecordBytes + 2 ** 20; // DuckDB wants it above max_line_size
    const rowSource =
      ` FROM read_csv(${param(staged ?? source)}, header = true, auto_detect = false, columns = {${csvColumns}},` +
      ` delim = ${param(query.delimiter)}, quote = '"', escape = '"', allow_quoted_nulls = false, strict_mode = true,` +
      ` null_padding = false, ignore_errors = false, compression = 'none', encoding = 'utf-8',` +
      ` max_line_size = ${this.settings.maxRecordBytes}, buffer_size = ${bufferSize})`;
    return { rowSource, staged };
  }

  private releaseDuckDb(): void {
    const duckdb = this.duckdb;
    this.duckdb = undefined;
    duckdb?.close();
  }
}

/** Builds a ParquetWriteError naming the conversion's input and output. */
type FailWith = (reason: string, cause?: unknown) => ParquetWriteError;

/** One conversion's query as it is built: the input, and how values are bound and failures reported. */
interface ConversionQuery {
  /** The CSV file, resolved. */
  readonly source: string;
  /** Its header; undefined for an empty file. */
  readonly header: readonly string[] | undefined;
  readonly delimiter: string;
  /** Binds a value; returns its placeholder. */
  readonly param: (value: string) => string;
  readonly fail: FailWith;
}

/** The SELECT list: each log column from its CSV column by position, or a bound constant. */
function selectColumns(query: ConversionQuery, columns: readonly LogColumn[]): string[] {
  const { header, param, fail } = query;
  return columns.map((column) => {
    if (column.constant !== undefined) {
      return `CAST(${param(column.constant)} AS VARCHAR) AS ${identifier(column.name)}`;
    }
    if (header === undefined) return `CAST(NULL AS VARCHAR) AS ${identifier(column.name)}`;
    const from = column.from ?? column.name;
    const index = header.indexOf(from);
    if (index < 0) throw fail(messages.missingColumn(from, header));
    if (header.indexOf(from, index + 1) >= 0) throw fail(messages.ambiguousColumn(from));
    // DuckDB reads an unquoted empty value as NULL; in a CSV it is an empty string like "".
    return `coalesce(c${index}, '') AS ${identifier(column.name)}`;
  });
}

function openDuckDb(
  settings: Required<Omit<ParquetLogWriterProps, 'tempDirectory'>>,
  tempDirectory: string,
): Promise<DuckDbSession> {
  return DuckDbSession.open({
    memoryLimitMiB: settings.memoryLimitMiB,
    threads: settings.threads,
    tempDirectory,
    // Needed for ROW_GROUP_SIZE_BYTES; log rows have no meaningful order (Salesforce's results have none).
    preserveInsertionOrder: false,
  });
}

function checkColumns(
  columns: readonly LogColumn[],
  delimiter: string,
  fail: (reason: string) => ParquetWriteError,
): void {
  if (columns.length === 0) throw fail(messages.noColumns());
  if ([...delimiter].length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw fail(messages.badDelimiter(delimiter));
  }
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (column.name === '' || column.name.includes('\0')) throw fail(messages.badName(column.name));
    if (column.from !== undefined && column.constant !== undefined) throw fail(messages.fromAndConstant(column.name));
    const key = column.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw fail(messages.duplicateName(first, column.name));
    seen.set(key, column.name);
  }
}

/** The first record of the file (BOM dropped), or undefined when the file holds no record at all. */
async function readHeader(path: string, delimiter: string, maxRecordBytes: number): Promise<string[] | undefined> {
  const file = createReadStream(path);
  const parser = file.pipe(
    parse({ bom: true, delimiter, quote: '"', escape: '"', to: 1, max_record_size: maxRecordBytes }),
  );
  try {
    for await (const record of parser) return record as string[];
    return undefined;
  } finally {
    file.destroy();
  }
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** DuckDB's diagnoses of a bad CSV record, the part of its message worth showing. */
const CSV_DIAGNOSIS = /^(Expected Number of Columns|Value with unterminated quote|Invalid unicode|Maximum line size)/;

/**
 * DuckDB's message, shortened: without its advice on parser options we chose on purpose and its list of
 * settings, and without the offending record, which may be megabytes long or personal data; the line
 * number and the diagnosis stay.
 */
function duckdbReason(message: string): string {
  let text = message;
  const advice = text.search(/\n\s*Possible (fixes|Solution)/);
  if (advice >= 0) text = text.slice(0, advice);
  const original = text.indexOf('\nOriginal Line:');
  if (original >= 0) {
    const diagnosis = text
      .slice(original)
      .split('\n')
      .find((line) => CSV_DIAGNOSIS.test(line));
    text = `${text.slice(0, original)}${diagnosis === undefined ? '' : `: ${diagnosis}`}`;
  }
  return text.replace(/\s+/g, ' ').trim();
}

function preview(header: readonly string[]): string {
  const shown = header.slice(0, 20).map((h) => `"${h}"`);
  return header.length > 20 ? `${shown.join(', ')}, …` : shown.join(', ');
}
