import type { MalformedFile, MalformedQuote } from './malformed-file';
import { MAX_ROW_CHARS } from './salesforce-limits';

/** Every message the CSV splitter shows a person, in one place; each names the source and says what to fix. */

const n = (value: number) => value.toLocaleString('en-US');
/** A row's line, or its first and last line when a quoted value spans several. */
export type LineSpan = number | readonly [number, number];

const at = (source: string, line: LineSpan) =>
  typeof line === 'number' ? `(${source} line ${line})` : `(${source} lines ${line[0]}–${line[1]})`;
const column = (index: number, name: string | undefined) =>
  name === undefined ? `column ${index + 1}` : `column ${index + 1} "${name}"`;
const requote = 'quote the whole value and double every quote inside it, e.g. "say ""hi"""';

export const csvMessages = {
  // --- the file as a whole (fatal) -------------------------------------------------------------------------
  emptySource: (source: string) =>
    `${source} is empty or holds only blank lines; a CSV file starts with a header line of field names`,
  headerNotUtf8: (source: string) => `the header line of ${source} is not valid UTF-8; save the file as UTF-8`,
  headerUtf16: (source: string) =>
    `${source} is UTF-16 (it starts with a UTF-16 byte order mark); save the file as UTF-8 (in Excel: "CSV UTF-8")`,
  headerNul: (source: string) =>
    `the header line of ${source} contains NUL bytes, so the file is probably UTF-16 or not text; save it as UTF-8 (in Excel: "CSV UTF-8")`,
  headerUnterminatedQuote: (source: string) =>
    `the header line of ${source} opens a quote that is never closed; close the quote in the header`,
  headerBareCr: (source: string) =>
    `the header line of ${source} contains a carriage return outside quotes; the file probably uses old Mac (CR-only) line endings: save it with LF or CRLF line endings`,
  headerMalformedQuotes: (source: string, index: number, name: string) =>
    `${column(index, name)} of the header line of ${source} has a misplaced quote; ${requote}`,
  headerTooLong: (source: string, bytes: number) =>
    `the header line of ${source} is over ${n(bytes)} bytes; check it for a quote that is never closed`,
  emptyColumnName: (source: string, index: number, what: string) =>
    `column ${index + 1} of the ${what} of ${source} has no name; name it or remove the column (and its values)`,
  duplicateColumn: (source: string, first: number, second: number, name: string, what: string) =>
    `columns ${first + 1} and ${second + 1} of the ${what} of ${source} are both named "${name}" (names are compared ignoring case); rename or remove one of them`,
  mappedHeaderWidth: (source: string, mapped: number, columns: number) =>
    `the column mapping gives ${mapped} column names but ${source} has ${columns} columns; map every source column`,

  // --- one row (rejected, logged as a failure row) --------------------------------------------------------
  tooManyValues: (source: string, line: LineSpan, values: number, columns: number) =>
    `row has ${values} values but the header has ${columns} columns ${at(source, line)}; fix the row or quote the value that contains a comma`,
  tooFewValues: (source: string, line: LineSpan, values: number, columns: number) =>
    `row has ${values} ${values === 1 ? 'value' : 'values'} but the header has ${columns} columns ${at(source, line)}; add the missing values (an empty value is nothing between two commas)`,
  strayQuote: (source: string, line: LineSpan, index: number, name: string | undefined) =>
    `quote inside the unquoted value of ${column(index, name)} ${at(source, line)}; ${requote}`,
  textAfterQuote: (source: string, line: LineSpan, index: number, name: string | undefined) =>
    `text after the closing quote of ${column(index, name)} ${at(source, line)}; ${requote}`,
  bareCr: (source: string, line: LineSpan, index: number, name: string | undefined) =>
    `carriage return outside quotes in ${column(index, name)} ${at(source, line)}; quote the value that contains it, or end lines with LF or CRLF only`,
  unterminatedQuote: (source: string, line: number, index: number | undefined, name: string | undefined) =>
    `the quote opened ${index === undefined ? '' : `in ${column(index, name)} `}on the last line is never closed before the end of the file ${at(source, line)}; close the quote, or double the quotes inside the value`,
  malformedFileLine: (
    source: string,
    tail: MalformedQuote & { readonly line: number; readonly from: number },
    bytes: number,
    kept: number,
  ) =>
    `line not loaded: the file cannot be read from line ${tail.from}, where a quote opens${tail.column === undefined ? '' : ` in ${column(tail.column, tail.columnName)}`} that ${tail.reason === 'limit' ? `is not closed within Salesforce's ${n(MAX_ROW_CHARS)} characters per record` : 'is never closed before the end of the file'} ${at(source, tail.line)}; fix that quote, then load the corrected file with --skip-loaded-rows (rows already loaded are skipped)${kept < bytes ? ` (the logged value holds the line's first ${n(kept)} of ${n(bytes)} bytes)` : ''}`,
  malformedFile: (source: string, file: MalformedFile) =>
    `${source}: a quote opened on line ${file.line}${file.column === undefined ? '' : ` in ${column(file.column, file.columnName)}`} ${file.reason === 'limit' ? `is not closed within Salesforce's ${n(MAX_ROW_CHARS)} characters per record` : 'is never closed'}, so the file cannot be read from there: lines ${file.line}–${file.lastLine} (${n(file.lines)} ${file.lines === 1 ? 'line' : 'lines'}) were not loaded and are failure rows (SFETL_MALFORMED_FILE); fix the quote, then load the corrected file with --skip-loaded-rows (rows already loaded are skipped)`,
  notCsvSkipped: (source: string, uris: readonly string[]) =>
    `${source}: ${n(uris.length)} ${uris.length === 1 ? 'object is' : 'objects are'} not loaded because the name does not end in .csv: ${uris.slice(0, 3).join(', ')}${uris.length > 3 ? `, and ${n(uris.length - 3)} more` : ''}; sfetl loads uncompressed CSV files named *.csv (decompress a .csv.gz, rename a CSV saved under another name, or move other files out of the source folder)`,
  invalidUtf8: (source: string, line: LineSpan) =>
    `row is not valid UTF-8 ${at(source, line)}; save the file as UTF-8 (the invalid bytes are shown as \uFFFD in the logged values)`,
  nulByte: (source: string, line: LineSpan, index: number | undefined, name: string | undefined) =>
    `row contains a NUL byte${index === undefined ? '' : ` in ${column(index, name)}`} ${at(source, line)}; remove it (Salesforce does not store NUL in text; if many rows have them, save the file as UTF-8)`,
  fieldTooLong: (source: string, line: LineSpan, index: number, name: string | undefined, chars: number, max: number) =>
    `value of ${column(index, name)} has ${n(chars)} characters, Salesforce accepts at most ${n(max)} ${at(source, line)}; shorten the value`,
  rowTooLongChars: (source: string, line: LineSpan, chars: number, max: number) =>
    `row has ${n(chars)} characters, Salesforce accepts at most ${n(max)} per record ${at(source, line)}; shorten the row`,
  rowTooLongTruncated: (source: string, line: LineSpan, bytes: number, max: number, kept: number) =>
    `row is ${n(bytes)} bytes, more than Salesforce's ${n(max)} characters per record ${at(source, line)}; shorten the row (the logged value holds its first ${n(kept)} bytes)`,
  // `room` is the job size limit less the header line; when the header fills it (limits.maxJobBytes: 10 once
  // gave "at most -31 bytes"), no row fits and only a larger limit helps.
  rowTooLongBytes: (source: string, line: LineSpan, bytes: number, room: number) =>
    room < 2
      ? `row is ${n(bytes)} bytes but a job has no room for rows: the header line alone fills the job size limit ${at(source, line)}; raise the job size limit (maxJobBytes) well above the header's length`
      : `row is ${n(bytes)} bytes but a job holds at most ${n(room)} bytes of rows after the header ${at(source, line)}; shorten the row or raise the job size limit (maxJobBytes)`,
} as const;
