import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LogColumn, ParquetLogWriter, ParquetWriteError } from '../../src/pipeline/parquet-log-writer';

const FIXTURES = join(__dirname, '../fixtures/parquet');
/** pyarrow reads the files back: the reader Athena and Spark resemble, independent of the writer. */
const PYTHON = resolve(__dirname, '../../.venv/bin/python');

interface ParquetContent {
  readonly columns: readonly { name: string; type: string }[];
  readonly nulls: number;
  readonly rows: readonly Record<string, string>[];
}

function readParquet(path: string): ParquetContent {
  const script = [
    'import json, sys',
    'import pyarrow.parquet as pq',
    't = pq.read_table(sys.argv[1])',
    'print(json.dumps({"columns": [{"name": f.name, "type": str(f.type)} for f in t.schema],',
    '  "nulls": sum(c.null_count for c in t.columns), "rows": t.to_pylist()}))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pyarrow could not read ${path}: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout) as ParquetContent;
}

const byKey = (key: string) => (a: Record<string, string>, b: Record<string, string>) =>
  (a[key] ?? '').localeCompare(b[key] ?? '');

let dir: string;
let writer: ParquetLogWriter;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sfetl-parquet-'));
  writer = await ParquetLogWriter.create({ tempDirectory: join(dir, 'duckdb') });
});
afterAll(async () => {
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
});

let outputs = 0;
async function convert(fixture: string, columns: readonly LogColumn[], delimiter?: string) {
  const output = join(dir, `out-${++outputs}.parquet`);
  const { rows } = await writer.csvToParquet({ input: join(FIXTURES, fixture), output, columns, delimiter });
  return { rows, output, content: readParquet(output) };
}

/** The columns a success log row has (DESIGN.md §2.1). */
const successColumns = (uploaded: readonly string[], jobId: string): LogColumn[] => [
  ...uploaded.map((name) => ({ name })),
  { name: 'sf__Id' },
  { name: 'sf__Created' },
  { name: 'sf__JobId', constant: jobId },
];

