import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sortFailures } from '../../src/pipeline';

/** One attempt's results as Bulk API 2.0 returns them: failedResults and unprocessedrecords CSVs. */
interface AttemptResults {
  readonly header: readonly string[];
  /** sf__Id, sf__Error, then the uploaded columns. */
  readonly failed: readonly string[][];
  /** The uploaded columns. */
  readonly unprocessed: readonly string[][];
}

const PARENT_HEADER = ['LastName', 'Account.Ext_Id__c', 'Description'];
const LOCK = 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001000000000001:--';
const REQUIRED = 'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --';

/** Deterministic rows with awkward values (commas, quotes, line breaks, empty strings) and few parents. */
function attemptResults(header: readonly string[], failedRows: number, unprocessedRows: number): AttemptResults {
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  const values = (i: number, kind: string) =>
    header.map((column) => {
      if (column.includes('.')) return next() % 9 === 0 ? '' : `A-${String(next() % 23).padStart(3, '0')}`;
      if (column === 'Description') return [`"quoted" ${i}`, `comma, ${i}`, `line\nbreak ${i}`, ''][next() % 4]!;
      return `${kind}-${i}`;
    });
  const failed = Array.from({ length: failedRows }, (_, i) => [
    '',
    i % 3 === 0 ? REQUIRED : LOCK,
    ...values(i, 'failed'),
  ]);
  const unprocessed = Array.from({ length: unprocessedRows }, (_, i) => values(i, 'unprocessed'));
  return { header, failed, unprocessed };
}

function writeResults(dir: string, results: AttemptResults): { failedCsv: string; unprocessedCsv: string } {
  const failedCsv = join(dir, 'failed.csv');
  const unprocessedCsv = join(dir, 'unprocessed.csv');
  writeFileSync(failedCsv, stringify([['sf__Id', 'sf__Error', ...results.header], ...results.failed]));
  writeFileSync(unprocessedCsv, stringify([[...results.header], ...results.unprocessed]));
  return { failedCsv, unprocessedCsv };
}

/** What the sorter must write: lock failures then unprocessed rows, stably sorted by the parent column. */
function expectedRetry(results: AttemptResults, parent: number): string[][] {
  const rows = [...results.failed.filter((r) => r[1] === LOCK).map((r) => r.slice(2)), ...results.unprocessed];
  if (parent < 0) return rows;
  return rows
    .map((row, order) => ({ row, order }))
    .sort((a, b) => (a.row[parent]! < b.row[parent]! ? -1 : a.row[parent]! > b.row[parent]! ? 1 : a.order - b.order))
    .map((x) => x.row);
}

function readRows(path: string): string[][] {
  return parse(readFileSync(path, 'utf8'), { bom: true }) as string[][];
}

