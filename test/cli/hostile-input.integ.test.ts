import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** The corpus: test/fixtures/hostile-input/README.md says what each file holds. */
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/hostile-input', name));

/** A stack trace's frames, as `unexpected error` prints them. */
const STACK_FRAME = /\n\s+at /;

/** Every control or invisible character but the line feeds that end lines. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

/** What a terminal shows: the progress line's own clearing (carriage return, erase line) taken out. */
const withoutLineClearing = (text: string) => text.split('\r\u001b[2K').join('');

describe('sfetl load: hostile names and values, end to end against the embedded default', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(() => stack?.stop());

  /** Puts a corpus file in the source bucket (under `key`) and loads it into the dev org's Contacts (insert). */
  async function loadFixture(
    name: string,
    columnMapping?: Record<string, string>,
    extra: readonly string[] = [],
    key = `hostile-input/${name}`,
  ) {
    const source = await stack.putSource(key, fixture(name));
    const config = stack.configWith(`hostile-input-${name}.yaml`, (c) => {
      c.objects = [
        { name: 'Contact', source, operation: 'insert', loadOrder: 1, ...(columnMapping && { columnMapping }) },
      ];
    });
    const jobsBefore = await stack.jobCount('dev');
    const result = await sfetlInProcess(['load', '--config', config, '--env', 'dev', ...extra]);
    return { ...result, source, jobs: (await stack.jobCount('dev')) - jobsBefore };
  }

  describe('names every JavaScript object carries', () => {
    test('as header columns: exit 1 at preflight, each a column that is not a field, one line each', async () => {
      const result = await loadFixture('prototype-header.csv', undefined, ['--output', 'json']);
      expect(result.code).toBe(1);
      expect(result.err).not.toContain('unexpected error');
      expect(result.err).not.toMatch(STACK_FRAME);
      const lines = result.err.trimEnd().split('\n');
      expect(lines[0]).toBe(`sfetl load: preflight of Contact (${result.source}) failed, no job was created:`);
      expect(lines.slice(1, -1)).toHaveLength(4);
      ['constructor', '__proto__', 'toString', 'hasOwnProperty'].forEach((name, i) =>
        expect(lines[i + 1]).toMatch(new RegExp(`^  - column ${name} is not a field of Contact\\b`)),
      );
      expect(lines.at(-1)).toBe('fix the file or the configuration and run again');
      expect(result.jobs).toBe(0);
    });

    test('as columnMapping keys: the columns are mapped and the file loads', async () => {
      const result = await loadFixture(
        'prototype-mapped.csv',
        {
          toString: 'LastName',
          constructor: 'Email',
        },
        ['--output', 'json'],
      );
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const contacts = await stack.orgQuery<{ LastName: string; Email: string }>(
        'dev',
        "SELECT LastName, Email FROM Contact WHERE Ext_Id__c LIKE 'P-%' ORDER BY Ext_Id__c",
      );
      expect(contacts.records.map(({ LastName, Email }) => [LastName, Email])).toEqual([
        ['Ng', 'ng@example.com'],
        ['Oh', 'oh@example.com'],
      ]);
    });

    test('as column names of a log query: every one is a key of its JSON row', async () => {
      // The load above created the log tables the query needs.
      const result = await sfetlInProcess([
        ...['logs', 'query', '--config', stack.config, '--output', 'json'],
        `SELECT 'a' AS "__proto__", 'b' AS "constructor", 'c' AS "toString"`,
      ]);
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toBe('{"__proto__":"a","constructor":"b","toString":"c"}\n');
    });
  });

  describe('terminal escapes and other control characters in names and values', () => {
    const ESC_KEY = 'hostile-input/values-\u001b[31m.csv';
    const ESCAPED_KEY = 'hostile-input/values-\\u001b[31m.csv';

    test('in a header column: the preflight message shows it escaped, one line, exit 1', async () => {
      const result = await loadFixture('escape-header.csv', undefined, ['--output', 'text']);
      expect(result.code).toBe(1);
      expect(withoutLineClearing(result.err)).not.toMatch(UNPRINTABLE);
      expect(result.err).toContain(
        '\n  - column Email\\u001b[31m is not a field of Contact (did you mean Email?); rename the column or map it with columnMapping\n',
      );
      expect(result.jobs).toBe(0);
    });

    test('in values and in the source key: the dry run and the load show them escaped on the terminal', async () => {
      const dryRun = await loadFixture('escape-values.csv', undefined, ['--output', 'text', '--dry-run'], ESC_KEY);
      expect(dryRun.code).toBe(0);
      expect(withoutLineClearing(dryRun.err)).not.toMatch(UNPRINTABLE);
      expect(dryRun.out).not.toMatch(UNPRINTABLE);
      expect(dryRun.out).toContain(
        `line 4 of s3://${stack.description.buckets.source}/${ESCAPED_KEY}: SFETL_COLUMN_COUNT:`,
      );

      const load = await loadFixture('escape-values.csv', undefined, ['--output', 'text'], ESC_KEY);
      // One row of three is too short: loaded, with the failure rate above the 5% threshold.
      expect(load.code).toBe(2);
      expect(withoutLineClearing(load.err)).not.toMatch(UNPRINTABLE);
      expect(load.out).not.toMatch(UNPRINTABLE);
      expect(load.out).toMatch(/total 3 rows · 2 loaded · 1 failed/);
    });

    test('sfetl logs query --output text shows them escaped; --output json gives them back intact', async () => {
      const sql =
        "SELECT lastname, description, status FROM contact WHERE ext_id__c LIKE 'E-%' AND status = 'success' ORDER BY ext_id__c";
      const text = await sfetlInProcess(['logs', 'query', '--config', stack.config, '--output', 'text', sql]);
      expect(text.err).toBe('');
      expect(text.code).toBe(0);
      expect(text.out).not.toMatch(UNPRINTABLE);
      const lines = text.out.split('\n');
      expect(lines[2]).toMatch(
        /^Red\\u001b\[31mNg +bell\\u0007 csi\\u009b line-separator\\u2028 rlo\\u202e end +success$/,
      );
      expect(lines[3]).toMatch(/^Plain +plain +success$/);

      const json = await sfetlInProcess(['logs', 'query', '--config', stack.config, '--output', 'json', sql]);
      expect(json.code).toBe(0);
      expect(json.out).not.toMatch(UNPRINTABLE);
      expect(json.json[0]).toEqual({
        lastname: 'Red\u001b[31mNg',
        description: 'bell\u0007 csi\u009b line-separator\u2028 rlo\u202e end',
        status: 'success',
      });
    });
  });
});
