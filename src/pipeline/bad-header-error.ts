/**
 * A header line that cannot be loaded (not UTF-8, misplaced quotes, an empty or duplicate column name, a
 * column mapping of the wrong width): fatal before any job exists. The message names the column and the fix.
 */
export class BadHeaderError extends Error {
  constructor(
    /** The source as named to the splitter, e.g. s3://bucket/key. */
    readonly source: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadHeaderError';
  }
}
