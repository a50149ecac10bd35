/** Where and why a quote that never closes makes the rest of a file unreadable as CSV. */
export interface MalformedQuote {
  /** The quoted value passed Salesforce's 400,000 characters per record, or the file ended inside it. */
  readonly reason: 'limit' | 'end';
  /** 0-based column the quote opened in, when known. */
  readonly column?: number;
  readonly columnName?: string;
}

/** The part of a file that cannot be read as CSV: from the line where a quote opened to the end. */
export interface MalformedFile extends MalformedQuote {
  /** The line where the quote opened. */
  readonly line: number;
  /** The last non-blank line of the file. */
  readonly lastLine: number;
  /** Non-blank lines from `line` to the end: each is a rejected row. */
  readonly lines: number;
}
