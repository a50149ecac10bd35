/** Every message the CSV splitter shows a person, in one place; each names the source and says what to fix. */

const n = (value: number) => value.toLocaleString('en-US');
const at = (source: string, line: number) => `(${source} line ${line})`;
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
  tooManyValues: (source: string, line: number, values: number, columns: number) =>
    `row has ${values} values but the header has ${columns} columns ${at(source, line)}; fix the row or quote the value that contains a comma`,
  tooFewValues: (source: string, line: number, values: number, columns: number) =>
    `row has ${values} ${values === 1 ? 'value' : 'values'} but the header has ${columns} columns ${at(source, line)}; add the missing values (an empty value is nothing between two commas)`,
  strayQuote: (source: string, line: number, index: number, name: string | undefined) =>
    `quote inside the unquoted value of ${column(index, name)} ${at(source, line)}; ${requote}`,
  textAfterQuote: (source: string, line: number, index: number, name: string | undefined) =>
    `text after the closing quote of ${column(index, name)} ${at(source, line)}; ${requote}`,
  bareCr: (source: string, line: number, index: number, name: string | undefined) =>
    `carriage return outside quotes in ${column(index, name)} ${at(source, line)}; quote the value that contains it, or end lines with LF or CRLF only`,
  unterminatedQuote: (
    source: string,
    line: number,
    lastLine: number,
    index: number | undefined,
    name: string | undefined,
  ) =>
    `the quote opened ${index === undefined ? '' : `in ${column(index, name)} `}on line ${line} is never closed, so lines ${line}–${lastLine} (to the end of the file) were read as one row ${at(source, line)}; close the quote, or double the quotes inside the value`,
  invalidUtf8: (source: string, line: number) =>
    `row is not valid UTF-8 ${at(source, line)}; save the file as UTF-8 (the invalid bytes are shown as \uFFFD in the logged values)`,
  nulByte: (source: string, line: number, index: number | undefined, name: string | undefined) =>
    `row contains a NUL byte${index === undefined ? '' : ` in ${column(index, name)}`} ${at(source, line)}; remove it (Salesforce does not store NUL in text; if many rows have them, save the file as UTF-8)`,
  fieldTooLong: (source: string, line: number, index: number, name: string | undefined, chars: number, max: number) =>
    `value of ${column(index, name)} has ${n(chars)} characters, Salesforce accepts at most ${n(max)} ${at(source, line)}; shorten the value`,
  rowTooLongChars: (source: string, line: number, chars: number, max: number) =>
    `row has ${n(chars)} characters, Salesforce accepts at most ${n(max)} per record ${at(source, line)}; shorten the row`,
  rowTooLongTruncated: (source: string, line: number, bytes: number, max: number, kept: number) =>
    `row is ${n(bytes)} bytes, more than Salesforce's ${n(max)} characters per record ${at(source, line)}; shorten the row (the logged value holds its first ${n(kept)} bytes)`,
  // `room` is the job size limit less the header line; when the header fills it (limits.maxJobBytes: 10 once
  // gave "at most -31 bytes"), no row fits and only a larger limit helps.
  rowTooLongBytes: (source: string, line: number, bytes: number, room: number) =>
    room < 2
      ? `row is ${n(bytes)} bytes but a job has no room for rows: the header line alone fills the job size limit ${at(source, line)}; raise the job size limit (maxJobBytes) well above the header's length`
      : `row is ${n(bytes)} bytes but a job holds at most ${n(room)} bytes of rows after the header ${at(source, line)}; shorten the row or raise the job size limit (maxJobBytes)`,
} as const;
