/** The project's error codes for rows rejected before upload (the `sf__Error` code of their failure row). */
export const CsvRejectCode = {
  /** More or fewer values than the header has columns. */
  COLUMN_COUNT: 'SFETL_COLUMN_COUNT',
  /** A quote where RFC 4180 allows none, text after a closing quote, a bare CR, or a quote never closed. */
  MALFORMED_QUOTES: 'SFETL_MALFORMED_QUOTES',
  /** Bytes that are not UTF-8. */
  INVALID_UTF8: 'SFETL_INVALID_UTF8',
  /** A NUL byte (U+0000), which Salesforce does not store in text; often a sign of a UTF-16 file. */
  NUL_BYTE: 'SFETL_NUL_BYTE',
  /** A value over Salesforce's 32,000 characters. */
  FIELD_TOO_LONG: 'SFETL_FIELD_TOO_LONG',
  /**
   * A line of a file that cannot be read from some line on: a quote opened there is not closed within
   * Salesforce's 400,000 characters per record (or before the end of the file), so each line from there is
   * a failure row of its own, its raw text as the first value.
   */
  MALFORMED_FILE: 'SFETL_MALFORMED_FILE',
  /** A record over Salesforce's 400,000 characters, or too big for one job. */
  ROW_TOO_LONG: 'SFETL_ROW_TOO_LONG',
} as const;

export type CsvRejectCodeValue = (typeof CsvRejectCode)[keyof typeof CsvRejectCode];