describe('ParquetLogWriter.csvToParquet', () => {
  test('keeps every value of a successfulResults CSV exactly, as strings, in the order of the columns asked for', async () => {
    const uploaded = ['Ext_Id__c', 'Name', 'Description', 'Code__c', 'Note__c', 'Weird "col", name'];
    const { rows, content } = await convert('success-tricky.csv', successColumns(uploaded, `750'x"`));

    expect(rows).toBe(4);
    expect(content.columns).toEqual(
      [...uploaded, 'sf__Id', 'sf__Created', 'sf__JobId'].map((name) => ({ name, type: 'string' })),
    );
    expect(content.nulls).toBe(0);
    const job = { sf__JobId: `750'x"` };
    expect([...content.rows].sort(byKey('Ext_Id__c'))).toEqual([
      {
        Ext_Id__c: 'E-1',
        Name: 'Smith, John',
        Description: 'He said "hi"',
        Code__c: '0001',
        Note__c: 'NULL',
        'Weird "col", name': 'a',
        sf__Id: '003000000000001AAA',
        sf__Created: 'true',
        ...job,
      },
      {
        Ext_Id__c: 'E-2',
        Name: 'Zoë 山田 🚀',
        Description: 'line one\nline two\r\nline three',
        Code__c: '#N/A',
        Note__c: '',
        'Weird "col", name': 'b',
        sf__Id: '003000000000002AAA',
        sf__Created: 'true',
        ...job,
      },
      {
        Ext_Id__c: 'E-3',
        Name: '  padded  ',
        Description: '',
        Code__c: '00.10',
        Note__c: ' ',
        'Weird "col", name': "c's",
        sf__Id: '003000000000003AAA',
        sf__Created: 'false',
        ...job,
      },
      {
        Ext_Id__c: 'E-4',
        Name: 'back\\slash',
        Description: 'tab\there',
        Code__c: 'null',
        Note__c: 'N/A',
        'Weird "col", name': '',
        sf__Id: '003000000000004AAA',
        sf__Created: 'true',
        ...job,
      },
    ]);
  });

  test('reads a failedResults CSV with a BOM and CRLF line ends; line breaks inside sf__Error stay', async () => {
    const { rows, content } = await convert('failed-bom-crlf.csv', [
      { name: 'Ext_Id__c' },
      { name: 'Email' },
      { name: 'sf__Id' },
      { name: 'sf__Error' },
      { name: 'sf__JobId', constant: '750000000000001AAA' },
    ]);

    expect(rows).toBe(2);
    expect(content.columns.map((c) => c.name)).toEqual(['Ext_Id__c', 'Email', 'sf__Id', 'sf__Error', 'sf__JobId']);
    expect([...content.rows].sort(byKey('Ext_Id__c'))).toEqual([
      {
        Ext_Id__c: 'E-5',
        Email: '',
        sf__Id: '',
        sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
        sf__JobId: '750000000000001AAA',
      },
      {
        Ext_Id__c: 'E-6',
        Email: 'a,b@x',
        sf__Id: '',
        sf__Error: 'INVALID_EMAIL_ADDRESS:Email: invalid email address: a,b@x:Email --\nsecond line',
        sf__JobId: '750000000000001AAA',
      },
    ]);
  });

  test("gives unprocessed records an empty sf__Id and the caller's error; unquoted empty values stay empty strings", async () => {
    const error = 'SFETL_UNPROCESSED:record not processed; job ended Failed:--';
    const { rows, content } = await convert('unprocessed-minimal.csv', [
      { name: 'Ext_Id__c' },
      { name: 'Name' },
      { name: 'Description' },
      { name: 'sf__Id', constant: '' },
      { name: 'sf__Error', constant: error },
      { name: 'sf__JobId', constant: '750000000000002AAA' },
    ]);

    expect(rows).toBe(3);
    expect(content.nulls).toBe(0);
    const common = { sf__Id: '', sf__Error: error, sf__JobId: '750000000000002AAA' };
    expect([...content.rows].sort(byKey('Ext_Id__c'))).toEqual([
      { Ext_Id__c: '', Name: 'multi\nline', Description: '', ...common },
      { Ext_Id__c: 'E-7', Name: '', Description: 'plain', ...common },
      { Ext_Id__c: 'E-8', Name: 'Doe, Jane', Description: '', ...common },
    ]);
  });

  test("turns the loader's own CSV of rejected rows into failure rows with empty sf__Id and sf__JobId", async () => {
    const { rows, content } = await convert('rejected.csv', [
      { name: 'Ext_Id__c' },
      { name: 'Name' },
      { name: 'sf__Id', constant: '' },
      { name: 'sf__Error' },
      { name: 'sf__JobId', constant: '' },
    ]);

    expect(rows).toBe(1);
    expect(content.rows).toEqual([
      {
        Ext_Id__c: 'E-9',
        Name: 'x',
        sf__Id: '',
        sf__Error: 'SFETL_TOO_MANY_VALUES:row has 3 values but the header has 2 columns (s3://b/k line 4):--',
        sf__JobId: '',
      },
    ]);
  });

  test('renames, reorders and drops columns; `from` matches the header exactly, whatever DuckDB would make of it', async () => {
    const { content } = await convert('header-names.csv', [
      { name: 'exact', from: 'Name' },
      { name: 'with_space', from: 'Name ' },
      { name: 'lower', from: 'name' },
    ]);

    expect(content.rows).toEqual([{ exact: 'exact', with_space: 'trailing', lower: 'lower' }]);
  });

  test('a relationship column is written under the log name the caller gives it', async () => {
    const { content } = await convert('success-tricky.csv', [
      { name: 'Account_Name', from: 'Name' },
      { name: 'sf__Id' },
    ]);

    expect(content.columns.map((c) => c.name)).toEqual(['Account_Name', 'sf__Id']);
    expect(content.rows.map((r) => r.Account_Name).sort()).toEqual(
      ['  padded  ', 'Smith, John', 'Zoë 山田 🚀', 'back\\slash'].sort(),
    );
  });

  test('a header-only CSV gives a valid Parquet file of 0 rows with every column', async () => {
    const { rows, content } = await convert('header-only.csv', successColumns(['Ext_Id__c', 'Name'], '750X'));

    expect(rows).toBe(0);
    expect(content.rows).toEqual([]);
    expect(content.columns).toEqual(
      ['Ext_Id__c', 'Name', 'sf__Id', 'sf__Created', 'sf__JobId'].map((name) => ({ name, type: 'string' })),
    );
  });

  test('an empty file (no header at all, as unprocessedrecords can be) gives 0 rows with the columns asked for', async () => {
    const { rows, content } = await convert('empty.csv', [
      { name: 'Ext_Id__c' },
      { name: 'sf__Error', constant: 'unprocessed' },
    ]);

    expect(rows).toBe(0);
    expect(content.columns).toEqual([
      { name: 'Ext_Id__c', type: 'string' },
      { name: 'sf__Error', type: 'string' },
    ]);
  });

  test("reads a one-column CSV (a delete job's records)", async () => {
    const { rows, content } = await convert('single-column.csv', [{ name: 'Id' }]);

    expect(rows).toBe(2);
    expect(content.rows.map((r) => r.Id).sort()).toEqual(['001000000000001AAA', '001000000000002AAA']);
  });

  test('reads the delimiter a job was created with', async () => {
    const { content } = await convert('semicolon.csv', [{ name: 'Name' }, { name: 'sf__Id' }], ';');

    expect(content.rows).toEqual([{ Name: 'a;b', sf__Id: '1' }]);
  });

  test('reads and writes paths with quotes and glob characters literally', async () => {
    const weird = join(dir, "it's [1] *.csv");
    copyFileSync(join(FIXTURES, 'single-column.csv'), weird);
    // What DuckDB would read instead if it took the path as a glob:
    writeFileSync(join(dir, "it's 1 decoy.csv"), 'Id\ndecoy\n');
    const output = join(dir, `out "it's" [2] *.parquet`);

    const { rows } = await writer.csvToParquet({ input: weird, output, columns: [{ name: 'Id' }] });

    expect(rows).toBe(2);
    expect(
      readParquet(output)
        .rows.map((r) => r.Id)
        .sort(),
    ).toEqual(['001000000000001AAA', '001000000000002AAA']);
  });

  test('runs conversions asked for at the same time one after the other, each with its own result', async () => {
    const jobs = ['A', 'B', 'C'].map((job) =>
      writer.csvToParquet({
        input: join(FIXTURES, 'success-tricky.csv'),
        output: join(dir, `concurrent-${job}.parquet`),
        columns: [{ name: 'Ext_Id__c' }, { name: 'sf__JobId', constant: job }],
      }),
    );

    expect(await Promise.all(jobs)).toEqual([{ rows: 4 }, { rows: 4 }, { rows: 4 }]);
    for (const job of ['A', 'B', 'C']) {
      expect(new Set(readParquet(join(dir, `concurrent-${job}.parquet`)).rows.map((r) => r.sf__JobId))).toEqual(
        new Set([job]),
      );
    }
  });
});

