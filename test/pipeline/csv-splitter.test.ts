import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import {
  BadHeaderError,
  CsvPart,
  CsvRejectCode,
  EmptySourceError,
  readCsvHeader,
  RejectedRow,
  splitCsv,
  SplitOptions,
  SplitSummary,
} from '../../src/pipeline/csv-splitter';
import { seeded } from '../support/seeded-random';

const FIXTURES = join(__dirname, '../fixtures/csv-splitter');
const SOURCE = 's3://bucket/contacts.csv';

function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

const workDirs: string[] = [];
function newWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sfetl-csv-splitter-'));
  workDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of workDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Split {
  readonly parts: readonly (Omit<CsvPart, 'path'> & { readonly content: Buffer })[];
  readonly rejects: readonly RejectedRow[];
  readonly summary: SplitSummary;
}

/**
 * Runs the splitter over `chunks` (one Buffer = one chunk), reads every part back and checks what must hold
 * for every input: parts start with the header line, respect both limits, and every row is accounted for.
 */
async function split(chunks: Buffer | readonly Buffer[], options: Partial<SplitOptions> = {}): Promise<Split> {
  const workDir = newWorkDir();
  const opts: SplitOptions = { workDir, sourceName: SOURCE, ...options };
  const rejects: RejectedRow[] = [];
  const parts: (Omit<CsvPart, 'path'> & { content: Buffer })[] = [];
  const gen = splitCsv(Readable.from(Buffer.isBuffer(chunks) ? [chunks] : [...chunks]), opts, (r) => rejects.push(r));
  let next = await gen.next();
  while (!next.done) {
    const { path, ...meta } = next.value;
    const content = readFileSync(path);
    rmSync(path);
    parts.push({ ...meta, content });
    next = await gen.next();
  }
  const summary = next.value;
  const headerLine = `${summary.header.join(',')}\n`;
  parts.forEach((p, i) => {
    expect(p.index).toBe(i);
    expect(p.content.subarray(0, headerLine.length).toString('utf8')).toBe(headerLine);
    expect(p.bytes).toBe(p.content.length);
    expect(p.bytes).toBeLessThanOrEqual(opts.maxPartBytes ?? 100_000_000);
    expect(p.rows).toBeGreaterThan(0);
    expect(p.rows).toBeLessThanOrEqual(opts.maxPartRows ?? Infinity);
  });
  expect(summary.parts).toBe(parts.length);
  expect(summary.rowsInParts).toBe(parts.reduce((n, p) => n + p.rows, 0));
  expect(summary.rejected).toBe(rejects.length);
  expect(summary.rowsRead).toBe(summary.rowsInParts + summary.rejected);
  expect(readdirSync(workDir)).toEqual([]);
  return { parts, rejects, summary };
}

/** The rows of all parts, in order, without the parts' header lines. */
function rowsOf(result: Split): string {
  return result.parts
    .map((p) => {
      const content = p.content.toString('utf8');
      return content.slice(content.indexOf('\n') + 1);
    })
    .join('');
}

function oneByteChunks(buf: Buffer): Buffer[] {
  return [...buf].map((b) => Buffer.from([b]));
}

function cutAt(buf: Buffer, ...positions: number[]): Buffer[] {
  const edges = [0, ...positions, buf.length];
  return edges.slice(1).map((end, i) => buf.subarray(edges[i], end));
}

async function collect(gen: AsyncGenerator<CsvPart, SplitSummary>): Promise<void> {
  for (let next = await gen.next(); !next.done; next = await gen.next());
}

