/** What is structurally wrong with a CSV record, and in which column (0-based) it was first seen. */
export interface CsvRowProblem {
  /**
   * `stray-quote`: a quote inside an unquoted value; `text-after-quote`: anything but a comma after a closing
   * quote; `bare-cr`: a carriage return outside quotes; `unterminated`: a quote that is never closed.
   */
  readonly kind: 'stray-quote' | 'text-after-quote' | 'bare-cr' | 'unterminated';
  readonly column: number;
}

/** The values of one record and, for a malformed one, its first problem. */
export interface ParsedCsvRow {
  /** The values; for a malformed record, a best-effort reading that keeps stray quotes as text. */
  readonly values: string[];
  readonly problem?: CsvRowProblem;
}

/**
 * Parses one comma-separated record exactly (RFC 4180 with `""` escapes; quoted values may hold commas,
 * CR and LF). `text` is the whole record without its line ending. The splitter only calls this for the
 * header and for rows its byte scanner flagged, so clarity wins over speed here.
 */
export function parseCsvRow(text: string): ParsedCsvRow {
  const values: string[] = [];
  let problem: CsvRowProblem | undefined;
  const n = text.length;
  let i = 0;
  for (;;) {
    const column = values.length;
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let closed = false;
      i++;
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q < 0) break;
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          closed = true;
          break;
        }
      }
      if (!closed) {
        values.push(value + text.slice(i));
        problem ??= { kind: 'unterminated', column };
        break;
      }
      if (i < n && text.charCodeAt(i) !== 0x2c) {
        problem ??= { kind: text.charCodeAt(i) === 0x0d ? 'bare-cr' : 'text-after-quote', column };
        const end = nextComma(text, i);
        value += text.slice(i, end);
        i = end;
      }
      values.push(value);
    } else {
      const end = nextComma(text, i);
      const value = text.slice(i, end);
      if (problem === undefined) {
        if (value.includes('"')) problem = { kind: 'stray-quote', column };
        else if (value.includes('\r')) problem = { kind: 'bare-cr', column };
      }
      values.push(value);
      i = end;
    }
    if (i >= n) break;
    i++;
    if (i === n) {
      values.push('');
      break;
    }
  }
  return problem === undefined ? { values } : { values, problem };
}

function nextComma(text: string, from: number): number {
  const c = text.indexOf(',', from);
  return c < 0 ? text.length : c;
}
