import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sfetlInProcess, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** The corpus: test/fixtures/hostile-input/README.md says what each file holds. */
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/hostile-input', name));

/** A stack trace's frames, as `unexpected error` prints them. */
const STACK_FRAME = /\n\s+at /;

describe('sfetl load: hostile names and values, end to end against the embedded default', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start();
  });
  afterAll(() => stack?.stop());

  /** Puts a corpus file in the source bucket and loads it into the dev org's Contacts (insert). */
  async function loadFixture(name: string, columnMapping?: Record<string, string>, extra: readonly string[] = []) {
    const source = await stack.putSource(`hostile-input/${name}`, fixture(name));
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
});