describe('splitCsv: line endings, BOM, quoting', () => {
  test('LF file: parts hold the rows byte for byte, quoted commas, quotes and newlines intact', async () => {
    const input = fixture('contacts-lf.csv');
    const result = await split(input);
    const text = input.toString('utf8');
    expect(rowsOf(result)).toBe(text.slice(text.indexOf('\n') + 1));
    expect(result.summary).toEqual({
      header: ['Ext_Id__c', 'FirstName', 'LastName', 'Email', 'Description'],
      sourceHeader: ['Ext_Id__c', 'FirstName', 'LastName', 'Email', 'Description'],
      rowsRead: 8,
      rowsInParts: 8,
      rejected: 0,
      parts: 1,
    });
    expect(result.parts[0]).toMatchObject({ firstLine: 2, lastLine: 12 });
    const values = parse(result.parts[0]!.content, { columns: true }) as Record<string, string>[];
    expect(values.map((v) => v.Description)).toEqual([
      'Plain text',
      'Rear admiral, US Navy',
      'She said "hello" twice',
      'Line one\nLine two\nLine three',
      'emoji 😀 and "quotes", commas',
      '',
      '',
      'trailing newline inside\n',
    ]);
  });

  test('BOM is dropped, CRLF becomes LF, a CRLF inside quotes stays, a last line without line break is kept', async () => {
    const result = await split(fixture('bom-crlf.csv'));
    expect(result.summary.sourceHeader).toEqual(['Id', 'Name', 'Notes']);
    expect(result.parts[0]!.content.toString('utf8')).toBe(`Id,Name,Notes\n${fixture('bom-crlf.expected.csv')}`);
    expect(result.parts[0]).toMatchObject({ rows: 4, firstLine: 2, lastLine: 7 });
  });

  test('mixed LF and CRLF endings; blank lines anywhere are skipped and not counted', async () => {
    const result = await split(fixture('mixed-endings.csv'));
    expect(rowsOf(result)).toBe(fixture('mixed-endings.expected.csv').toString('utf8'));
    expect(result.summary.rowsRead).toBe(5);
    expect(result.rejects).toEqual([]);
    // The header is on line 3 after two blank lines; the last row (5,Eve) on line 12.
    expect(result.parts[0]).toMatchObject({ firstLine: 4, lastLine: 12 });
  });

  test('a quoted header is read unquoted and written plainly', async () => {
    const result = await split(fixture('quoted-header.csv'));
    expect(result.summary.sourceHeader).toEqual(['Id', 'Name', 'Email']);
    expect(result.parts[0]!.content.toString('utf8')).toBe('Id,Name,Email\n1,A,a@example.com\n');
  });

  test('a replacement header (column mapping) is written to every part', async () => {
    const result = await split(fixture('mixed-endings.csv'), {
      header: ['Ext_Id__c', 'LastName', 'MailingCity'],
      maxPartRows: 2,
    });
    expect(result.summary.sourceHeader).toEqual(['Id', 'Name', 'City']);
    expect(result.summary.header).toEqual(['Ext_Id__c', 'LastName', 'MailingCity']);
    expect(result.parts).toHaveLength(3);
    for (const p of result.parts) expect(p.content.toString('utf8')).toMatch(/^Ext_Id__c,LastName,MailingCity\n/);
    expect(rowsOf(result)).toBe(fixture('mixed-endings.expected.csv').toString('utf8'));
  });

  test('a header-only file gives no part and no row', async () => {
    const result = await split(fixture('header-only.csv'));
    expect(result.parts).toEqual([]);
    expect(result.summary).toMatchObject({ sourceHeader: ['Id', 'Name', 'Email'], rowsRead: 0, parts: 0 });
  });
});

