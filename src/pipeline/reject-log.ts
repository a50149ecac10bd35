import { createWriteStream, WriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import type { RejectedRow } from './csv-splitter';
import { MAX_FIELD_CHARS, MAX_ROW_CHARS } from './salesforce-limits';

/**
 * A logged rejected row keeps at most this many characters in all (Salesforce's own limit on a record):
 * a rejected row may be far bigger than anything Salesforce takes (a runaway line, invalid bytes that
 * grow threefold as U+FFFD), and the failure log must take it. A value that alone is too long for
 * Salesforce (over 32,000 characters) is kept whole up to this limit, so the row can be fixed from the log.
 */
export const MAX_LOGGED_ROW_CHARS = MAX_ROW_CHARS;

/** What a cut value ends with: says it was cut, and to what. */
export function truncationMarker(kept: number): string {
  return ` …[sfetl: truncated to its first ${kept.toLocaleString('en-US')} characters]`;
}

/** `value` cut to at most `max` characters plus the marker (never in the middle of a surrogate pair). */
export function truncateValue(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end) + truncationMarker(end);
}

export interface RejectLogProps {
  /** The CSV file to write: the upload header plus sf__Error. */
  readonly path: string;
  readonly header: readonly string[];
}

/**
 * Rows rejected client-side, written as CSV (upload columns + sf__Error) for the failure log. Values are
 * cut to MAX_LOGGED_ROW_CHARS per row, with a marker, so a row of any size is logged without blocking the
 * file (docs/operations.md, "Rejected rows").
 */
export class RejectLog {
  count = 0;
  readonly path: string;
  private readonly header: readonly string[];
  private readonly stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  constructor(props: RejectLogProps) {
    this.path = props.path;
    this.header = props.header;
    this.out = createWriteStream(props.path);
    this.stringifier = stringify({ header: true, columns: [...props.header, 'sf__Error'], quoted_string: true });
    this.done = new Promise((resolve, reject) => {
      this.out.on('finish', resolve);
      this.out.on('error', reject);
    });
    this.stringifier.pipe(this.out);
  }

  add(row: RejectedRow): void {
    this.count++;
    let room = MAX_LOGGED_ROW_CHARS;
    const values = this.header.map((_, i) => {
      const value = truncateValue(row.values[i] ?? '', Math.max(0, room));
      room -= value.length;
      return value;
    });
    const extra =
      row.values.length > this.header.length
        ? ` (values past the last column: ${truncateValue(row.values.slice(this.header.length).join(', '), MAX_FIELD_CHARS)})`
        : '';
    this.stringifier.write([...values, `${row.code}:${row.message}${extra}:--`]);
  }

  close(): Promise<void> {
    this.stringifier.end();
    return this.done;
  }

  /** Stops writing without waiting (the file is removed with its work directory). */
  destroy(): void {
    this.stringifier.destroy();
    this.out.destroy();
  }
}
