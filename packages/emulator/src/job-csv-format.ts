import { ApiError } from './api-error';
import { COLUMN_DELIMITERS } from './result-csv';

/** The CSV settings of a Bulk API 2.0 job, from its create request. */
export interface JobCsvFormat {
  readonly lineEnding: 'LF' | 'CRLF';
  /** The setting's name, e.g. `COMMA`. */
  readonly delimiterName: string;
  /** The character it stands for, e.g. `,`. */
  readonly delimiter: string;
}

/**
 * `contentType`, `lineEnding` and `columnDelimiter` of an ingest or query job's create request, with Salesforce's
 * defaults (CSV, LF, COMMA; "Create a Job", "Create a Query Job"); a value it does not take is refused as
 * INVALIDJOB, as for both kinds of job.
 */
export function jobCsvFormat(body: {
  readonly contentType?: unknown;
  readonly lineEnding?: unknown;
  readonly columnDelimiter?: unknown;
}): JobCsvFormat {
  const contentType = body.contentType ?? 'CSV';
  if (contentType !== 'CSV') {
    throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Unsupported contentType: ${String(contentType)}`);
  }
  const lineEnding = body.lineEnding ?? 'LF';
  if (lineEnding !== 'LF' && lineEnding !== 'CRLF') {
    throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid lineEnding: ${String(lineEnding)}`);
  }
  const delimiterName = body.columnDelimiter ?? 'COMMA';
  const delimiter = typeof delimiterName === 'string' ? COLUMN_DELIMITERS.get(delimiterName) : undefined;
  if (delimiter === undefined) {
    throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid columnDelimiter: ${String(delimiterName)}`);
  }
  return { lineEnding, delimiterName: delimiterName as string, delimiter };
}