describe('splitCsv: rejected rows', () => {
  test('each structural problem is rejected with its code, source line, values and what to fix', async () => {
    const result = await split(fixture('rejects.csv'));
    expect(rowsOf(result)).toBe(fixture('rejects.expected.csv').toString('utf8'));
    expect(result.rejects.map((r) => [r.line, r.code])).toEqual([
      [3, CsvRejectCode.COLUMN_COUNT],
      [4, CsvRejectCode.COLUMN_COUNT],
      [7, CsvRejectCode.MALFORMED_QUOTES],
      [8, CsvRejectCode.MALFORMED_QUOTES],
      [9, CsvRejectCode.INVALID_UTF8],
      [10, CsvRejectCode.MALFORMED_QUOTES],
      [11, CsvRejectCode.COLUMN_COUNT],
    ]);
    const [more, fewer, stray, after, utf8, cr, multiline] = result.rejects;
    expect(more).toEqual({
      line: 3,
      lastLine: 3,
      code: 'SFETL_COLUMN_COUNT',
      message: `row has 4 values but the header has 3 columns (${SOURCE} line 3); fix the row or quote the value that contains a comma`,
      values: ['2', 'Too', 'many', 'values@example.com'],
    });
    expect(fewer!.message).toBe(
      `row has 2 values but the header has 3 columns (${SOURCE} line 4); add the missing values (an empty value is nothing between two commas)`,
    );
    expect(fewer!.values).toEqual(['3', 'Too few']);
    expect(stray!.message).toContain(`quote inside the unquoted value of column 2 "Name" (${SOURCE} line 7)`);
    expect(stray!.message).toContain('double every quote inside it');
    expect(stray!.values).toEqual(['5,Stray"quote,s@example.com']);
    expect(after!.message).toContain(`text after the closing quote of column 2 "Name" (${SOURCE} line 8)`);
    expect(utf8!.message).toBe(
      `row is not valid UTF-8 (${SOURCE} line 9); save the file as UTF-8 (the invalid bytes are shown as \uFFFD in the logged values)`,
    );
    expect(utf8!.values).toEqual(['7', 'Caf\uFFFD latin-1', 'l@example.com']);
    expect(cr!.message).toContain(`carriage return outside quotes in column 2 "Name" (${SOURCE} line 10)`);
    expect(cr!.values).toEqual(['8,Bare\rCR,cr@example.com']);
    expect(multiline!.values).toEqual(['9', 'quoted\nnewline then, too, many', 'x', 'y']);
    expect(result.summary).toMatchObject({ rowsRead: 10, rowsInParts: 3, rejected: 7 });
    expect(result.parts[0]).toMatchObject({ firstLine: 2, lastLine: 13 });
  });

  test('invalid UTF-8 anywhere in a row: a stray continuation byte, a cut character, an overlong form, a surrogate', async () => {
    const result = await split(fixture('invalid-utf8.csv'));
    expect(rowsOf(result)).toBe('1,ok é\n6,ok 日本\n');
    expect(result.rejects.map((r) => [r.line, r.code])).toEqual([
      [3, 'SFETL_INVALID_UTF8'],
      [4, 'SFETL_INVALID_UTF8'],
      [5, 'SFETL_INVALID_UTF8'],
      [6, 'SFETL_INVALID_UTF8'],
    ]);
    expect(result.rejects[0]!.values).toEqual(['\uFFFD', 'a continuation byte starts the row']);
  });

  test('a quote never closed before the end of the file: every line from the one where it opened is a failure row of its own', async () => {
    const result = await split(fixture('unterminated.csv'));
    expect(rowsOf(result)).toBe('1,Good\n');
    const fix = `fix that quote, then load the corrected file with --skip-loaded-rows (rows already loaded are skipped)`;
    const why = `the file cannot be read from line 3, where a quote opens in column 2 "Name" that is never closed before the end of the file`;
    expect(result.rejects).toEqual([
      {
        line: 3,
        lastLine: 3,
        code: 'SFETL_MALFORMED_FILE',
        message: `line not loaded: ${why} (${SOURCE} line 3); ${fix}`,
        values: ['2,"never closed'],
      },
      {
        line: 4,
        lastLine: 4,
        code: 'SFETL_MALFORMED_FILE',
        message: `line not loaded: ${why} (${SOURCE} line 4); ${fix}`,
        values: ['3,Lost'],
      },
      {
        line: 5,
        lastLine: 5,
        code: 'SFETL_MALFORMED_FILE',
        message: `line not loaded: ${why} (${SOURCE} line 5); ${fix}`,
        values: ['4,Lost too'],
      },
    ]);
    expect(result.summary).toMatchObject({
      rowsRead: 4,
      rowsInParts: 1,
      rejected: 3,
      malformedFrom: { reason: 'end', line: 3, lastLine: 5, lines: 3, column: 1, columnName: 'Name' },
    });
  });

  test('a quote never closed on the last line alone is one malformed row, not a malformed file', async () => {
    const result = await split(Buffer.from('Id,Name\n1,Good\n2,"open to the end'));
    expect(result.rejects).toEqual([
      expect.objectContaining({ line: 3, lastLine: 3, code: 'SFETL_MALFORMED_QUOTES', values: ['2,"open to the end'] }),
    ]);
    expect(result.rejects[0]!.message).toContain('on the last line is never closed before the end of the file');
    expect(result.summary.malformedFrom).toBeUndefined();
  });

  describe("a stray quote that never closes within Salesforce's 400,000 characters per record", () => {
    /** `rows` data lines of ~70 bytes; line `strayAt` (1-based file line) opens a quote with no close. */
    function straySource(rows: number, strayAt: number, lineEnd = '\n'): Buffer {
      const lines = ['Ext_Id__c,LastName,Email'];
      for (let i = 2; i <= rows + 1; i++) {
        const name = i === strayAt ? `"O'Brien` : `Name${i}`;
        lines.push(`L${i},${name},person${i}@example.com ${'x'.repeat(30)}`);
      }
      return Buffer.from(lines.join(lineEnd) + lineEnd);
    }

    test('every line from the quote to the end is a failure row, the lines before load, and the count adds up', async () => {
      const rows = 20_000;
      const input = straySource(rows, 2002);
      const result = await split(input, { maxPartRows: 1_000 });
      expect(result.summary.rowsInParts).toBe(2_000);
      expect(result.summary.rejected).toBe(rows - 2_000);
      expect(result.summary.rowsRead).toBe(rows);
      expect(result.summary.malformedFrom).toEqual({
        reason: 'limit',
        line: 2002,
        lastLine: rows + 1,
        lines: rows - 2_000,
        column: 1,
        columnName: 'LastName',
      });
      expect(result.rejects.map((r) => r.line)).toEqual(Array.from({ length: rows - 2_000 }, (_, i) => 2002 + i));
      expect(new Set(result.rejects.map((r) => r.code))).toEqual(new Set(['SFETL_MALFORMED_FILE']));
      // Each line is its own row, its raw text the first value: nothing of the file is lost.
      expect(result.rejects[0]!.values).toEqual([`L2002,"O'Brien,person2002@example.com ${'x'.repeat(30)}`]);
      expect(result.rejects.at(-1)!.values).toEqual([
        `L${rows + 1},Name${rows + 1},person${rows + 1}@example.com ${'x'.repeat(30)}`,
      ]);
      expect(result.rejects[5]!.message).toContain(
        `the file cannot be read from line 2002, where a quote opens in column 2 "LastName" that is not closed within Salesforce's 400,000 characters per record (${SOURCE} line 2007)`,
      );
    });

    test('the same with CRLF line endings and any chunk size', async () => {
      const input = straySource(8_000, 10, '\r\n');
      const whole = await split(input);
      expect(whole.summary).toMatchObject({ rowsRead: 8_000, rowsInParts: 8, rejected: 7_992 });
      expect(whole.rejects[0]!.values[0]).not.toContain('\r');
      for (const size of [1_000, 65_536, 300_001]) {
        const chunks: Buffer[] = [];
        for (let at = 0; at < input.length; at += size) chunks.push(input.subarray(at, at + size));
        expect(await split(chunks)).toEqual(whole);
      }
    });

    test('a quoted value that closes within the limit is one row, whose message names its lines', async () => {
      const input = Buffer.from('Id,Name,Note\n1,"open\n2,still open\n3,closes" here,x\n4,Fine,y\n');
      const result = await split(input);
      expect(rowsOf(result)).toBe('4,Fine,y\n');
      expect(result.rejects).toHaveLength(1);
      expect(result.rejects[0]).toMatchObject({ line: 2, lastLine: 4, code: 'SFETL_MALFORMED_QUOTES' });
      expect(result.rejects[0]!.message).toContain(`(${SOURCE} lines 2–4)`);
      expect(result.summary.malformedFrom).toBeUndefined();
    });

    test('characters are counted, not bytes: 399,990 three-byte characters in a closed multi-line value are one record', async () => {
      const value = `${'日'.repeat(199_995)}\n${'日'.repeat(199_995)}`;
      const input = Buffer.from(`Id,Note\n1,"${value}"\n2,after\n`);
      const result = await split(input);
      // Over 32,000 characters in one value: rejected as a field too long, but as one row, and line 4 loads.
      expect(result.rejects.map((r) => [r.line, r.lastLine, r.code])).toEqual([[2, 3, 'SFETL_FIELD_TOO_LONG']]);
      expect(rowsOf(result)).toBe('2,after\n');
    });
  });

  // Values of 32,000+ characters are built here rather than stored as fixtures of the same letter repeated.
  describe('Salesforce length limits', () => {
    const header = 'Id,Text\n';

    test('a value of 32,000 characters passes, 32,001 is rejected; characters are counted, not bytes', async () => {
      const input = Buffer.from(
        header +
          `ok-ascii,${'a'.repeat(32_000)}\n` +
          `too-long,${'a'.repeat(32_001)}\n` +
          `ok-two-byte,${'é'.repeat(32_000)}\n` +
          `ok-escaped,"${'""'.repeat(32_000)}"\n` +
          `too-long-emoji,${'😀'.repeat(16_001)}\n` +
          `last,x\n`,
      );
      const result = await split(input);
      expect(result.parts[0]!.rows).toBe(4);
      expect(
        rowsOf(result)
          .split('\n')
          .map((l) => l.slice(0, l.indexOf(','))),
      ).toEqual(['ok-ascii', 'ok-two-byte', 'ok-escaped', 'last', '']);
      expect(result.rejects.map((r) => [r.line, r.code, r.values[0]])).toEqual([
        [3, 'SFETL_FIELD_TOO_LONG', 'too-long'],
        [6, 'SFETL_FIELD_TOO_LONG', 'too-long-emoji'],
      ]);
      expect(result.rejects[0]!.message).toBe(
        `value of column 2 "Text" has 32,001 characters, Salesforce accepts at most 32,000 (${SOURCE} line 3); shorten the value`,
      );
      expect(result.rejects[0]!.values[1]).toHaveLength(32_001);
    });

    test('a record over 400,000 characters is rejected even when every value fits', async () => {
      const columns = Array.from({ length: 14 }, (_, i) => `C${i}`);
      const row = (width: number) => columns.map(() => 'x'.repeat(width)).join(',');
      const input = Buffer.from(`${columns.join(',')}\n${row(28_000)}\n${row(30_000)}\n`);
      const result = await split(input);
      expect(result.summary).toMatchObject({ rowsInParts: 1, rejected: 1 });
      expect(result.rejects[0]).toMatchObject({ line: 3, code: 'SFETL_ROW_TOO_LONG' });
      expect(result.rejects[0]!.message).toBe(
        `row has 420,013 characters, Salesforce accepts at most 400,000 per record (${SOURCE} line 3); shorten the row`,
      );
    });

    test('a row of megabytes on one line is rejected without being held whole; rows after it still load', async () => {
      const big = `2,"${'y'.repeat(2_000_000)}"`;
      const input = Buffer.from(`${header}1,a\n${big}\n3,c\n`);
      const chunks = cutAt(input, ...Array.from({ length: 40 }, (_, i) => (i + 1) * 64 * 1024));
      const result = await split(chunks);
      expect(rowsOf(result)).toBe('1,a\n3,c\n');
      expect(result.rejects).toHaveLength(1);
      const [reject] = result.rejects;
      expect(reject).toMatchObject({ line: 3, lastLine: 3, code: 'SFETL_ROW_TOO_LONG' });
      expect(reject!.message).toContain('row is 2,000,004 bytes, more than Salesforce');
      expect(reject!.values[0]!.length).toBeLessThanOrEqual(1_200_000);
      expect(result.summary.malformedFrom).toBeUndefined();
    });

    test('a quoted value of megabytes that goes on past a line break: the file is malformed from its line, nothing held whole', async () => {
      const big = `2,"${'y'.repeat(2_000_000)}`;
      const input = Buffer.from(`${header}1,a\n${big}\nstill inside"\n3,c\n`);
      const chunks = cutAt(input, ...Array.from({ length: 40 }, (_, i) => (i + 1) * 64 * 1024));
      const result = await split(chunks);
      expect(rowsOf(result)).toBe('1,a\n');
      expect(result.rejects.map((r) => [r.line, r.code])).toEqual([
        [3, 'SFETL_MALFORMED_FILE'],
        [4, 'SFETL_MALFORMED_FILE'],
        [5, 'SFETL_MALFORMED_FILE'],
      ]);
      expect(result.rejects[0]!.values[0]!.length).toBe(32_000);
      expect(result.rejects.slice(1).map((r) => r.values)).toEqual([['still inside"'], ['3,c']]);
      expect(result.summary.malformedFrom).toMatchObject({ reason: 'limit', line: 3, lastLine: 5, lines: 3 });
    });

    test('a row that cannot fit in one part next to the header is rejected', async () => {
      const input = Buffer.from(`${header}1,short\n2,${'z'.repeat(100)}\n3,short\n`);
      // header 8 bytes + room for 19 bytes of row + LF
      const result = await split(input, { maxPartBytes: 28 });
      expect(rowsOf(result)).toBe('1,short\n3,short\n');
      expect(result.rejects.map((r) => [r.line, r.code])).toEqual([[3, 'SFETL_ROW_TOO_LONG']]);
      expect(result.rejects[0]!.message).toBe(
        `row is 103 bytes but a job holds at most 20 bytes of rows after the header (${SOURCE} line 3); shorten the row or raise the job size limit (maxJobBytes)`,
      );
      expect(result.rejects[0]!.values).toEqual(['2', 'z'.repeat(100)]);
    });

    test('a header that fills the whole part: every row is rejected, and the message says the header takes the room', async () => {
      const input = Buffer.from(`${header}1,short\n2,other\n`);
      // header 8 bytes, parts of at most 5: the room for rows would be negative.
      const result = await split(input, { maxPartBytes: 5 });
      expect(rowsOf(result)).toBe('');
      expect(result.rejects.map((r) => r.message)).toEqual([
        `row is 8 bytes but a job has no room for rows: the header line alone fills the job size limit (${SOURCE} line 2); raise the job size limit (maxJobBytes) well above the header's length`,
        `row is 8 bytes but a job has no room for rows: the header line alone fills the job size limit (${SOURCE} line 3); raise the job size limit (maxJobBytes) well above the header's length`,
      ]);
      expect(result.rejects.map((r) => r.message).join()).not.toMatch(/-\d/);
    });
  });
});

