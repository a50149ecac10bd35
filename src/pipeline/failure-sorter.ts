import { createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

/** Where the rows of one attempt's failedResults and unprocessedrecords went. */
export interface SortedFailures {
  /** failedResults rows whose error is final (same columns as failedResults). */
  readonly permanentCsv: string;
  readonly permanent: number;
  /** Rows to send again, as an upload file (upload header, grouped by parent). */
  readonly retryCsv: string;
  readonly retry: number;
}

/** The error code of an `sf__Error` text (`CODE:message:fields --`). */
export function errorCode(error: string): string {
  const colon = error.indexOf(':');
  return colon < 0 ? error : error.slice(0, colon);
}

/** The column to group retried rows by: a relationship or lookup column, so one parent's children travel together. */
function parentColumn(header: readonly string[]): number {
  const relationship = header.findIndex((c) => c.includes('.'));
  if (relationship >= 0) return relationship;
  return header.findIndex((c) => c !== 'Id' && /Id$|__c$/.test(c) && /Id$/.test(c));
}

/**
 * Splits one attempt's failures into final ones and rows to send again in a new job: failed rows whose
 * code is transient (UNABLE_TO_LOCK_ROW …) and rows the job never processed. Retried rows are sorted by
 * their parent so one parent's children share a job (less lock contention, REFERENCE.md).
 */
export async function sortFailures(props: {
  readonly failedCsv: string;
  readonly unprocessedCsv: string;
  readonly uploadHeader: readonly string[];
  readonly retryCodes: ReadonlySet<string>;
  readonly permanentCsv: string;
  readonly retryCsv: string;
}): Promise<SortedFailures> {
  const header = props.uploadHeader;
  const retryRows: string[][] = [];
  const permanentOut = stringify({ header: true, columns: ['sf__Id', 'sf__Error', ...header], quoted_string: true });
  const permanentFile = createWriteStream(props.permanentCsv);
  permanentOut.pipe(permanentFile);
  let permanent = 0;
  for await (const record of createReadStream(props.failedCsv).pipe(
    parse({ columns: true, bom: true }),
  ) as AsyncIterable<Record<string, string>>) {
    const values = header.map((c) => record[c] ?? '');
    if (props.retryCodes.has(errorCode(record.sf__Error ?? ''))) {
      retryRows.push(values);
    } else {
      permanent++;
      permanentOut.write([record.sf__Id ?? '', record.sf__Error ?? '', ...values]);
    }
  }
  permanentOut.end();
  await finished(permanentFile);
  for await (const record of createReadStream(props.unprocessedCsv).pipe(
    parse({ columns: true, bom: true }),
  ) as AsyncIterable<Record<string, string>>) {
    retryRows.push(header.map((c) => record[c] ?? ''));
  }
  const parent = parentColumn(header);
  if (parent >= 0) retryRows.sort((a, b) => (a[parent]! < b[parent]! ? -1 : a[parent]! > b[parent]! ? 1 : 0));
  const retryOut = stringify({ header: true, columns: [...header], quoted_string: false, record_delimiter: '\n' });
  const retryFile = createWriteStream(props.retryCsv);
  retryOut.pipe(retryFile);
  for (const row of retryRows) retryOut.write(row);
  retryOut.end();
  await finished(retryFile);
  return { permanentCsv: props.permanentCsv, permanent, retryCsv: props.retryCsv, retry: retryRows.length };
}