describe('sortFailures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfetl-failure-sorter-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function sort(results: AttemptResults, name: string, memoryBytes?: number) {
    const files = writeResults(dir, results);
    const sorted = await sortFailures({
      ...files,
      uploadHeader: results.header,
      retryCodes: new Set(['UNABLE_TO_LOCK_ROW']),
      permanentCsv: join(dir, `${name}-permanent.csv`),
      retryCsv: join(dir, `${name}-retry.csv`),
      memoryBytes,
    });
    return sorted;
  }

  test('with a memory budget far below the rows, every row to resend is written, grouped by parent, in a stable order', async () => {
    const results = attemptResults(PARENT_HEADER, 600, 400);
    // ~150 bytes a row against 2,000: dozens of sorted runs on disk, more than one merge round.
    const sorted = await sort(results, 'small', 2_000);
    expect(sorted.spilledRuns).toBeGreaterThan(16);

    const retry = readRows(sorted.retryCsv);
    expect(retry[0]).toEqual(PARENT_HEADER);
    expect(retry.slice(1)).toEqual(expectedRetry(results, 1));
    expect(sorted.retry).toBe(800);

    const permanent = readRows(sorted.permanentCsv);
    expect(permanent[0]).toEqual(['sf__Id', 'sf__Error', ...PARENT_HEADER]);
    expect(permanent.slice(1)).toEqual(results.failed.filter((r) => r[1] === REQUIRED));
    expect(sorted.permanent).toBe(200);

    // The spilled runs are gone; only the inputs and the two outputs are left.
    expect(readdirSync(dir).sort()).toEqual([
      'failed.csv',
      'small-permanent.csv',
      'small-retry.csv',
      'unprocessed.csv',
    ]);
  });

  test('spilling or not, the files are the same byte for byte', async () => {
    const results = attemptResults(PARENT_HEADER, 300, 300);
    const spilled = await sort(results, 'spilled', 1_000);
    const inMemory = await sort(results, 'in-memory');
    expect({ spilled: spilled.spilledRuns > 1, inMemory: inMemory.spilledRuns }).toEqual({
      spilled: true,
      inMemory: 0,
    });
    expect(readFileSync(spilled.retryCsv, 'utf8')).toBe(readFileSync(inMemory.retryCsv, 'utf8'));
    expect(readFileSync(spilled.permanentCsv, 'utf8')).toBe(readFileSync(inMemory.permanentCsv, 'utf8'));
  });

  test('without a parent column the rows to resend keep their order', async () => {
    const results = attemptResults(['LastName', 'Description'], 120, 80);
    const sorted = await sort(results, 'flat', 500);
    expect(readRows(sorted.retryCsv).slice(1)).toEqual(expectedRetry(results, -1));
    expect(sorted.retry).toBe(160);
  });

  test('a column named like a member of every JavaScript object that a result file lacks is empty, not that member', async () => {
    // The upload header holds field names from the org's describe; the result files miss one of them.
    const uploadHeader = ['LastName', 'toString', 'constructor'];
    const failedCsv = join(dir, 'failed.csv');
    const unprocessedCsv = join(dir, 'unprocessed.csv');
    writeFileSync(
      failedCsv,
      stringify([
        ['sf__Id', 'sf__Error', 'LastName'],
        ['', REQUIRED, 'Ng'],
        ['', LOCK, 'Oh'],
      ]),
    );
    writeFileSync(unprocessedCsv, stringify([['LastName'], ['Po']]));
    const sorted = await sortFailures({
      failedCsv,
      unprocessedCsv,
      uploadHeader,
      retryCodes: new Set(['UNABLE_TO_LOCK_ROW']),
      permanentCsv: join(dir, 'prototype-permanent.csv'),
      retryCsv: join(dir, 'prototype-retry.csv'),
    });
    expect(readRows(sorted.permanentCsv)).toEqual([
      ['sf__Id', 'sf__Error', ...uploadHeader],
      ['', REQUIRED, 'Ng', '', ''],
    ]);
    expect(readRows(sorted.retryCsv)).toEqual([uploadHeader, ['Oh', '', ''], ['Po', '', '']]);
  });

  test('no failures at all give two files with a header only', async () => {
    const sorted = await sort(attemptResults(PARENT_HEADER, 0, 0), 'empty', 100);
    expect(readRows(sorted.retryCsv)).toEqual([PARENT_HEADER]);
    expect(readRows(sorted.permanentCsv)).toEqual([['sf__Id', 'sf__Error', ...PARENT_HEADER]]);
    expect({ retry: sorted.retry, permanent: sorted.permanent }).toEqual({ retry: 0, permanent: 0 });
  });

  test('an unreadable input fails with its error and leaves no spilled run behind', async () => {
    const results = attemptResults(PARENT_HEADER, 200, 0);
    const files = writeResults(dir, results);
    rmSync(files.unprocessedCsv);
    await expect(
      sortFailures({
        ...files,
        uploadHeader: PARENT_HEADER,
        retryCodes: new Set(['UNABLE_TO_LOCK_ROW']),
        permanentCsv: join(dir, 'permanent.csv'),
        retryCsv: join(dir, 'retry.csv'),
        memoryBytes: 500,
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir).filter((f) => f.includes('.run-'))).toEqual([]);
  });
});