describe('splitCsv: header problems are fatal', () => {
  test.each([['empty.csv'], ['blank-lines-only.csv'], ['bom-only.csv']])('%s: EmptySourceError', async (name) => {
    const gen = splitCsv(
      Readable.from([fixture(name)]),
      { workDir: newWorkDir(), sourceName: SOURCE },
      () => undefined,
    );
    const err = await collect(gen).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptySourceError);
    expect((err as EmptySourceError).message).toBe(
      `${SOURCE} is empty or holds only blank lines; a CSV file starts with a header line of field names`,
    );
  });

  test.each([
    [
      'duplicate-columns.csv',
      `columns 2 and 4 of the header line of ${SOURCE} are both named "email" (names are compared ignoring case); rename or remove one of them`,
    ],
    [
      'empty-column-name.csv',
      `column 2 of the header line of ${SOURCE} has no name; name it or remove the column (and its values)`,
    ],
    ['header-invalid-utf8.csv', `the header line of ${SOURCE} is not valid UTF-8; save the file as UTF-8`],
    [
      'header-unterminated.csv',
      `the header line of ${SOURCE} opens a quote that is never closed; close the quote in the header`,
    ],
    [
      'cr-only.csv',
      `the header line of ${SOURCE} contains a carriage return outside quotes; the file probably uses old Mac (CR-only) line endings: save it with LF or CRLF line endings`,
    ],
  ])('%s: BadHeaderError', async (name, message) => {
    const workDir = newWorkDir();
    const gen = splitCsv(Readable.from([fixture(name)]), { workDir, sourceName: SOURCE }, () => undefined);
    const err = await collect(gen).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadHeaderError);
    expect((err as BadHeaderError).message).toBe(message);
    expect((err as BadHeaderError).source).toBe(SOURCE);
    expect(readdirSync(workDir)).toEqual([]);
  });

  test('a column mapping must cover every source column and name each once', async () => {
    const run = (header: string[]) =>
      collect(
        splitCsv(
          Readable.from([fixture('contacts-lf.csv')]),
          { workDir: newWorkDir(), sourceName: SOURCE, header },
          () => undefined,
        ),
      ).catch((e: unknown) => e);
    const narrow = await run(['A', 'B']);
    expect(narrow).toBeInstanceOf(BadHeaderError);
    expect((narrow as Error).message).toBe(
      `the column mapping gives 2 column names but ${SOURCE} has 5 columns; map every source column`,
    );
    const dup = await run(['A', 'B', 'C', 'D', 'a']);
    expect(dup).toBeInstanceOf(BadHeaderError);
    expect((dup as Error).message).toContain('columns 1 and 5 of the mapped header');
  });
});

