import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { createWriteStream, WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BadHeaderError } from './bad-header-error';
import { csvMessages as m } from './csv-messages';
import type { LineSpan } from './csv-messages';
import { CsvRejectCode } from './csv-reject-code';
import { ParsedCsvRow, parseCsvRow } from './csv-row-parser';
import { EmptySourceError } from './empty-source-error';
import type { MalformedFile, MalformedQuote } from './malformed-file';

export { BadHeaderError } from './bad-header-error';
export { CsvRejectCode } from './csv-reject-code';
export type { CsvRejectCodeValue } from './csv-reject-code';
export { EmptySourceError } from './empty-source-error';

import { MAX_FIELD_CHARS, MAX_PART_BYTES, MAX_ROW_CHARS } from './salesforce-limits';

export { MAX_FIELD_CHARS, MAX_PART_BYTES, MAX_ROW_CHARS } from './salesforce-limits';

export interface SplitOptions {
  /** Raw CSV bytes per part, header included (Salesforce accepts at most 100 MB per job). @default 100_000_000 */
  readonly maxPartBytes?: number;
  /** Rows per part. @default no limit besides maxPartBytes */
  readonly maxPartRows?: number;
  /** Parts are written here as files, so an upload can be sent again. The directory must exist. */
  readonly workDir: string;
  /**
   * The header to write to the parts instead of the source's (column mapping applied by the caller); must
   * have as many columns as the source header. @default the source header
   */
  readonly header?: readonly string[];
  /** Names the source in messages, e.g. s3://bucket/key. */
  readonly sourceName: string;
}

/** One finished part: a CSV file (header line, then rows, LF line endings) ready to upload as one job. */
export interface CsvPart {
  /** 0-based, in source order. */
  readonly index: number;
  readonly path: string;
  /** Rows in the part, header not counted. */
  readonly rows: number;
  /** Size of the file, header included. */
  readonly bytes: number;
  /** Physical source line of the first row's first line. */
  readonly firstLine: number;
  /** Physical source line of the last row's last line. */
  readonly lastLine: number;
}

/** A row that never goes to Salesforce; it becomes a failure row with `code` and `message`. */
export interface RejectedRow {
  /** Physical source line the row starts on (1-based; quoted line breaks count). */
  readonly line: number;
  /** Physical source line the row ends on (> line when a quoted value spans lines). */
  readonly lastLine: number;
  /** One of {@link CsvRejectCode}. */
  readonly code: string;
  /** Names the source and line and says what to fix. */
  readonly message: string;
  /** The row's values when it can be parsed, else `[raw text]` (invalid UTF-8 bytes shown as U+FFFD). */
  readonly values: readonly string[];
}

export interface SplitSummary {
  /** The header as written to the parts. */
  readonly header: readonly string[];
  /** The header as read from the source. */
  readonly sourceHeader: readonly string[];
  /** Rows after the header; blank lines are not rows. Always rowsInParts + rejected. */
  readonly rowsRead: number;
  readonly rowsInParts: number;
  readonly rejected: number;
  readonly parts: number;
  /**
   * Where the file stopped being readable: a quoted value ran past Salesforce's 400,000 characters per
   * record (or to the end of the file), so every line from the one where the quote opened is a rejected
   * row of its own (code SFETL_MALFORMED_FILE) instead of one huge value.
   */
  readonly malformedFrom?: MalformedFile;
}

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

// Scanner states, outside a quoted value unless named so.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just saw a quote inside a quoted value: it closes the value unless another quote follows. */
const AFTER_QUOTE = 3;
/** Just saw a CR outside quotes: a line ending if LF follows, else a bare CR (malformed). */
const AFTER_CR = 4;

/** Parts are written through a staging buffer of this size, so rows cost a memcpy, not a write call each. */
const STAGE_BYTES = 2 ** 20;
/**
 * A UTF-8 byte is at most one UTF-16 unit and a UTF-16 unit at most 3 bytes, so a row longer than this is
 * over the record limit whatever it holds: only this much of it is ever kept in memory.
 */
const MAX_KEPT_ROW_BYTES = 3 * MAX_ROW_CHARS;
/** Bytes of one line kept for its failure row once the file is malformed (the log shows the line's start). */
const MAX_KEPT_TAIL_LINE_BYTES = MAX_FIELD_CHARS;

/** UTF-16 code units (Java's and Salesforce's characters) of UTF-8 bytes: one per character, two past U+FFFF. */
function utf16Length(bytes: Buffer, from = 0, to = bytes.length): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b < 0x80 || b >= 0xc0) units += b >= 0xf0 ? 2 : 1;
  }
  return units;
}