describe('ParquetWriteError', () => {
  async function failure(input: string, columns: readonly LogColumn[] = [{ name: 'Name' }]) {
    const output = join(dir, `failed-${++outputs}.parquet`);
    const error = await writer.csvToParquet({ input, output, columns }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ParquetWriteError);
    expect(existsSync(output)).toBe(false);
    const e = error as ParquetWriteError;
    expect(e.input).toBe(input);
    expect(e.output).toBe(output);
    expect(e.message).toContain(input);
    return e;
  }

  test('a missing input file', async () => {
    const e = await failure(join(dir, 'no-such-file.csv'));
    expect(e.reason).toBe('the CSV file does not exist');
  });

  test("a row with more values than the header names the line but not the row's data", async () => {
    const e = await failure(join(FIXTURES, 'too-many-values.csv'));
    expect(e.reason).toContain('Line: 3');
    expect(e.reason).toContain('Expected Number of Columns: 3 Found: 4');
    expect(e.reason).not.toContain('extra');
  });

  test('a quote that is never closed', async () => {
    const e = await failure(join(FIXTURES, 'unterminated-quote.csv'));
    expect(e.reason).toContain('Line: 2');
    expect(e.reason).toContain('unterminated quote');
    expect(e.reason).not.toContain('never closed');
  });

  test('a column that is not in the header, listing the header', async () => {
    const e = await failure(join(FIXTURES, 'header-only.csv'), [{ name: 'sf__Error' }]);
    expect(e.reason).toBe(
      'the CSV header has no column "sf__Error" (it has 4 columns: "sf__Id", "sf__Created", "Ext_Id__c", "Name")',
    );
  });

  test('log column names that are the same ignoring case, empty, or both copied and constant', async () => {
    const input = join(FIXTURES, 'header-names.csv');
    expect((await failure(input, [{ name: 'Name' }, { name: 'name' }])).reason).toContain('same name ignoring case');
    expect((await failure(input, [{ name: '' }])).reason).toContain('empty');
    expect((await failure(input, [{ name: 'x', from: 'Name', constant: 'y' }])).reason).toContain('both');
    expect((await failure(input, [])).reason).toContain('no columns');
  });

  test('a header column named twice cannot be copied', async () => {
    const input = join(dir, 'twice.csv');
    writeFileSync(input, 'Name,Name\na,b\n');
    expect((await failure(input)).reason).toBe('the CSV header has more than one column named "Name"');
  });
});

describe('ParquetLogWriter lifecycle', () => {
  test('creates the temp directory it is given, finishes what was asked before close(), refuses work after it', async () => {
    const temp = join(dir, 'lifecycle', 'duckdb-tmp');
    const own = await ParquetLogWriter.create({ tempDirectory: temp });
    expect(existsSync(temp)).toBe(true);
    const asked = [1, 2].map((n) =>
      own.csvToParquet({
        input: join(FIXTURES, 'single-column.csv'),
        output: join(dir, `before-close-${n}.parquet`),
        columns: [{ name: 'Id' }],
      }),
    );
    await own.close();
    expect(await Promise.all(asked)).toEqual([{ rows: 2 }, { rows: 2 }]);
    await own.close(); // a second close is harmless

    await expect(
      own.csvToParquet({
        input: join(FIXTURES, 'single-column.csv'),
        output: join(dir, 'late.parquet'),
        columns: [{ name: 'Id' }],
      }),
    ).rejects.toThrow(ParquetWriteError);
  });
});