describe('splitCsv: part limits', () => {
  /** 64 rows with quoted commas, newlines and multi-byte characters: the fixture's 8 rows, 8 times. */
  function manyRows(): Buffer {
    const text = fixture('contacts-lf.csv').toString('utf8');
    const header = text.slice(0, text.indexOf('\n') + 1);
    return Buffer.from(header + text.slice(header.length).repeat(8));
  }

  test('by rows: every part holds at most maxPartRows rows and the rows stay in order', async () => {
    const input = manyRows();
    const result = await split(input, { maxPartRows: 7 });
    expect(result.parts.map((p) => p.rows)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7, 1]);
    const text = input.toString('utf8');
    expect(rowsOf(result)).toBe(text.slice(text.indexOf('\n') + 1));
    for (let i = 1; i < result.parts.length; i++) {
      expect(result.parts[i]!.firstLine).toBe(result.parts[i - 1]!.lastLine + 1);
    }
  });

  test('by bytes: every part is at most maxPartBytes, header included, and as full as the next row allows', async () => {
    const input = manyRows();
    const maxPartBytes = 200;
    const result = await split(input, { maxPartBytes });
    expect(result.parts.length).toBeGreaterThan(5);
    const text = input.toString('utf8');
    expect(rowsOf(result)).toBe(text.slice(text.indexOf('\n') + 1));
    result.parts.slice(1).forEach((next, i) => {
      // the first row of the next part (with its LF) would not have fitted in this one
      const firstRow = (parse(next.content, { raw: true, from_line: 2 }) as unknown as { raw: string }[])[0]!;
      expect(result.parts[i]!.bytes + Buffer.byteLength(firstRow.raw)).toBeGreaterThan(maxPartBytes);
    });
  });

  test('a chunk bigger than the part file buffers: the split waits for the file to drain and loses nothing', async () => {
    const rows = Array.from({ length: 400_000 }, (_, i) => `${i},"name, ${i}",Zoë ${i % 97}\n`).join('');
    const input = Buffer.from(`Id,Name,Note\n${rows}`);
    expect(input.length).toBeGreaterThan(8 * 2 ** 20);
    const result = await split(input, { maxPartBytes: 5_000_000 });
    expect(result.parts.length).toBeGreaterThan(2);
    expect(rowsOf(result)).toBe(rows);
  });

  test('a part is finished before the next one is started: nothing is written ahead of the consumer', async () => {
    const workDir = newWorkDir();
    const gen = splitCsv(
      Readable.from([manyRows()]),
      { workDir, sourceName: SOURCE, maxPartRows: 10 },
      () => undefined,
    );
    const first = await gen.next();
    expect(first.done).toBe(false);
    expect(readdirSync(workDir)).toEqual(['part-00000.csv']);
    const second = await gen.next();
    expect(readdirSync(workDir).sort()).toEqual(['part-00000.csv', 'part-00001.csv']);
    expect(second.done).toBe(false);
  });

  test('a consumer that stops early keeps the parts it got and gets no more', async () => {
    const workDir = newWorkDir();
    const input = Readable.from(oneByteChunks(manyRows()));
    const gen = splitCsv(input, { workDir, sourceName: SOURCE, maxPartRows: 10 }, () => undefined);
    expect((await gen.next()).done).toBe(false);
    expect(await gen.return(undefined as never)).toEqual({ done: true, value: undefined });
    expect(readdirSync(workDir)).toEqual(['part-00000.csv']);
    expect(input.destroyed).toBe(true);
  });

  test('a read error in the middle of a part fails the split and removes the unfinished part', async () => {
    const workDir = newWorkDir();
    const rows = manyRows();
    async function* failing(): AsyncGenerator<Buffer> {
      yield rows.subarray(0, 300);
      yield rows.subarray(300, 600);
      throw new Error('connection reset by S3');
    }
    const gen = splitCsv(Readable.from(failing()), { workDir, sourceName: SOURCE }, () => undefined);
    await expect(collect(gen)).rejects.toThrow('connection reset by S3');
    expect(readdirSync(workDir)).toEqual([]);
  });
});