/** The lines of a file from where it became unreadable, each becoming a rejected row. */
interface MalformedTail extends MalformedQuote {
  /** Line of the quote that never closed within the record limit. */
  readonly from: number;
  /** Number of the line being read. */
  line: number;
  /** Its first bytes (at most MAX_KEPT_TAIL_LINE_BYTES), and how many it has in all. */
  kept: Buffer[];
  keptLen: number;
  bytes: number;
  /** Non-blank lines rejected so far, and the last of them. */
  lines: number;
  lastLine: number;
}

/** Why a row is rejected: its code, message and values. */
type Rejection = Omit<RejectedRow, 'line' | 'lastLine'>;

/** A row the scanner flagged, parsed to be judged. */
interface FlaggedRow {
  /** The row's bytes, or its first MAX_KEPT_ROW_BYTES when it is longer. */
  readonly bytes: Buffer;
  readonly text: string;
  readonly parsed: ParsedCsvRow;
  /** The row's whole length in bytes, line ending not included. */
  readonly rowLen: number;
  readonly line: LineSpan;
}

/**
 * Splits one CSV stream into Bulk API 2.0 job parts on disk: every part starts with the header line and
 * holds at most `maxPartBytes` bytes and `maxPartRows` rows. Reads `input` once; yields each finished part,
 * and does not start the next part before the consumer asks for it. Rows are copied byte for byte, except
 * that CRLF line endings outside quotes become LF (line breaks inside quoted values stay as they are), a
 * BOM is dropped, and blank lines (not rows, not counted) are skipped.
 *
 * Rows that Salesforce would refuse or misread are passed to `onReject` and never written: a wrong number
 * of values, misplaced or unclosed quotes, invalid UTF-8, a NUL byte, a value over 32,000 or a record over
 * 400,000 characters, a row too big for one part. A byte scanner finds row boundaries and counts values outside
 * quotes; only rows it flags are parsed exactly.
 *
 * @throws EmptySourceError when there is no header line
 * @throws BadHeaderError when the header (or `options.header`) cannot be used
 */
export async function* splitCsv(
  input: Readable,
  options: SplitOptions,
  onReject: (row: RejectedRow) => void,
): AsyncGenerator<CsvPart, SplitSummary> {
  const splitter = new CsvSplitter(options, onReject, false);
  try {
    for await (const chunk of withoutBom(input)) {
      splitter.beginChunk(chunk);
      let pos = 0;
      do {
        pos = splitter.scan(chunk, pos);
        await splitter.drain();
        if (splitter.partIsFull) yield await splitter.finishPart();
      } while (pos < chunk.length);
    }
    splitter.endInput();
    if (splitter.partIsFull) {
      yield await splitter.finishPart();
      splitter.placePending();
    }
    if (splitter.hasOpenPart) yield await splitter.finishPart();
    return splitter.summary();
  } finally {
    await splitter.discardOpenPart();
  }
}

/**
 * Reads the header line of a CSV stream (for preflight) and stops reading: the stream is destroyed once
 * the header is known. Same rules as {@link splitCsv}: BOM dropped, blank lines before it skipped, names
 * checked.
 *
 * @throws EmptySourceError when there is no header line
 * @throws BadHeaderError when the header cannot be used
 */
export async function readCsvHeader(input: Readable, sourceName = 'the source file'): Promise<string[]> {
  const splitter = new CsvSplitter({ workDir: '', sourceName }, () => undefined, true);
  for await (const chunk of withoutBom(input)) {
    splitter.beginChunk(chunk);
    splitter.scan(chunk, 0);
    if (splitter.sourceHeader) return [...splitter.sourceHeader];
  }
  splitter.endInput();
  return [...splitter.sourceHeader!];
}

/** The input as Buffers, without a leading UTF-8 BOM (which may arrive split over several chunks). */
async function* withoutBom(input: Readable): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const raw of input) {
    const chunk = toBuffer(raw);
    if (head === undefined) {
      if (chunk.length > 0) yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < 3) continue;
    const rest: Buffer = hasBom(head) ? head.subarray(3) : head;
    head = undefined;
    if (rest.length > 0) yield rest;
  }
  if (head !== undefined && head.length > 0) yield head;
}

/** 10xxxxxx: the second, third or fourth byte of a UTF-8 character. */
function isContinuation(b: number): boolean {
  return b >= 0x80 && b < 0xc0;
}

