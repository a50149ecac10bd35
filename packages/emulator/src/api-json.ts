import { randomBytes } from 'node:crypto';

/** Marks a number to be written with its one decimal; random per process, so no value can forge it. */
const MARK = `\u0000${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"\\\\u0000${MARK.slice(1)}(\\d+\\.\\d)"`, 'g');

/**
 * The JSON text of an API answer. Salesforce writes a job's `apiVersion` as a number with its decimal
 * (`"apiVersion" : 66.0` in every job example of the Bulk API 2.0 Developer Guide: "Create a Job", "Create a
 * Query Job"), which JSON.stringify would write as `66`; a client that compares the text, or reads it
 * with a parser that keeps the form of numbers, sees the difference.
 */
export function apiJson(body: unknown): string {
  const text = JSON.stringify(body, (key, value: unknown) =>
    key === 'apiVersion' && typeof value === 'number' && Number.isInteger(value) ? `${MARK}${value.toFixed(1)}` : value,
  );
  return text.replace(MARKED, '$1');
}