describe('splitCsv: chunk boundaries anywhere give the same parts', () => {
  const cases = [
    'contacts-lf.csv',
    'bom-crlf.csv',
    'mixed-endings.csv',
    'rejects.csv',
    'invalid-utf8.csv',
    'unterminated.csv',
  ];

  async function expectSame(input: Buffer, chunks: Buffer[], options: Partial<SplitOptions>) {
    const whole = await split(input, options);
    const cut = await split(chunks, options);
    expect(cut).toEqual(whole);
  }

  test.each(cases)('%s fed one byte at a time', async (name) => {
    const input = fixture(name);
    await expectSame(input, oneByteChunks(input), { maxPartRows: 2 });
  });

  test.each(cases)('%s cut in two at every position', async (name) => {
    const input = fixture(name);
    const whole = await split(input, { maxPartRows: 2 });
    for (let i = 1; i < input.length; i++) {
      const cut = await split(cutAt(input, i), { maxPartRows: 2 });
      expect({ at: i, ...cut }).toEqual({ at: i, ...whole });
    }
  });

  test('between the CR and the LF of a row ending, in the BOM, inside a multi-byte character, inside a quoted value', async () => {
    const input = fixture('bom-crlf.csv');
    const crlf = input.indexOf('\r\n003');
    const quoted = input.indexOf('first') + 2;
    await expectSame(input, cutAt(input, 1, 2, quoted, crlf + 1), {});
    await expectSame(input, cutAt(input, input.indexOf('\r\n"') + 1), {}); // a quoted CRLF split

    const mixed = fixture('mixed-endings.csv');
    const oslash = mixed.indexOf(Buffer.from('ø'));
    const aring = mixed.indexOf(Buffer.from('Å'));
    await expectSame(mixed, cutAt(mixed, oslash + 1, aring + 1), { maxPartRows: 1 });

    const emoji = fixture('contacts-lf.csv');
    const at = emoji.indexOf(Buffer.from('😀'));
    await expectSame(emoji, cutAt(emoji, at + 1, at + 2, at + 3), {});

    const bad = fixture('rejects.csv');
    const latin1 = bad.indexOf(0xe9);
    await expectSame(bad, cutAt(bad, latin1, latin1 + 1), {});
  });

  test('string chunks (a stream with an encoding set) are split the same way', async () => {
    const input = fixture('mixed-endings.csv');
    const whole = await split(input);
    const workDir = newWorkDir();
    const stream = Readable.from([input]).setEncoding('utf8');
    const gen = splitCsv(stream, { workDir, sourceName: SOURCE }, () => undefined);
    const first = await gen.next();
    expect(first.done).toBe(false);
    expect(readFileSync((first.value as CsvPart).path)).toEqual(whole.parts[0]!.content);
  });
});

