/**
 * Bulk API 2.0 column delimiters by their job setting name. A Map: the name comes from the client's job
 * request, and `"columnDelimiter": "constructor"` must be refused like any other unknown name.
 */
export const COLUMN_DELIMITERS: ReadonlyMap<string, string> = new Map([
  ['COMMA', ','],
  ['TAB', '\t'],
  ['PIPE', '|'],
  ['SEMICOLON', ';'],
  ['CARET', '^'],
  ['BACKQUOTE', '`'],
]);

/** A value quoted as Salesforce quotes every value in result CSVs. */
export function quoted(value: string): string {
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

/** A value quoted only when it must be (delimiter, quote, CR or LF inside). */
export function minimallyQuoted(value: string, delimiter: string): string {
  return value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')
    ? quoted(value)
    : value;
}

/** The header line of a result CSV: Salesforce quotes its own columns and echoes the uploaded names. */
export function resultHeader(
  sfColumns: readonly string[],
  uploadedColumns: readonly string[],
  delimiter: string,
): string {
  return [...sfColumns.map(quoted), ...uploadedColumns.map((c) => minimallyQuoted(c, delimiter))].join(delimiter);
}

/**
 * The first `count` values of a row, quoted and joined as result columns (a value the row lacks is empty):
 * the uploaded part of a result row, built without an array per row. `rowText` is the row as uploaded, when
 * known.
 */
export function quotedColumns(row: readonly string[], count: number, delimiter: string, rowText?: string): string {
  // A row without quotes as uploaded holds no delimiter, quote or line break in a value: quoting each value
  // is quoting the text and each delimiter in it (one native replace instead of a concatenation per value).
  if (rowText !== undefined && row.length === count && !rowText.includes('"')) {
    return `"${rowText.replaceAll(delimiter, `"${delimiter}"`)}"`;
  }
  let out = quoted(row[0] ?? '');
  for (let i = 1; i < count; i++) out += delimiter + quoted(row[i] ?? '');
  return out;
}