function hasBom(b: Buffer): boolean {
  return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

/** FF FE or FE FF: the byte order mark of a UTF-16 file (as Excel's "Unicode text" writes). */
function isUtf16Bom(b: Buffer): boolean {
  return (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`the CSV source stream gave a ${typeof chunk}; give a byte stream`);
}

/** A header name quoted only when it must be. */
function csvName(name: string): string {
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/**
 * The splitting state machine. `scan` is the hot loop: it runs synchronously over one chunk and stops at a
 * row boundary when the current part is full or the part file needs to drain; the generator above does
 * the waiting and resumes it at the returned position. The scanner state lives in fields its steps share:
 * measured as fast as keeping it in the loop's local variables.
 */
class CsvSplitter {
  sourceHeader?: string[];
  partIsFull = false;

  private readonly maxPartBytes: number;
  private readonly maxPartRows: number;
  private readonly source: string;

  // Scanner state: where the scan is in the current row and line, kept from one chunk to the next.
  private state = FIELD_START;
  private fields = 1;
  private malformed = false;
  private longField = false;
  private fieldStart = 0;
  private rowStart = 0;
  private rowLine = 1;
  private line = 1;
  /** Stream offset (after the BOM) of the current chunk's first byte, and of the next chunk's. */
  private base = 0;
  private nextBase = 0;
  /** Whether every row that starts and ends inside the current chunk is known to be valid UTF-8. */
  private chunkUtf8 = true;
  /** Whether the current chunk holds a NUL byte anywhere (then each of its rows is checked for one). */
  private chunkNul = false;
  /**
   * Bytes the current row may reach inside a quoted value before its characters are counted against
   * Salesforce's record limit; raised after a count that found room, so a long row is counted a few times only.
   */
  private quotedRoom = MAX_ROW_CHARS;
  /** Set once a quoted value ran past the record limit: from then on every line is a rejected row. */
  private tail?: MalformedTail;

  /** The beginning of a row that started in an earlier chunk (at most MAX_KEPT_ROW_BYTES of it). */
  private carry = Buffer.allocUnsafe(64 * 1024);
  private carryLen = 0;
  /** Whether bytes of the carried row were dropped because it is too long anyway. */
  private carryDropped = false;

  private header: readonly string[] = [];
  private headerCount = -1;
  private headerLine = Buffer.alloc(0);
  /** Largest row (bytes, no line ending) that fits in a part after the header. */
  private rowRoom = 0;
  /** Rows up to this many bytes need no exact length check. */
  private fastRowLimit = 0;

  /** Consecutive good rows of the current chunk not yet copied to the stage: [runStart, runEnd). */
  private runStart = -1;
  private runEnd = -1;
  private stage: Buffer = Buffer.allocUnsafe(STAGE_BYTES);
  private stageLen = 0;
  /** Stage buffers the file has finished writing, reused so memory stays a few MB without waiting for GC. */
  private readonly spareStages: Buffer[] = [];
  private out?: WriteStream;
  private writeError?: Error;
  private needDrain = false;
  private partIndex = 0;
  private partPath = '';
  private partRows = 0;
  private partBytes = 0;
  private partFirstLine = 0;
  private partLastLine = 0;
  /** The row that did not fit in the part just finished: the first row of the next one. */
  private pending?: { readonly bytes: Buffer; readonly line: number; readonly lastLine: number };

  private rowsRead = 0;
  private rowsInParts = 0;
  private rejected = 0;
  private parts = 0;

  constructor(
    private readonly options: SplitOptions,
    private readonly onReject: (row: RejectedRow) => void,
    private readonly headerOnly: boolean,
  ) {
    this.maxPartBytes = options.maxPartBytes ?? MAX_PART_BYTES;
    this.maxPartRows = options.maxPartRows ?? Number.MAX_SAFE_INTEGER;
    this.source = options.sourceName;
    if (!Number.isInteger(this.maxPartBytes) || this.maxPartBytes < 1 || this.maxPartBytes > MAX_PART_BYTES) {
      throw new RangeError(`maxPartBytes must be an integer from 1 to ${MAX_PART_BYTES}, not ${this.maxPartBytes}`);
    }
    if (!Number.isInteger(this.maxPartRows) || this.maxPartRows < 1) {
      throw new RangeError(`maxPartRows must be a positive integer, not ${this.maxPartRows}`);
    }
  }

  get hasOpenPart(): boolean {
    return this.out !== undefined;
  }

  beginChunk(chunk: Buffer): void {
    this.base = this.nextBase;
    this.nextBase += chunk.length;
    // Validate the chunk in one call. Bytes of a character cut by a chunk boundary belong to a row that
    // spans chunks, and such rows are validated on their own, so they are left out here.
    let from = 0;
    if (this.rowStart < this.base) {
      while (from < 3 && from < chunk.length && isContinuation(chunk[from]!)) from++;
    }
    let to = chunk.length;
    for (let k = 1; k <= 3 && to - k >= from; k++) {
      const b = chunk[to - k]!;
      if (isContinuation(b)) continue;
      if (b >= 0xc0 && (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > k) to -= k;
      break;
    }
    this.chunkUtf8 = isUtf8(chunk.subarray(from, to));
    this.chunkNul = chunk.includes(NUL);
  }

  /** Scans `chunk` from `from`; returns where it stopped (the chunk's length when it got to the end). */
  scan(chunk: Buffer, from: number): number {
    if (this.pending) this.placePending();
    if (this.tail) return this.scanTail(chunk, from);
    const n = chunk.length;
    for (let i = from; i < n; i++) {
      const b = chunk[i]!;
      if (this.state === QUOTED) {
        if (b === QUOTE) this.state = AFTER_QUOTE;
        else if (b === LF && this.quotedLineFeed(chunk, i)) return this.scanTail(chunk, i + 1);
      } else if (b > COMMA) {
        // Ordinary text, the bulk of every file: '"', ',', CR and LF are all below ','.
        if (this.state !== UNQUOTED) this.startUnquoted();
      } else if (b === LF) {
        if (!this.endLine(chunk, i)) {
          this.flushRun(chunk);
          return i + 1;
        }
      } else {
        this.lowByte(b, i);
      }
    }
    this.flushRun(chunk);
    if (this.rowStart < this.base + n) {
      this.keep(chunk, Math.max(0, this.rowStart - this.base), n);
    }
    return n;
  }

  /** Text outside quotes: right after a closing quote or a bare CR it makes the row malformed. */
  private startUnquoted(): void {
    if (this.state !== FIELD_START) this.malformed = true;
    this.state = UNQUOTED;
  }

  /**
   * An LF inside a quoted value at `chunk[lf]`. Returns true when the row has run past the record limit:
   * then the file's malformed tail has started, and the rest of the chunk is read as its lines.
   */
  private quotedLineFeed(chunk: Buffer, lf: number): boolean {
    this.line++;
    if (this.base + lf - this.rowStart > this.quotedRoom && this.runsAway(chunk, lf)) {
      this.flushRun(chunk);
      this.startTail(chunk, lf + 1);
      return true;
    }
    return false;
  }

  /** An LF outside quotes at `chunk[lf]`: ends the row and starts the next. Returns false to stop the scan. */
  private endLine(chunk: Buffer, lf: number): boolean {
    const crlf = this.state === AFTER_CR;
    if (this.base + lf - (crlf ? 1 : 0) - this.fieldStart > MAX_FIELD_CHARS) this.longField = true;
    const go = this.endRow(chunk, lf, crlf);
    this.line++;
    this.state = FIELD_START;
    this.fields = 1;
    this.malformed = false;
    this.longField = false;
    this.fieldStart = this.base + lf + 1;
    this.rowStart = this.fieldStart;
    this.rowLine = this.line;
    this.quotedRoom = MAX_ROW_CHARS;
    return go;
  }

  /** A byte below ',' outside quotes, other than LF: a comma, a quote, a CR, or text (space, tab, '!' to '+'). */
  private lowByte(b: number, i: number): void {
    const state = this.state;
    if (b === COMMA) {
      if (state === AFTER_CR) this.malformed = true;
      this.fields++;
      if (this.base + i - this.fieldStart > MAX_FIELD_CHARS) this.longField = true;
      this.fieldStart = this.base + i + 1;
      this.state = FIELD_START;
    } else if (b === QUOTE) {
      if (state === FIELD_START || state === AFTER_QUOTE) {
        this.state = QUOTED;
      } else {
        this.malformed = true;
        this.state = UNQUOTED;
      }
    } else if (b === CR) {
      if (state === AFTER_CR) this.malformed = true;
      this.state = AFTER_CR;
    } else if (state !== UNQUOTED) {
      this.startUnquoted();
    }
  }

  /**
   * Whether the row being read, inside a quoted value at `chunk[lf]`, is past Salesforce's 400,000
   * characters per record: then the quote will not close as a value, and the file is malformed from the
   * line where it opened (Bulk API 2.0 "Limits and Allocations": 400,000 characters per record).
   */
  private runsAway(chunk: Buffer, lf: number): boolean {
    if (!this.sourceHeader) throw new BadHeaderError(this.source, m.headerUnterminatedQuote(this.source));
    const spanning = this.rowStart < this.base;
    if (spanning && this.carryDropped) return true;
    const chars =
      (spanning ? utf16Length(this.carry, 0, this.carryLen) : 0) +
      utf16Length(chunk, Math.max(0, this.rowStart - this.base), lf);
    if (chars > MAX_ROW_CHARS) return true;
    // Every character is at least one byte: the row cannot pass the limit before this many more bytes.
    this.quotedRoom = this.base + lf - this.rowStart + (MAX_ROW_CHARS - chars);
    return false;
  }

  /**
   * The row that started at `rowStart` runs away (its quote does not close within the record limit): every
   * line from its first to `chunk[end]` becomes a rejected row, and so does every line after it.
   */
  private startTail(chunk: Buffer, end: number, reason: 'limit' | 'end' = 'limit'): void {
    const spanning = this.rowStart < this.base;
    const head = spanning ? this.carry.subarray(0, this.carryLen) : Buffer.alloc(0);
    const rest = chunk.subarray(Math.max(0, this.rowStart - this.base), end);
    const firstLf = head.indexOf(LF) >= 0 ? head.indexOf(LF) : head.length + Math.max(0, rest.indexOf(LF));
    const firstLine = Buffer.concat([head, rest]).subarray(0, Math.min(firstLf, MAX_KEPT_TAIL_LINE_BYTES));
    const problem = parseCsvRow(firstLine.toString('utf8').replace(/\r$/, '')).problem;
    const column = problem?.kind === 'unterminated' ? problem.column : undefined;
    this.tail = {
      reason,
      from: this.rowLine,
      column,
      columnName: column === undefined ? undefined : this.sourceHeader![column],
      line: this.rowLine,
      kept: [],
      keptLen: 0,
      bytes: 0,
      lines: 0,
      lastLine: 0,
    };
    // The carried bytes are copied out before the carry is cleared (scanTail keeps slices of what it reads).
    const carried = Buffer.from(head);
    this.clearCarry();
    this.scanTail(carried, 0);
    this.scanTail(rest, 0);
  }

  /** Reads lines of a malformed file's tail; each non-blank line is rejected as a row of its own. */
  private scanTail(chunk: Buffer, from: number): number {
    const tail = this.tail!;
    let i = from;
    for (;;) {
      const lf = chunk.indexOf(LF, i);
      const end = lf < 0 ? chunk.length : lf;
      if (end > i) {
        tail.bytes += end - i;
        const room = MAX_KEPT_TAIL_LINE_BYTES - tail.keptLen;
        if (room > 0) {
          const piece = chunk.subarray(i, Math.min(end, i + room));
          tail.kept.push(Buffer.from(piece));
          tail.keptLen += piece.length;
        }
      }
      if (lf < 0) break;
      this.endTailLine();
      i = lf + 1;
    }
    return chunk.length;
  }

  private endTailLine(): void {
    const tail = this.tail!;
    let bytes = Buffer.concat(tail.kept, tail.keptLen);
    let length = tail.bytes;
    if (length > 0 && tail.keptLen === length && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
      length--;
    }
    if (length > 0) {
      this.rowsRead++;
      this.rejected++;
      tail.lines++;
      tail.lastLine = tail.line;
      const text = bytes.toString('utf8');
      this.onReject({
        line: tail.line,
        lastLine: tail.line,
        code: CsvRejectCode.MALFORMED_FILE,
        message: m.malformedFileLine(this.source, tail, length, bytes.length),
        values: [text],
      });
    }
    tail.line++;
    tail.kept = [];
    tail.keptLen = 0;
    tail.bytes = 0;
  }

  /** Ends the last row when the file does not end with a line break; then checks a header was found. */
  endInput(): void {
    if (this.pending) this.placePending();
    const empty = Buffer.alloc(0);
    this.beginChunk(empty);
    if (this.tail) {
      if (this.tail.bytes > 0) this.endTailLine();
      return;
    }
    if (this.rowStart < this.base) {
      if (this.state === QUOTED && this.sourceHeader && this.line > this.rowLine) {
        // A quote still open at the end of the file after a line break: the lines after the one where it
        // opened are not part of a value, they are lines the open quote swallowed.
        this.startTail(empty, 0, 'end');
        if (this.tail!.bytes > 0) this.endTailLine();
      } else if (this.state === QUOTED) {
        this.unterminated();
      } else {
        const crlf = this.state === AFTER_CR;
        if (this.base - (crlf ? 1 : 0) - this.fieldStart > MAX_FIELD_CHARS) this.longField = true;
        this.endRow(empty, 0, crlf);
      }
      this.rowStart = this.base;
    }
    if (!this.sourceHeader) throw new EmptySourceError(this.source);
  }

  /** Waits until the part file has taken what was written to it. */
  async drain(): Promise<void> {
    if (this.needDrain && this.out) {
      this.needDrain = false;
      if (this.out.writableNeedDrain) await once(this.out, 'drain');
    }
    if (this.writeError) throw this.writeError;
  }

  /** Closes the current part's file and describes it. */
  async finishPart(): Promise<CsvPart> {
    const out = this.out!;
    this.flushStage();
    if (this.writeError) throw this.writeError;
    this.out = undefined;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.once('close', resolve);
      out.end();
    });
    if (this.writeError) throw this.writeError;
    this.partIsFull = false;
    this.parts++;
    return {
      index: this.partIndex++,
      path: this.partPath,
      rows: this.partRows,
      bytes: this.partBytes,
      firstLine: this.partFirstLine,
      lastLine: this.partLastLine,
    };
  }

  /** Starts the next part with the row that did not fit in the last one. */
  placePending(): void {
    const row = this.pending!;
    this.pending = undefined;
    this.openPart();
    this.count(row.bytes.length, row.line, row.lastLine);
    this.copy(row.bytes, 0, row.bytes.length);
    this.stageLf();
  }

  /** Removes a part that was not finished (the consumer stopped early, or reading failed). */
  async discardOpenPart(): Promise<void> {
    const out = this.out;
    if (!out) return;
    this.out = undefined;
    out.destroy();
    await rm(this.partPath, { force: true });
  }

  summary(): SplitSummary {
    return {
      header: this.header,
      sourceHeader: this.sourceHeader!,
      rowsRead: this.rowsRead,
      rowsInParts: this.rowsInParts,
      rejected: this.rejected,
      parts: this.parts,
      ...(this.tail
        ? {
            malformedFrom: {
              reason: this.tail.reason,
              line: this.tail.from,
              lastLine: this.tail.lastLine,
              lines: this.tail.lines,
              column: this.tail.column,
              columnName: this.tail.columnName,
            },
          }
        : {}),
    };
  }

  /**
   * A row ended at `chunk[lf]` (its LF; for the last row of a file without a final line break, `chunk` is
   * empty and `lf` 0); the scanner state still describes it. Returns false to make the scan stop after it.
   */
  private endRow(chunk: Buffer, lf: number, crlf: boolean): boolean {
    const lastLine = this.line;
    const spanning = this.rowStart < this.base;
    const start = this.rowStart - this.base;
    const end = lf - (crlf ? 1 : 0);
    const rowLen = this.base + end - this.rowStart;
    if (spanning) {
      if (end >= 0) this.keep(chunk, 0, end);
      else if (!this.carryDropped) this.carryLen--; // the CR of a CRLF ended the previous chunk
    }
    if (rowLen === 0) {
      // A blank line is not a row: skipped, not counted.
      this.flushRun(chunk);
      this.clearCarry();
      return true;
    }
    if (!this.sourceHeader) {
      this.acceptHeader(this.rowBytes(chunk, end), rowLen);
      this.clearCarry();
      return !this.headerOnly;
    }
    this.rowsRead++;
    const ok =
      this.fields === this.headerCount &&
      !this.malformed &&
      !this.longField &&
      rowLen <= this.fastRowLimit &&
      (spanning
        ? isUtf8(this.carry.subarray(0, this.carryLen)) && !this.carry.subarray(0, this.carryLen).includes(NUL)
        : (this.chunkUtf8 || isUtf8(chunk.subarray(start, end))) &&
          !(this.chunkNul && chunk.subarray(start, end).includes(NUL)));
    if (!ok && this.rejectFlagged(chunk, end, rowLen, lastLine)) return true;
    if (!this.out) this.openPart();
    if (this.partRows >= this.maxPartRows || this.partBytes + rowLen + 1 > this.maxPartBytes) {
      this.holdForNextPart(chunk, end, lastLine);
      return false;
    }
    this.count(rowLen, this.rowLine, lastLine);
    if (!spanning && !crlf) {
      if (this.runStart < 0) this.runStart = start;
      this.runEnd = lf + 1;
    } else {
      this.stageRow(chunk, start, end);
    }
    return !this.needDrain;
  }

  /** The bytes of the row ending at `chunk[end]`: carried over from earlier chunks, or a slice of this one. */
  private rowBytes(chunk: Buffer, end: number): Buffer {
    return this.rowStart < this.base
      ? this.carry.subarray(0, this.carryLen)
      : chunk.subarray(this.rowStart - this.base, end);
  }

  /** Rejects a row the scanner flagged, unless it is fine after all; returns whether it was rejected. */
  private rejectFlagged(chunk: Buffer, end: number, rowLen: number, lastLine: number): boolean {
    const reason = this.judge(this.rowBytes(chunk, end), rowLen, lastLine);
    if (!reason) return false;
    this.flushRun(chunk);
    this.clearCarry();
    this.rejected++;
    this.onReject({ line: this.rowLine, lastLine, ...reason });
    return true;
  }

  /** The row does not fit in the current part: it starts the next one, and the current one is full. */
  private holdForNextPart(chunk: Buffer, end: number, lastLine: number): void {
    this.flushRun(chunk);
    // A carried row is copied out: the carry buffer is reused for the rows after it.
    const bytes = this.rowBytes(chunk, end);
    this.pending = { bytes: this.rowStart < this.base ? Buffer.from(bytes) : bytes, line: this.rowLine, lastLine };
    this.clearCarry();
    this.partIsFull = true;
  }

  /** Stages a row that spans chunks or ends in CRLF on its own, with an LF (other rows are copied in runs). */
  private stageRow(chunk: Buffer, start: number, end: number): void {
    this.flushRun(chunk);
    if (this.rowStart < this.base) {
      this.copy(this.carry, 0, this.carryLen);
      this.clearCarry();
    } else {
      this.copy(chunk, start, end);
    }
    this.stageLf();
  }

  /** Why a row the scanner flagged must be rejected, or undefined when it is fine after all. */
  private judge(bytes: Buffer, rowLen: number, lastLine: number): Rejection | undefined {
    const line: LineSpan = lastLine > this.rowLine ? [this.rowLine, lastLine] : this.rowLine;
    if (rowLen > bytes.length) {
      return {
        code: CsvRejectCode.ROW_TOO_LONG,
        message: m.rowTooLongTruncated(this.source, line, rowLen, MAX_ROW_CHARS, bytes.length),
        values: [bytes.toString('utf8')],
      };
    }
    const text = bytes.toString('utf8');
    const row: FlaggedRow = { bytes, text, parsed: parseCsvRow(text), rowLen, line };
    return this.judgeBytes(row) ?? this.judgeValues(row);
  }

  /** Invalid UTF-8 or a NUL byte. */
  private judgeBytes({ bytes, text, parsed, line }: FlaggedRow): Rejection | undefined {
    const src = this.source;
    const problem = parsed.problem;
    if (!isUtf8(bytes)) {
      return {
        code: CsvRejectCode.INVALID_UTF8,
        message: m.invalidUtf8(src, line),
        values: problem ? [text] : parsed.values,
      };
    }
    if (bytes.includes(NUL)) {
      const found = problem ? -1 : parsed.values.findIndex((v) => v.includes('\0'));
      const column = found < 0 ? undefined : found;
      return {
        code: CsvRejectCode.NUL_BYTE,
        message: m.nulByte(src, line, column, column === undefined ? undefined : this.sourceHeader![column]),
        values: problem ? [text] : parsed.values,
      };
    }
    return undefined;
  }

  /** Misplaced quotes, a wrong number of values, a record, row or value too long. */
  private judgeValues({ text, parsed, rowLen, line }: FlaggedRow): Rejection | undefined {
    const src = this.source;
    const problem = parsed.problem;
    if (problem) {
      const name = this.sourceHeader![problem.column];
      const message =
        problem.kind === 'stray-quote'
          ? m.strayQuote(src, line, problem.column, name)
          : problem.kind === 'bare-cr'
            ? m.bareCr(src, line, problem.column, name)
            : m.textAfterQuote(src, line, problem.column, name);
      return { code: CsvRejectCode.MALFORMED_QUOTES, message, values: [text] };
    }
    const values = parsed.values;
    if (values.length !== this.headerCount) {
      const message =
        values.length > this.headerCount
          ? m.tooManyValues(src, line, values.length, this.headerCount)
          : m.tooFewValues(src, line, values.length, this.headerCount);
      return { code: CsvRejectCode.COLUMN_COUNT, message, values };
    }
    if (text.length > MAX_ROW_CHARS) {
      return {
        code: CsvRejectCode.ROW_TOO_LONG,
        message: m.rowTooLongChars(src, line, text.length, MAX_ROW_CHARS),
        values,
      };
    }
    if (rowLen > this.rowRoom) {
      return {
        code: CsvRejectCode.ROW_TOO_LONG,
        message: m.rowTooLongBytes(src, line, rowLen + 1, this.rowRoom + 1),
        values,
      };
    }
    const long = values.findIndex((v) => v.length > MAX_FIELD_CHARS);
    if (long >= 0) {
      return {
        code: CsvRejectCode.FIELD_TOO_LONG,
        message: m.fieldTooLong(src, line, long, this.sourceHeader![long], values[long]!.length, MAX_FIELD_CHARS),
        values,
      };
    }
    return undefined;
  }

  /** The file ended inside a quoted value opened on its last line: that line is one malformed row. */
  private unterminated(): void {
    const text = this.carry.subarray(0, this.carryLen).toString('utf8');
    this.clearCarry();
    if (!this.sourceHeader) throw new BadHeaderError(this.source, m.headerUnterminatedQuote(this.source));
    const problem = parseCsvRow(text).problem;
    const column = problem?.kind === 'unterminated' ? problem.column : undefined;
    this.rowsRead++;
    this.rejected++;
    this.onReject({
      line: this.rowLine,
      lastLine: this.rowLine,
      code: CsvRejectCode.MALFORMED_QUOTES,
      message: m.unterminatedQuote(
        this.source,
        this.rowLine,
        column,
        column === undefined ? undefined : this.sourceHeader[column],
      ),
      values: [text],
    });
  }

  private acceptHeader(bytes: Buffer, rowLen: number): void {
    const src = this.source;
    if (rowLen > bytes.length) throw new BadHeaderError(src, m.headerTooLong(src, bytes.length));
    if (isUtf16Bom(bytes)) throw new BadHeaderError(src, m.headerUtf16(src));
    if (!isUtf8(bytes)) throw new BadHeaderError(src, m.headerNotUtf8(src));
    if (bytes.includes(NUL)) throw new BadHeaderError(src, m.headerNul(src));
    const parsed = parseCsvRow(bytes.toString('utf8'));
    if (parsed.problem) {
      const { kind, column } = parsed.problem;
      throw new BadHeaderError(
        src,
        kind === 'bare-cr' ? m.headerBareCr(src) : m.headerMalformedQuotes(src, column, parsed.values[column] ?? ''),
      );
    }
    checkNames(src, parsed.values, 'header line');
    const mapped = this.options.header;
    if (mapped) {
      if (mapped.length !== parsed.values.length) {
        throw new BadHeaderError(src, m.mappedHeaderWidth(src, mapped.length, parsed.values.length));
      }
      checkNames(src, mapped, 'mapped header');
    }
    this.sourceHeader = parsed.values;
    this.header = mapped ? [...mapped] : parsed.values;
    this.headerCount = parsed.values.length;
    this.headerLine = Buffer.from(`${this.header.map(csvName).join(',')}\n`, 'utf8');
    this.rowRoom = this.maxPartBytes - this.headerLine.length - 1;
    this.fastRowLimit = Math.min(MAX_ROW_CHARS, this.rowRoom);
  }

  private openPart(): void {
    this.partPath = join(this.options.workDir, `part-${String(this.partIndex).padStart(5, '0')}.csv`);
    const out = createWriteStream(this.partPath, { highWaterMark: 4 * STAGE_BYTES });
    out.on('error', (err) => {
      this.writeError ??= err;
    });
    this.out = out;
    this.needDrain = false;
    this.partRows = 0;
    this.partBytes = this.headerLine.length;
    this.copy(this.headerLine, 0, this.headerLine.length);
  }

  private count(rowLen: number, line: number, lastLine: number): void {
    if (this.partRows === 0) this.partFirstLine = line;
    this.partLastLine = lastLine;
    this.partRows++;
    this.partBytes += rowLen + 1;
    this.rowsInParts++;
  }

  /** Appends chunk[from, to) to the carried row start, keeping at most MAX_KEPT_ROW_BYTES. */
  private keep(chunk: Buffer, from: number, to: number): void {
    const len = Math.min(to - from, MAX_KEPT_ROW_BYTES - this.carryLen);
    if (len < to - from) this.carryDropped = true;
    if (len <= 0) return;
    if (this.carryLen + len > this.carry.length) {
      const bigger = Buffer.allocUnsafe(
        Math.min(MAX_KEPT_ROW_BYTES, Math.max(2 * this.carry.length, this.carryLen + len)),
      );
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    chunk.copy(this.carry, this.carryLen, from, from + len);
    this.carryLen += len;
  }

  private clearCarry(): void {
    this.carryLen = 0;
    this.carryDropped = false;
  }

  private flushRun(chunk: Buffer): void {
    if (this.runStart < 0) return;
    this.copy(chunk, this.runStart, this.runEnd);
    this.runStart = -1;
  }

  private copy(src: Buffer, from: number, to: number): void {
    while (from < to) {
      const take = Math.min(to - from, STAGE_BYTES - this.stageLen);
      src.copy(this.stage, this.stageLen, from, from + take);
      this.stageLen += take;
      from += take;
      if (this.stageLen === STAGE_BYTES) this.flushStage();
    }
  }

  private stageLf(): void {
    if (this.stageLen === STAGE_BYTES) this.flushStage();
    this.stage[this.stageLen++] = LF;
  }

  private flushStage(): void {
    if (this.stageLen === 0) return;
    const written = this.stage;
    const recycle = () => this.spareStages.push(written);
    if (!this.out!.write(written.subarray(0, this.stageLen), recycle)) this.needDrain = true;
    this.stage = this.spareStages.pop() ?? Buffer.allocUnsafe(STAGE_BYTES);
    this.stageLen = 0;
  }
}

function checkNames(source: string, names: readonly string[], what: string): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name.trim() === '') throw new BadHeaderError(source, m.emptyColumnName(source, i, what));
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new BadHeaderError(source, m.duplicateColumn(source, first, i, name, what));
    seen.set(key, i);
  });
}