describe('splitCsv: generated files agree with csv-parse', () => {
  const PIECES = ['a', 'Zoë', '山田', '😀', ' ', ',', '"', '\n', '\r\n', 'x y', '0'];

  test.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'seed %i: random values, line endings, blank lines and chunk sizes',
    async (seed) => {
      const rnd = seeded(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const width = 1 + Math.floor(rnd() * 6);
      const header = Array.from({ length: width }, (_, i) => `Col${i}`);
      const records: string[][] = [];
      let source = rnd() < 0.5 ? '\ufeff' : '';
      let expected = '';
      const eol = () => (rnd() < 0.5 ? '\n' : '\r\n');
      source += header.join(',') + eol();
      const rows = 50 + Math.floor(rnd() * 200);
      for (let r = 0; r < rows; r++) {
        const values = header.map(() => Array.from({ length: Math.floor(rnd() * 4) }, () => pick(PIECES)).join(''));
        // A single empty value would be a blank line, which is not a row.
        if (width === 1 && values[0] === '') values[0] = 'v';
        records.push(values);
        const line = values
          .map((v) => (/[",\r\n]/.test(v) || rnd() < 0.2 ? `"${v.replace(/"/g, '""')}"` : v))
          .join(',');
        expected += `${line}\n`;
        source += line + (r === rows - 1 && rnd() < 0.5 ? '' : eol());
        if (rnd() < 0.05) source += eol();
      }
      const input = Buffer.from(source);
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length;) {
        const size = 1 + Math.floor(rnd() * 64);
        chunks.push(input.subarray(at, at + size));
        at += size;
      }
      const result = await split(chunks, { maxPartRows: 1 + Math.floor(rnd() * 40), maxPartBytes: 2_000 });
      expect(result.rejects).toEqual([]);
      expect(rowsOf(result)).toBe(expected);
      const parsed = result.parts.flatMap((p) => parse(p.content, { from_line: 2 }) as string[][]);
      expect(parsed).toEqual(records);
    },
  );
});

describe('readCsvHeader', () => {
  test('returns the header names without the BOM, after blank lines', async () => {
    expect(await readCsvHeader(Readable.from([fixture('bom-crlf.csv')]))).toEqual(['Id', 'Name', 'Notes']);
    expect(await readCsvHeader(Readable.from(oneByteChunks(fixture('mixed-endings.csv'))))).toEqual([
      'Id',
      'Name',
      'City',
    ]);
    expect(await readCsvHeader(Readable.from([fixture('quoted-header.csv')]))).toEqual(['Id', 'Name', 'Email']);
  });

  test('stops reading once the header is known', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('Id,Name\n');
      for (;;) {
        pulled++;
        yield Buffer.from('1,row\n'.repeat(1000));
      }
    }
    const input = Readable.from(endless(), { objectMode: false });
    expect(await readCsvHeader(input)).toEqual(['Id', 'Name']);
    expect(pulled).toBeLessThan(100);
    expect(input.destroyed).toBe(true);
  });

  test('fails like splitCsv on an empty file or a bad header, naming the source', async () => {
    await expect(readCsvHeader(Readable.from([fixture('bom-only.csv')]), SOURCE)).rejects.toBeInstanceOf(
      EmptySourceError,
    );
    const err = await readCsvHeader(Readable.from([fixture('duplicate-columns.csv')]), SOURCE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadHeaderError);
    expect((err as Error).message).toContain(`of the header line of ${SOURCE} are both named "email"`);
  });
});

describe('splitCsv: NUL bytes and UTF-16 files', () => {
  const badInput = (name: string) => readFileSync(join(__dirname, '../fixtures/bad-input', name));
  const fix = 'remove it (Salesforce does not store NUL in text; if many rows have them, save the file as UTF-8)';

  test('a row with a NUL byte is rejected as SFETL_NUL_BYTE, naming the column; its values are logged as they were', async () => {
    const result = await split(badInput('nul-bytes.csv'));
    expect(rowsOf(result)).toBe('N-1,Ng,fine\nN-4,Park,fine\n');
    expect(result.rejects).toEqual([
      {
        line: 3,
        lastLine: 3,
        code: CsvRejectCode.NUL_BYTE,
        message: `row contains a NUL byte in column 2 "LastName" (${SOURCE} line 3); ${fix}`,
        values: ['N-2', 'Lee\0', 'nul in an unquoted value'],
      },
      {
        line: 4,
        lastLine: 4,
        code: CsvRejectCode.NUL_BYTE,
        message: `row contains a NUL byte in column 3 "Description" (${SOURCE} line 4); ${fix}`,
        values: ['N-3', 'Kim', 'nul \0 in a quoted value'],
      },
    ]);
    expect(result.summary).toMatchObject({ rowsRead: 4, rowsInParts: 2, rejected: 2 });
  });

  test('a NUL is found wherever the chunks are cut, also in a row that spans chunks', async () => {
    const input = badInput('nul-bytes.csv');
    const whole = await split(input);
    expect(await split(oneByteChunks(input))).toEqual(whole);
    const nul = input.indexOf(0);
    expect(await split(cutAt(input, nul, nul + 1))).toEqual(whole);
    expect(await split(cutAt(input, nul - 2, input.indexOf(0, nul + 1) + 3))).toEqual(whole);
  });

  test('a NUL with another problem in the row is still one reject, the raw row kept', async () => {
    const result = await split(Buffer.from('Id,Name\n1,a"b\0\n2,ok\n'));
    expect(result.rejects.map((r) => [r.line, r.code, r.values])).toEqual([[2, 'SFETL_NUL_BYTE', ['1,a"b\0']]]);
    expect(result.rejects[0]!.message).toBe(`row contains a NUL byte (${SOURCE} line 2); ${fix}`);
  });

  test.each([
    [
      'utf16le-bom.csv',
      `${SOURCE} is UTF-16 (it starts with a UTF-16 byte order mark); save the file as UTF-8 (in Excel: "CSV UTF-8")`,
    ],
    [
      'utf16le-no-bom.csv',
      `the header line of ${SOURCE} contains NUL bytes, so the file is probably UTF-16 or not text; save it as UTF-8 (in Excel: "CSV UTF-8")`,
    ],
  ])('%s: BadHeaderError, from the splitter and from readCsvHeader', async (name, message) => {
    const err = await collect(
      splitCsv(Readable.from([badInput(name)]), { workDir: newWorkDir(), sourceName: SOURCE }, () => undefined),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadHeaderError);
    expect((err as Error).message).toBe(message);
    await expect(readCsvHeader(Readable.from(oneByteChunks(badInput(name))), SOURCE)).rejects.toThrow(message);
  });
});
