import { parse } from 'csv-parse/sync';
import { generateSampleData, SampleFile } from '../../src/demo';

const rowsOf = (file: SampleFile) =>
  parse(file.csv, { columns: true, relax_column_count: true, skip_empty_lines: true }) as Record<string, string>[];

describe('generateSampleData', () => {
  test('the same seed, env and size give the same files; another seed or env gives other data', () => {
    const a = generateSampleData({ seed: 7, env: 'dev', accounts: 200 });
    expect(generateSampleData({ seed: 7, env: 'dev', accounts: 200 })).toEqual(a);
    expect(generateSampleData({ seed: 8, env: 'dev', accounts: 200 }).files[1]!.csv).not.toBe(a.files[1]!.csv);
    expect(generateSampleData({ seed: 7, env: 'qa', accounts: 200 }).files[1]!.csv).not.toBe(a.files[1]!.csv);
  });

  test('two runs of Accounts, Contacts and Invoices in load order, sized from --records', () => {
    const data = generateSampleData({ seed: 1, env: 'dev', accounts: 200 });
    expect(data.prefix).toBe('DEMO1-');
    expect(data.files.map((f) => `${f.run} ${f.object}`)).toEqual([
      '1 Account',
      '1 Contact',
      '1 Invoice__c',
      '2 Account',
      '2 Contact',
      '2 Invoice__c',
    ]);
    expect(data.files.slice(0, 3).map((f) => f.rows)).toEqual([200, 600, 400]);
    for (const file of data.files) expect(rowsOf(file)).toHaveLength(file.rows);
  });

  test('the share of rows with a deliberate mistake is the one asked for, each kind in turn', () => {
    const data = generateSampleData({ seed: 3, env: 'dev', accounts: 1000, badShare: 0.02 });
    const [accounts, contacts, invoices] = data.files;
    expect(accounts!.bad.size).toBe(20);
    expect(new Set(accounts!.bad.values())).toEqual(
      new Set([
        'REQUIRED_FIELD_MISSING',
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        'STRING_TOO_LONG',
        'NUMBER_OUTSIDE_VALID_RANGE',
      ]),
    );
    // Contacts: 2% own mistakes (60 of 3000) plus the children of the 20 broken Accounts.
    const own = [...contacts!.bad.values()].filter((c) => c !== 'INVALID_FIELD').length;
    const invalidField = [...contacts!.bad.values()].filter((c) => c === 'INVALID_FIELD').length;
    expect(own).toBe(48); // 60 in turns of 5 kinds: 12 of them are made-up Account ids (INVALID_FIELD)
    expect(invalidField).toBeGreaterThanOrEqual(12);
    const brokenAccounts = new Set(accounts!.bad.keys());
    const rows = rowsOf(contacts!);
    const orphans = rows.filter((r) => brokenAccounts.has(r['Account.Ext_Id__c']!));
    expect(orphans.length).toBeGreaterThan(0);
    // A Contact of a broken Account fails too: with its own mistake, or else INVALID_FIELD (no such Account).
    for (const r of orphans) expect(contacts!.bad.has(r.Ext_Id__c!)).toBe(true);
    expect(invoices!.bad.size).toBeGreaterThanOrEqual(40);
  });

  test('the bad rows carry the mistakes Salesforce rejects them for', () => {
    const data = generateSampleData({ seed: 2, env: 'dev', accounts: 500, badShare: 0.05 });
    const [accounts, contacts] = data.files;
    const account = new Map(rowsOf(accounts!).map((r) => [r.Ext_Id__c!, r]));
    for (const [key, code] of accounts!.bad) {
      const row = account.get(key)!;
      if (code === 'REQUIRED_FIELD_MISSING') expect(row.Name).toBe('');
      if (code === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST') expect(row.Industry).toBe('Aerospace & Defence');
      if (code === 'STRING_TOO_LONG') expect(row.BillingCity!.length).toBeGreaterThan(40);
      if (code === 'NUMBER_OUTSIDE_VALID_RANGE') expect(row.NumberOfEmployees!.length).toBeGreaterThan(8);
    }
    const lines = contacts!.csv.split('\n');
    const surplus = [...contacts!.bad].filter(([, code]) => code === 'SFETL_COLUMN_COUNT').map(([key]) => key);
    expect(surplus.length).toBeGreaterThan(0);
    for (const key of surplus) expect(lines.find((l) => l.startsWith(`${key},`))).toContain(',Head of Sales, EMEA,');
    // Good rows are valid: a real email, a real date, an Account of the first file.
    for (const row of rowsOf(contacts!).filter((r) => !contacts!.bad.has(r.Ext_Id__c!))) {
      expect(row.Email).toMatch(/^[a-z0-9.]+@example\.com$/);
      expect(row.LastName).not.toBe('');
      expect(row['Account.Ext_Id__c']).toMatch(/^DEMO2-A-\d{6}$/);
    }
  });

  test("the second run fixes the first run's broken rows and adds new ones", () => {
    const data = generateSampleData({ seed: 4, env: 'uat', accounts: 400 });
    for (const object of ['Account', 'Contact', 'Invoice__c']) {
      const [first, second] = data.files.filter((f) => f.object === object);
      const keys = new Set(rowsOf(second!).map((r) => r[second!.keyField]));
      for (const key of first!.bad.keys()) expect(keys.has(key)).toBe(true);
      for (const key of first!.bad.keys()) expect(second!.bad.has(key)).toBe(false);
      expect(second!.rows).toBeGreaterThan(first!.bad.size + first!.rows * 0.25);
    }
  });

  test('refuses sizes and shares it cannot honour', () => {
    expect(() => generateSampleData({ seed: 1, env: 'dev', accounts: 0 })).toThrow(RangeError);
    expect(() => generateSampleData({ seed: 1, env: 'dev', accounts: 10, badShare: 1.5 })).toThrow(RangeError);
  });
});
